#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: install (and Label Studio apart, in .venv-ls), build the default model if missing (the end-to-end
# tests use it), make sure Chromium is there for the HTML report test, then pytest.
#   bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup_label_studio.sh   # the Label Studio server and SDK for the round-trip test, in .venv-ls
.venv/bin/python scripts/train_default_model.py
if ! command -v chromium >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "test: chromium could not be installed; the browser test will say so" >&2
fi
exec .venv/bin/python -m pytest "$@"

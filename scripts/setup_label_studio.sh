#!/usr/bin/env bash
# Install Label Studio and label-studio-sdk into .venv-ls, apart from .venv (idempotent; quick when nothing changed).
#   bash scripts/setup_label_studio.sh          # install the versions in requirements-label-studio.lock
#   bash scripts/setup_label_studio.sh --lock   # install the newest label-studio and rewrite the lock file
# Label Studio pins dozens of packages (Django, pydantic, ...) that conflict with requirements.lock, and quotes
# itself needs none of it: quotes writes the tasks and reads the exports as plain JSON. The round-trip test
# (tests/test_label_studio.py) runs the server and scripts/label_studio_roundtrip.py with this Python.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
lock=requirements-label-studio.lock
stamp=.venv-ls/.installed
if [ "${1:-}" = "--lock" ]; then
    rm -rf .venv-ls
    "$PYTHON" -m venv .venv-ls
    .venv-ls/bin/python -m pip install -q --disable-pip-version-check label-studio label-studio-sdk
    {
        echo "# The Label Studio environment (.venv-ls) the round-trip test runs the server and label-studio-sdk in:"
        echo "# every package and version (constraints for pip; made by scripts/setup_label_studio.sh --lock). Its pins"
        echo "# conflict with requirements.lock (pip finds no label-studio release that fits it), so it lives apart."
        .venv-ls/bin/python -m pip freeze --disable-pip-version-check
    } > "$lock"
    sha256sum "$lock" scripts/setup_label_studio.sh | sha256sum | cut -c1-16 > "$stamp"
    echo "setup: wrote $lock" >&2
    exit 0
fi
want=$(sha256sum "$lock" scripts/setup_label_studio.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv-ls/bin/label-studio ]; then
    exit 0
fi
echo "setup: installing Label Studio into .venv-ls (first run takes a few minutes)" >&2
[ -x .venv-ls/bin/python ] || "$PYTHON" -m venv .venv-ls
.venv-ls/bin/python -m pip install -q --disable-pip-version-check -r "$lock"
.venv-ls/bin/python -c "import label_studio, label_studio_sdk; print('setup: Label Studio', label_studio.__version__)" >&2
echo "$want" > "$stamp"

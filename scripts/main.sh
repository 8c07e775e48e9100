#!/usr/bin/env bash
# The main job on a fresh machine: install, build the default stance model if it is missing, extract the
# quotes of seeds/articles (with stance on the default topics) into quotes.db and seeds-quotes.jsonl, and
# print the per-speaker stance report.
#   bash scripts/main.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python scripts/train_default_model.py          # skips when models/stance-minilm exists
.venv/bin/quotes extract seeds/articles --store quotes.db -o seeds-quotes.jsonl
.venv/bin/quotes report --store quotes.db

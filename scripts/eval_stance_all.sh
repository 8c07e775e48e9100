#!/usr/bin/env bash
# Every stance measure of a model folder, as docs/benchmarks.md reports them: the real-text dev sets (UN
# General Debate, news), the off-topic rate, the written held-out-topic set, VAST dev and the seed's verdicts.
#   bash scripts/eval_stance_all.sh [MODEL_DIR] [SHARED_DATA_DIR]     (defaults: models/stance-minilm ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/stance-minilm}
data=${2:-../shared/data}
q=.venv/bin/quotes
summary() { grep -E "│ +[0-9]+ │" | head -1 | awk -F'│' '{printf "macro-F1 %s  F_avg %s  (%s pairs)\n", $3, $4, $2}' | tr -s ' '; }
echo "model: $model  ($(date -u +%Y-%m-%d))"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo -n "ungdc dev (real speeches, 42 held-out countries): "; $q evaluate seeds/stance/ungdc/dev.jsonl --model "$model" 2>/dev/null | summary
rounds() {  # the UN dev pairs of some rounds: rounds ROUNDS-PATTERN "what they are"
    grep -E "\"round\": $1}" seeds/stance/ungdc/dev.jsonl > "$tmp/rounds.jsonl"
    echo -n "  of which $2: "; $q evaluate "$tmp/rounds.jsonl" --model "$model" 2>/dev/null | summary
}
rounds '[12]' "rounds 1-2 (the dev set before 2026-12-05's rounds)"
rounds 3 "round 3 (the Russia-Ukraine war)"
rounds '[1-4]' "rounds 1-4 (the dev set before round 5)"
rounds 5 "round 5 (40 more topics, most of them actors)"
rounds '[1-5]' "rounds 1-5 (the dev set before round 6)"
rounds 6 "round 6 (30 people)"
.venv/bin/python scripts/eval_stance_real.py "$data/polnear-dev.jsonl" --model "$model" 2>/dev/null | sed 1d
echo -n "written statements, held-out topics (seeds/stance/dev.jsonl): "; $q evaluate seeds/stance/dev.jsonl --model "$model" 2>/dev/null | summary
echo -n "VAST dev: "; $q evaluate "$data/vast-dev.jsonl" --model "$model" 2>/dev/null | summary
$q extract seeds/articles --model "$model" --no-store -o "$tmp/seed.jsonl" 2>/dev/null
.venv/bin/python - "$tmp/seed.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
def verdict(speaker, topic):
    return [(r["stance"][topic]["label"], r["stance"][topic]["score"]) for r in rows
            if r["speaker"] and r["speaker"]["name"] == speaker]
print("seed: Beijing on a ceasefire", verdict("Beijing", "ukraine_ceasefire"),
      "| Lukashenko on China's proposal", verdict("Alexander Lukashenko", "china_peace_plan"))
PY

"""Would a calibrated label prior fix stance on news? A bias on one label's probability, swept over the dev sets.

Classifies every pair of the UN dev split, the news dev set, the written held-out topics and VAST dev once with
the model as shipped (its gate included), then multiplies one label's probability by exp(bias) for each bias and
prints macro-F1 per set: `none` (fewer stances taken: the news errors are mostly `none` read as `against`) and
`favor` (news favor is mostly read as `against`). docs/stance.md reports the result.

    python scripts/sweep_label_bias.py models/stance-minilm ../shared/data [--biases -1 -0.5 0 0.5 1 1.5 2]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from quotes.stance.classifier import StanceClassifier
from quotes.stance.data import example_pair, read_records
from quotes.stance.evaluate import compute_metrics
from quotes.types import STANCE_LABELS

sys.path.insert(0, str(Path(__file__).parent))
from eval_stance_real import news_pairs, statements_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("data", type=Path, help="the shared data folder (polnear-dev.jsonl, vast-dev.jsonl)")
    ap.add_argument("--biases", type=float, nargs="+", default=[-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0])
    args = ap.parse_args()
    classifier = StanceClassifier.load(args.model)
    # name -> (gold labels, pairs, speakers: the gate reads each statement without its speaker's name)
    sets: dict[str, tuple[list[str], list[tuple[str, str]], list[str | None]]] = {}
    labels = ROOT / "seeds" / "stance" / "news_dev" / "labels.jsonl"
    gold = [json.loads(line) for line in labels.open(encoding="utf-8") if line.strip()]
    rows = news_pairs(gold, statements_of(args.data / "polnear-dev.jsonl"))
    sets["news dev"] = ([g["label"] for g, *_ in rows], [pair for _, pair, _ in rows], [sp for *_, sp in rows])
    for name, path in [("UN dev", ROOT / "seeds" / "stance" / "ungdc" / "dev.jsonl"),
                       ("written dev", ROOT / "seeds" / "stance" / "dev.jsonl"),
                       ("VAST dev", args.data / "vast-dev.jsonl")]:
        records = read_records(path)
        sets[name] = ([r["label"] for r in records], [example_pair(r) for r in records],
                      [r.get("speaker") for r in records])
    probs = {name: np.array([[p.probs[label] for label in STANCE_LABELS]
                             for p in classifier.predict(pairs, speakers=speakers)])
             for name, (_, pairs, speakers) in sets.items()}
    for label in ("none", "favor"):
        column = STANCE_LABELS.index(label)
        for bias in args.biases:
            scores = []
            for name, (gold_labels, *_) in sets.items():
                shifted = probs[name].copy()
                shifted[:, column] *= np.exp(bias)
                predicted = [STANCE_LABELS[i] for i in shifted.argmax(axis=1)]
                scores.append(f"{name} {compute_metrics(gold_labels, predicted)['macro_f1']:.3f}")
            print(f"{label} bias {bias:+.1f}: " + "  ".join(scores), flush=True)


if __name__ == "__main__":
    main()

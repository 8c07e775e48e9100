"""How the relevance gate's threshold trades stance recall against stances on off-topic quotes, for one model.

Classifies every pair once without the gate, then applies each threshold: macro-F1 on the UN dev split, the news
dev set and VAST dev, and the off-topic rate on PolNeAR dev with the default topics (as in
``scripts/eval_stance_all.sh``). The numbers in docs/stance.md's "Gate thresholds" line come from it.

    python scripts/sweep_gate.py models/stance-minilm ../shared/data [--thresholds 0 0.3 0.35 0.4] [--scoring cosine]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from quotes.stance.classifier import StanceClassifier
from quotes.stance.data import example_pair
from quotes.stance.evaluate import compute_metrics
from quotes.stance.relevance import SCORINGS, RelevanceGate, gate_pairs, read_gate_settings
from quotes.stance.topics import load_topics
from quotes.types import STANCE_LABELS

sys.path.insert(0, str(Path(__file__).parent))
from eval_stance_real import news_pairs, statements_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("data", type=Path, help="the shared data folder (polnear-dev.jsonl, vast-dev.jsonl)")
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.0, 0.108, 0.15, 0.2, 0.225, 0.25])
    ap.add_argument("--scoring", choices=SCORINGS, default=None,
                    help="how the gate scores a pair (default: the model's own gate scoring)")
    ap.add_argument("--confidences", type=float, nargs="+", default=[0.0],
                    help="also sweep the least probability a favor/against label needs (below it: none)")
    args = ap.parse_args()
    classifier = StanceClassifier.load(args.model, gate=False)
    saved = read_gate_settings(args.model) or {}
    scoring = args.scoring or str(saved.get("scoring", "cosine"))
    gate = RelevanceGate.load(precision=classifier.precision if classifier.precision != "int8" else "fp32",
                              scoring=scoring)
    print(f"model: {args.model}  gate scoring: {scoring}  (saved threshold: {saved.get('threshold')})")

    statements = statements_of(args.data / "polnear-dev.jsonl")
    news = news_pairs(read(ROOT / "seeds" / "stance" / "news_dev" / "labels.jsonl"), statements)
    # (gold, pair, speaker): the gate reads each statement without its speaker's name, as the classifier's does
    sets = {
        "UN dev": [(r["label"], example_pair(r), r.get("speaker"))
                   for r in read(ROOT / "seeds" / "stance" / "ungdc" / "dev.jsonl")],
        "news dev": [(g["label"], pair, speaker) for g, pair, speaker in news],
        "VAST dev": [(r["label"], example_pair(r), r.get("speaker")) for r in read(args.data / "vast-dev.jsonl")],
        "off-topic": [("none", (t.phrase, text), speaker) for text, speaker in statements.values()
                      for t in load_topics(None)],
    }
    scored = {}
    for name, rows in sets.items():
        pairs = [pair for _, pair, _ in rows]
        probs = classifier.predict_proba(pairs)
        scored[name] = ([gold for gold, *_ in rows], probs,
                        gate.similarity(gate_pairs(pairs, [speaker for *_, speaker in rows])))
    for t, c in ((t, c) for t in args.thresholds for c in args.confidences):
        parts = []
        for name, (gold, probs, sims) in scored.items():
            labels = np.array(STANCE_LABELS)[probs.argmax(axis=1)]
            gated = np.where((sims < t) | (probs.max(axis=1) < c), "none", labels)
            if name == "off-topic":
                parts.append(f"off-topic {np.mean(gated != 'none'):.2%}")
            else:
                parts.append(f"{name} {compute_metrics(gold, list(gated))['macro_f1']:.3f}")
        print(f"gate {t:.3f} confidence {c:.2f}: " + "  ".join(parts))


if __name__ == "__main__":
    main()

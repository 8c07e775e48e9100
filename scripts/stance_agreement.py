"""Inter-annotator agreement on the stance data: Cohen's kappa between the first labels and a blind second
labeller's, and the list of disagreements to settle.

Usage:
    python scripts/stance_agreement.py [--data seeds/stance] [--disagreements FILE]

Reads ``review.jsonl`` (the writer's label ``first`` and the blind second labeller's ``second`` for each reviewed
statement, with its ``review_round``) and prints, for each round and for all rounds together, the sample size, raw
agreement, Cohen's kappa and the confusion matrix. ``--disagreements`` writes the pairs to settle, with the
statement's topic and text from ``written.jsonl``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

LABELS = ("favor", "against", "none")


def cohen_kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[label] * cb[label] for label in LABELS) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def report(name: str, a: list[str], b: list[str]) -> None:
    agree = sum(x == y for x, y in zip(a, b, strict=True))
    print(f"{name}: sample {len(a)}  agreement {agree / len(a):.3f}  Cohen's kappa {cohen_kappa(a, b):.3f}")
    print("  first \\ second " + " ".join(f"{label:>8}" for label in LABELS))
    pairs = Counter(zip(a, b, strict=True))
    for la in LABELS:
        print(f"  {la:<15}" + " ".join(f"{pairs[(la, lb)]:>8}" for lb in LABELS))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--data", type=Path, default=Path("seeds/stance"))
    ap.add_argument("--disagreements", type=Path)
    args = ap.parse_args()
    review = [json.loads(line) for line in (args.data / "review.jsonl").open(encoding="utf-8") if line.strip()]
    if not review:
        raise SystemExit(f"no second labels in {args.data / 'review.jsonl'}")
    rounds = sorted({r["review_round"] for r in review})
    for n in rounds:
        sample = [r for r in review if r["review_round"] == n]
        report(f"round {n}", [r["first"] for r in sample], [r["second"] for r in sample])
    if len(rounds) > 1:
        report("all rounds", [r["first"] for r in review], [r["second"] for r in review])
    if args.disagreements:
        written = {}
        for line in (args.data / "written.jsonl").open(encoding="utf-8"):
            rec = json.loads(line)
            written[rec["id"]] = rec
        with args.disagreements.open("w", encoding="utf-8") as fh:
            for r in review:
                if r["first"] != r["second"]:
                    rec = written[r["id"]]
                    fh.write(json.dumps({"id": r["id"], "topic": rec["topic"], "text": rec["text"],
                                         "first": r["first"], "second": r["second"]}, ensure_ascii=False) + "\n")

if __name__ == "__main__":
    main()

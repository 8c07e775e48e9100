"""Inter-annotator agreement on the stance data: Cohen's kappa between the first labels and a blind second
labeller's, and the list of disagreements to settle.

Usage:
    python scripts/stance_agreement.py [--data seeds/stance] [--disagreements FILE]

Reads ``parts/*.jsonl`` (first labels, by id ``<part>:<line>``) and every review round's second labels,
``review/second_labels.jsonl`` (round 1), ``review/second_labels_2.jsonl`` (round 2), ... ({"id", "label"}),
and prints, for each round and for all rounds together, the sample size, raw agreement, Cohen's kappa and the
confusion matrix.
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
    first: dict[str, dict] = {}
    for file in sorted((args.data / "parts").glob("*.jsonl")):
        for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                first[f"{file.stem}:{lineno}"] = json.loads(line)
    rounds = sorted((args.data / "review").glob("second_labels*.jsonl"))
    if not rounds:
        raise SystemExit(f"no second labels under {args.data / 'review'}")
    second: list[dict] = []
    for file in rounds:
        labels = [json.loads(line) for line in file.open(encoding="utf-8") if line.strip()]
        report(file.name, [first[r["id"]]["label"] for r in labels], [r["label"] for r in labels])
        second += labels
    a = [first[r["id"]]["label"] for r in second]
    b = [r["label"] for r in second]
    if len(rounds) > 1:
        report("all rounds", a, b)
    if args.disagreements:
        with args.disagreements.open("w", encoding="utf-8") as fh:
            for r, x, y in zip(second, a, b, strict=True):
                if x != y:
                    rec = first[r["id"]]
                    fh.write(json.dumps({"id": r["id"], "topic": rec["topic"], "text": rec["text"],
                                         "first": x, "second": y}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

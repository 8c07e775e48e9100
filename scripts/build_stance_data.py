"""Build the stance training data from the hand-written statements.

Usage:
    python scripts/build_stance_data.py [--data seeds/stance] [--out seeds/stance]

The only way ``train.jsonl`` and ``dev.jsonl`` are made. Reads ``written.jsonl`` (every statement as written,
with its writing ``round``, the ``labeller`` that wrote and labelled it and that first label), applies the
``final`` labels of ``review.jsonl`` (the writer's and a blind second labeller's labels side by side, with the
adjudicated label where they disagreed), checks every line, removes exact and near-duplicates (word 3-gram
Jaccard >= 0.6 within a topic), gives each example its topic's ``opposite`` phrase (from ``opposites.jsonl``),
and writes ``train.jsonl`` and ``dev.jsonl``: the dev split holds whole topics that are never trained on, so
that its score measures topics the model has not seen. Prints the counts it wrote.
"""

from __future__ import annotations

import argparse
import json
import re
import zlib
from collections import Counter, defaultdict
from pathlib import Path

LABELS = ("favor", "against", "none")
KINDS = ("direct", "mixed", "indirect")
FIELDS = ("text", "topic", "topic_id", "label", "speaker", "cue", "kind", "case")
SOURCE_FIELDS = ("round", "labeller")  # in written.jsonl only: where a statement came from, not what it says
# Held-out topics, one or more per domain; never used for training the default model.
DEV_TOPICS = ("iran_nuclear_deal", "death_penalty", "rent_control", "sugar_tax", "fracking",
              "facial_recognition")


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def load_written(path: Path) -> list[dict]:
    """The written statements with their first label, checked line by line."""
    rows = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        rec = json.loads(line)
        missing = [f for f in ("id", *SOURCE_FIELDS, *FIELDS) if not rec.get(f)]
        if missing:
            raise SystemExit(f"{path} line {lineno}: missing {', '.join(missing)}")
        if rec["label"] not in LABELS:
            raise SystemExit(f"{path} line {lineno}: unknown label {rec['label']!r}; expected {', '.join(LABELS)}")
        if rec["kind"] not in KINDS:
            raise SystemExit(f"{path} line {lineno}: unknown kind {rec['kind']!r}; expected {', '.join(KINDS)}")
        if rec["id"] in seen:
            raise SystemExit(f"{path} line {lineno}: duplicate id {rec['id']!r}")
        seen.add(rec["id"])
        rows.append({k: rec[k] for k in ("id", *FIELDS)})
    return rows


def adjudicated(path: Path, first: dict[str, str]) -> dict[str, str]:
    """The final labels of the review: id -> label, for the disagreements that were settled."""
    final: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        rec = json.loads(line)
        if rec["id"] not in first:
            raise SystemExit(f"{path} line {lineno}: {rec['id']!r} is not in the written statements")
        if rec["first"] != first[rec["id"]]:
            raise SystemExit(f"{path} line {lineno}: first label {rec['first']!r} of {rec['id']} differs from the "
                             f"written one {first[rec['id']]!r}")
        if rec.get("final"):
            if rec["final"] not in LABELS:
                raise SystemExit(f"{path} line {lineno}: unknown label {rec['final']!r}; expected {', '.join(LABELS)}")
            final[rec["id"]] = rec["final"]
    return final


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--data", type=Path, default=Path("seeds/stance"),
                    help="folder with written.jsonl, review.jsonl and opposites.jsonl")
    ap.add_argument("--out", type=Path, default=Path("seeds/stance"), help="folder for train.jsonl and dev.jsonl")
    args = ap.parse_args()

    rows = load_written(args.data / "written.jsonl")
    final = adjudicated(args.data / "review.jsonl", {r["id"]: r["label"] for r in rows})
    changed = 0
    for r in rows:
        if r["id"] in final and final[r["id"]] != r["label"]:
            r["label"] = final[r["id"]]
            changed += 1

    kept: list[dict] = []
    by_topic: dict[str, list[set]] = defaultdict(list)
    dropped = 0
    for r in rows:
        sh = shingles(r["text"])
        if any(jaccard(sh, other) >= 0.6 for other in by_topic[r["topic_id"]]):
            dropped += 1
            continue
        by_topic[r["topic_id"]].append(sh)
        kept.append(r)

    # The opposite position's phrase for each topic (favor on the topic is against it), used by the trainer's
    # topic-flip augmentation; each example gets one of its topic's phrasings, chosen by a hash of its id.
    opposites_file = args.data / "opposites.jsonl"
    opposites: dict[str, list[str]] = {}
    if opposites_file.exists():
        for line in opposites_file.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            opposites[rec["topic_id"]] = rec["opposites"]
    missing = sorted({r["topic_id"] for r in kept} - set(opposites))
    if opposites and missing:
        raise SystemExit(f"{opposites_file}: no opposite phrases for {', '.join(missing)}")
    for r in kept:
        if r["topic_id"] in opposites:
            choices = opposites[r["topic_id"]]
            r["opposite"] = choices[zlib.crc32(r["id"].encode()) % len(choices)]

    train = [r for r in kept if r["topic_id"] not in DEV_TOPICS]
    dev = [r for r in kept if r["topic_id"] in DEV_TOPICS]
    for name, split in (("train", train), ("dev", dev)):
        path = args.out / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for r in split:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        labels = Counter(r["label"] for r in split)
        print(f"{path}: {len(split)} examples, {len({r['topic_id'] for r in split})} topics, "
              + ", ".join(f"{label} {labels[label]}" for label in LABELS))
    print(f"read {len(rows)}; relabelled by adjudication {changed}; near-duplicates removed {dropped}")


if __name__ == "__main__":
    main()

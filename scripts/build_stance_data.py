"""Build the stance training data from the hand-written parts.

Usage:
    python scripts/build_stance_data.py [--parts seeds/stance/parts] [--out seeds/stance]

Reads every ``parts/*.jsonl`` (one writing session each), applies the adjudicated labels of the
second-labeller reviews (``review/adjudicated*.jsonl``, one file per review round), checks every line,
removes exact and near-duplicates (word 3-gram Jaccard >= 0.6 within a topic), gives each example a stable
id and its topic's ``opposite`` phrase (from ``opposites.jsonl``), and writes ``train.jsonl`` and
``dev.jsonl``: the dev split holds whole topics that are never trained on, so that its score measures
topics the model has not seen. Prints the counts it wrote.
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
# Held-out topics, one or more per domain; never used for training the default model.
DEV_TOPICS = ("iran_nuclear_deal", "death_penalty", "rent_control", "sugar_tax", "fracking",
              "facial_recognition")


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def load_parts(parts: Path) -> list[dict]:
    rows = []
    for file in sorted(parts.glob("*.jsonl")):
        for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            rec = json.loads(line)
            missing = [f for f in FIELDS if not rec.get(f)]
            if missing:
                raise SystemExit(f"{file} line {lineno}: missing {', '.join(missing)}")
            if rec["label"] not in LABELS:
                raise SystemExit(f"{file} line {lineno}: unknown label {rec['label']!r}; expected {', '.join(LABELS)}")
            if rec["kind"] not in KINDS:
                raise SystemExit(f"{file} line {lineno}: unknown kind {rec['kind']!r}")
            rec["id"] = f"{file.stem}:{lineno}"
            rows.append({k: rec[k] for k in ("id", *FIELDS)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--parts", type=Path, default=Path("seeds/stance/parts"))
    ap.add_argument("--out", type=Path, default=Path("seeds/stance"))
    args = ap.parse_args()

    rows = load_parts(args.parts)
    changed = 0
    for adjudicated in sorted((args.out / "review").glob("adjudicated*.jsonl")):
        final = {r["id"]: r["final"] for r in map(json.loads, adjudicated.read_text(encoding="utf-8").splitlines())
                 if r.get("final")}
        for r in rows:
            if r["id"] in final and final[r["id"]] != r["label"]:
                if final[r["id"]] not in LABELS:
                    raise SystemExit(f"{adjudicated}: unknown label {final[r['id']]!r} for {r['id']}")
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
    opposites_file = args.out / "opposites.jsonl"
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

"""Build the real-text stance sets from the blind readings: the UN General Debate train and dev files and the
news dev labels.

Each pair was read twice, blind; pairs the two readers disagreed on were read a third time, blind, and take the
label two of the three readers gave. Pairs with three different labels, or a disagreement the third reader did
not see, are dropped. Each set's ``review.jsonl`` holds the readings side by side (``first``, ``second``,
``third`` where read, and ``first_discarded`` for the batch of the first reading that was read again).

    python scripts/build_real_stance_data.py [--data seeds/stance] [--out seeds/stance]

The only way these files are made. The UN pairs are ``ungdc/pairs/round-N.jsonl`` (1: the first sample; 2:
statements naming several actors; 3: statements on the Russia–Ukraine war; 4: 38 new topics; 5: 40 more,
most of them actors). Writes ``ungdc/train.jsonl`` and ``ungdc/dev.jsonl`` (speeches of
held-out countries) and ``news_dev/labels.jsonl`` (article id, offsets, topic and label only: the articles are
evaluation data; ``scripts/eval_stance_real.py`` rebuilds the statements from them). Prints Cohen's kappa.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STANCE = ROOT / "seeds" / "stance"
LABELS = ("favor", "against", "none")
# Topics whose target post-dates the corpus (China's proposal is of February 2023, the speeches end in 2022): no
# speech can take a stance on them, so their pairs are `none` by construction (343 of 345) and would only teach
# the model that the topic's words mean `none`. They are measured in the dev split, never trained on.
NOT_TRAINED = {"china_peace_plan"}
# The reporting frames of scripts/build_ungdc_sample.py (``present``), read back to name each statement's speaker:
# training pairs the statement with its own speaker as a `none` topic (``quotes train --speaker-augment``).
FRAMES = (re.compile(r",” (?P<who>.+?) said\.$", re.S),
          re.compile(r"^According to (?P<who>[^,]+(?:, [^,]+ of [^,]+)?), "),
          re.compile(r"^(?P<who>.+?),? (?:said:|told the UN General Assembly:|said that|was quoted as saying that|"
                     r"has been cited as saying:)"))
HONORIFICS = re.compile(r"^(?:(?:Mr|Mrs|Ms|Dr|H\.E|Sir|Dame|His Highness|Her Highness|His Majesty|Her Majesty|"
                        r"His Excellency|Her Excellency|Sheikh|Sheikha|Prince|Princess|King|Queen|Emir)\.? )+")


def speaker_of(text: str) -> str | None:
    """The speaker's name in a framed statement ("Mr. Heiko Maas, Federal Minister ... said: …" → "Heiko Maas");
    None for "the representative of" a country or a frame not recognised."""
    for frame in FRAMES:
        m = frame.search(text)
        if m:
            who = m.group("who").strip().rstrip(",")
            if who.lower().startswith("the representative of"):
                return None
            name = who.split(",")[0] if "," in who else who.split(" of ")[0]
            return HONORIFICS.sub("", name).strip() or None
    return None


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def readings(folder: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The first, second and third readings of a set's ``review.jsonl`` (id -> label; the third only where read)."""
    path = folder / "review.jsonl"
    first: dict[str, str] = {}
    second: dict[str, str] = {}
    third: dict[str, str] = {}
    for lineno, r in enumerate(read_jsonl(path), start=1):
        for name, column in (("first", first), ("second", second), ("third", third)):
            if name in r:
                if r[name] not in LABELS:
                    sys.exit(f"{path} line {lineno}: unknown {name} label {r[name]!r}; expected {', '.join(LABELS)}")
                column[r["id"]] = r[name]
        if r["id"] not in first or r["id"] not in second:
            sys.exit(f"{path} line {lineno}: {r['id']} lacks a first or second reading")
    return first, second, third


def cohen_kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[label] * cb[label] for label in LABELS) / (n * n)
    return (observed - expected) / (1 - expected)


def adjudicate(folder: Path, only: set[str] | None = None) -> tuple[dict[str, str], dict[str, object]]:
    """Final labels of a folder's pairs (or of the pairs in ``only``), and the agreement figures."""
    first, second, third = readings(folder)
    ids = sorted(first if only is None else set(first) & only)
    final: dict[str, str] = {}
    dropped = 0
    for i in ids:
        votes = Counter([first[i], second[i]] + ([third[i]] if i in third and first[i] != second[i] else []))
        label, count = votes.most_common(1)[0]
        if count >= 2:
            final[i] = label
        else:
            dropped += 1
    stats = {
        "pairs": len(ids),
        "agreement": round(sum(first[i] == second[i] for i in ids) / len(ids), 3),
        "kappa": round(cohen_kappa([first[i] for i in ids], [second[i] for i in ids]), 3),
        "disagreements": sum(first[i] != second[i] for i in ids),
        "kept": len(final),
        "dropped": dropped,
        "labels": dict(Counter(final.values())),
    }
    return final, stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=STANCE, help="folder with ungdc/ and news_dev/ (pairs, review)")
    ap.add_argument("--out", type=Path, default=STANCE, help="folder to write ungdc/ and news_dev/ outputs under")
    args = ap.parse_args()
    ungdc, news = args.data / "ungdc", args.data / "news_dev"
    (args.out / "ungdc").mkdir(parents=True, exist_ok=True)
    (args.out / "news_dev").mkdir(parents=True, exist_ok=True)
    labels, stats = adjudicate(ungdc)
    print(f"ungdc: {stats}", file=sys.stderr)
    out: dict[str, list[dict]] = {"train": [], "dev": []}
    pairs = [p for f in sorted((ungdc / "pairs").glob("round-*.jsonl"), key=lambda f: int(f.stem.split("-")[1]))
             for p in read_jsonl(f)]
    read = set(readings(ungdc)[0])
    for n in sorted({p["round"] for p in pairs if p["id"] in read}):
        print(f"  round {n}: {adjudicate(ungdc, {p['id'] for p in pairs if p['round'] == n})[1]}", file=sys.stderr)
    for p in pairs:
        if p["id"] in labels and not (p["split"] == "train" and p["topic_id"] in NOT_TRAINED):
            out[p["split"]].append({
                "id": p["id"], "text": p["text"], "previous_sentence": p["context"], "topic": p["topic"],
                "topic_id": p["topic_id"], "label": labels[p["id"]], "speaker": speaker_of(p["text"]), "speech": p["speech"],
                "sentence_index": p["sentence_index"], "country": p["country"], "target": p["target"],
                "round": p["round"],
            })
    for split, rows in out.items():
        with (args.out / "ungdc" / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in sorted(rows, key=lambda r: r["id"]))
        print(f"  {split}: {len(rows)} pairs, {len({r['country'] for r in rows})} countries, "
              f"{dict(Counter(r['label'] for r in rows))}", file=sys.stderr)
    labels, stats = adjudicate(news)
    print(f"news dev: {stats}", file=sys.stderr)
    with (args.out / "news_dev" / "labels.jsonl").open("w", encoding="utf-8") as f:
        for i, label in sorted(labels.items()):
            article, offsets, topic_id = i.rsplit(":", 2)
            start, end = (int(x) for x in offsets.split("-"))
            f.write(json.dumps({"id": i, "article": article, "start": start, "end": end, "topic_id": topic_id,
                                "label": label}) + "\n")


if __name__ == "__main__":
    main()

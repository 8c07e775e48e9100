"""Measure whether speakers add up: one person or organisation, one name, across a store.

Usage:
    python scripts/eval_speakers.py --store STORE.db [--gold tests/data/polnear_speakers_gold.jsonl] [--top 20]

The gold file (one JSON object a line: ``article``, ``start``, ``end``, ``entity``) says, for quotes the tool
finds in ../shared/data/polnear-dev.jsonl, which of the most-quoted people and organisations said them (written
by hand; see docs/speakers.md). Build the store as a user would, extracting the articles twice so the second
run carries the store's names::

    quotes extract polnear-dev.jsonl --no-stance --store dev.db -o /dev/null   # twice

It prints, for the ``--top`` entities with most gold quotes: the store names their quotes are under, purity
(share of the entity's gold quotes under its most used name; a quote with no speaker or an unresolved one
counts against it), names per entity (the distinct store names of their quotes: a quote under no speaker is
under no name, as a report shows it nowhere, so it is not one), whether the most used name is the plain full
name (the gold entity name), and precision (of the store's quotes under the entity's own name, the share the gold set gives the
entity; its own name is its most used name that no larger entity uses most). Then
the totals the targets of issue 13 name, and any speaker name in the store that carries a headline word,
a dateline or a possessive.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from quotes.store import Store

DEFAULT_GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "polnear_speakers_gold.jsonl"
BAD_NAME = re.compile(r"['’]s\b|s['’](?:\s|$)|\b(Says|Said|Tells|Drops|Remarks|Calls|Slams|Claims|Warns|Urges|Blasts)\b|"
                      r"\(AP\)|\(AFP\)|\(Reuters\)|\d{1,2}:\d{2}|^[A-Z]{3,}\b\s*[-–—]")


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return inter / shorter if inter > 0 and shorter > 0 else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--top", type=int, default=20)
    args = ap.parse_args()
    if not args.store.is_file():
        print(f"no store {args.store}", file=sys.stderr)
        return 1
    gold = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    with Store(args.store, create=False) as store:
        spans = store.quote_spans()
        speaker_names = [name for name, _ in store.speaker_names().values()]
    quotes: dict[str, list[tuple[int, int, str | None]]] = defaultdict(list)
    for art, start, end, name in spans:
        quotes[art].append((start, end, name))
    # gold entity of each store quote (None: not one of the gold entities)
    entity_of: dict[tuple[str, int], str] = {}
    names: dict[str, Counter[str | None]] = defaultdict(Counter)
    for g in gold:
        # the quote that overlaps most; among equals (a quote nested in another), the one whose ends are closest
        best = max(((overlap((s, e), (g["start"], g["end"])), -abs(s - g["start"]) - abs(e - g["end"]), k)
                    for k, (s, e, _) in enumerate(quotes[g["article"]])), default=(0.0, 0, -1))
        if best[0] >= 0.5:
            entity_of[(g["article"], best[2])] = g["entity"]
            names[g["entity"]][quotes[g["article"]][best[2]][2]] += 1
        else:
            names[g["entity"]]["(quote not found)"] += 1
    under: dict[str | None, Counter[str | None]] = defaultdict(Counter)
    for art, qs in quotes.items():
        for k, (_, _, name) in enumerate(qs):
            under[name][entity_of.get((art, k))] += 1
    ranked = sorted(names, key=lambda e: (-sum(names[e].values()), e))[:args.top]
    claimed: set[str | None] = set()   # a store name is the name of the larger entity that uses it most
    print(f"{'entity':24} {'n':>4} {'purity':>6} {'names':>5} {'plain':>5} {'prec':>5}  names (quotes)")
    tot = top_total = prec_num = prec_den = n_names = plain = unnamed = 0
    for ent in ranked:
        c = names[ent]
        n = sum(c.values())
        named = Counter({k: v for k, v in c.items() if k is not None and k != "(quote not found)"})
        top, top_n = named.most_common(1)[0] if named else (None, 0)
        own = next((k for k, _ in named.most_common() if k not in claimed), None)
        claimed.add(own)
        theirs = under[own][ent] if own else 0
        given = sum(under[own].values()) if own else 0
        tot += n
        top_total += top_n
        prec_num += theirs
        prec_den += given
        n_names += len(named)
        unnamed += c[None]
        plain += top == ent
        listing = ", ".join(f"{k}: {v}" for k, v in c.most_common(6))
        print(f"{ent[:24]:24} {n:4d} {top_n / n:6.2f} {len(named):5d} {'yes' if top == ent else 'NO':>5} "
              f"{theirs / given if given else 0:5.2f}  {listing}")
    print(f"\ntop {len(ranked)} entities: purity {top_total / tot:.3f} ({top_total}/{tot}), "
          f"names per entity {n_names / len(ranked):.2f}, plain full name {plain}/{len(ranked)}, "
          f"precision {prec_num / max(prec_den, 1):.3f} ({prec_num}/{prec_den}); "
          f"{unnamed} of their quotes under no speaker (against purity, not a name)")
    bad = [name for name in speaker_names if BAD_NAME.search(name)]
    print(f"speaker names with a headline word, dateline or possessive: {len(bad)}"
          + (f" ({'; '.join(sorted(bad)[:15])})" if bad else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

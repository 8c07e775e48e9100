"""Pair the quotes `quotes extract` finds in PolNeAR's dev articles with topics those articles argue about.

The articles are evaluation data: this script writes the pairs (with their text, for labelling) to a file
outside the repository; what the project keeps is ``seeds/stance/news_dev/labels.jsonl`` — article id, quote
offsets, topic and label only — and ``scripts/eval_stance_real.py`` rebuilds the text from the articles.

    python scripts/build_news_dev.py ../shared/data/polnear-dev.jsonl /tmp/news_dev_pairs.jsonl

A quote is paired with a topic its statement names (most pairs) or one its article names but the statement
does not (so that ``none`` occurs as a reader meets it).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

from quotes.io.readers import read_paths
from quotes.pipeline import Pipeline, statement_text

# (id, phrase, pattern) — people, parties and issues of 2016 US election coverage
NEWS_TOPICS: list[tuple[str, str, str]] = [
    ("trump", "Donald Trump", r"\bTrump\b"),
    ("clinton", "Hillary Clinton", r"\bClinton\b|Hillary"),
    ("obama", "Barack Obama", r"\bObama\b"),
    ("sanders", "Bernie Sanders", r"\bSanders\b|Bernie"),
    ("pence", "Mike Pence", r"\bPence\b"),
    ("gop", "the Republican Party", r"Republican|\bGOP\b"),
    ("democrats", "the Democratic Party", r"Democrat"),
    ("media", "the news media", r"\bmedia\b|press|reporters|journalist|newspaper"),
    ("obamacare", "the Affordable Care Act (Obamacare)", r"Obamacare|Affordable Care Act|health care law"),
    ("border_wall", "building a wall on the border with Mexico", r"\bwall\b|border"),
    ("immigration_limits", "stricter limits on immigration", r"immigra|deport|refugee"),
    ("muslim_ban", "banning Muslims from entering the US", r"Muslim|Islam"),
    ("trade_deals", "free trade agreements such as NAFTA and the TPP", r"\btrade\b|NAFTA|TPP|Trans-Pacific"),
    ("clinton_email_probe", "the FBI investigation of Clinton's emails", r"e-?mails?\b|\bFBI\b|Comey|server"),
    ("gun_control", "stricter gun control", r"\bguns?\b|firearm|Second Amendment|NRA"),
    ("putin", "Vladimir Putin", r"Putin|Russia|Kremlin"),
    ("clinton_foundation", "the Clinton Foundation", r"Clinton Foundation|foundation"),
    ("voter_fraud_claims", "claims that the election is rigged", r"rigged|voter fraud|fraud"),
]


def previous_sentence(text: str, start: int) -> str:
    before = text[max(0, start - 600):start].rstrip()
    parts = re.split(r"(?<=[.!?”\"])\s+", before)
    return parts[-1] if parts and len(parts) > 1 else (before if start < 600 else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("polnear", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--per-quote", type=int, default=2)
    ap.add_argument("--article-share", type=float, default=0.3,
                    help="share of pairs whose topic the article names but the statement does not")
    ap.add_argument("--n", type=int, default=480)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    articles = [a for _, r in read_paths([args.polnear]) for a in r.articles]
    named, context_only = [], []
    for article, quotes in Pipeline().run(articles):
        full = f"{article.title or ''}\n{article.text}"
        for q in quotes:
            st = q.statement or q.content
            stmt = statement_text(q)
            in_stmt = [t for t in NEWS_TOPICS if re.search(t[2], stmt)]
            in_art = [t for t in NEWS_TOPICS if t not in in_stmt and len(re.findall(t[2], full)) >= 3]
            base = {"article": article.id, "start": st.start, "end": st.end, "text": stmt,
                    "context": previous_sentence(article.text, st.start), "title": article.title or ""}
            rng.shuffle(in_stmt)
            for t in in_stmt[: args.per_quote]:
                named.append({**base, "topic_id": t[0], "topic": t[1], "sampled_as": "named"})
            if in_art:
                t = rng.choice(in_art)
                context_only.append({**base, "topic_id": t[0], "topic": t[1], "sampled_as": "article"})
    rng.shuffle(named)
    rng.shuffle(context_only)
    n_ctx = round(args.n * args.article_share)
    pairs = named[: args.n - n_ctx] + context_only[:n_ctx]
    rng.shuffle(pairs)
    with args.out.open("w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps({"id": f"{p['article']}:{p['start']}-{p['end']}:{p['topic_id']}", **p},
                               ensure_ascii=False) + "\n")
    print(f"{len(pairs)} pairs from {len({p['article'] for p in pairs})} articles "
          f"({len(named)} named, {len(context_only)} article-only candidates)", file=sys.stderr)


if __name__ == "__main__":
    main()

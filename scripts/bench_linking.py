"""What does cross-article speaker linking add to extraction time on a large store?

    python scripts/bench_linking.py ARTICLES.jsonl [--articles 10000] [--batch-size 8] [--limit 84]

Extracts the articles of ARTICLES.jsonl once (no stance; e.g. ../shared/data/polnear-dev.jsonl) and times it
per article. Then writes ``--articles`` distinct articles into a fresh store, batch by batch as ``quotes
extract`` does, by repeating those articles under new ids; in each repetition half the person names get a
new surname, so the store's distinct names grow with it as in a real corpus. It times the writes twice: with
the linking ``write_batch`` and ``finish_run`` do and with linking switched off. It prints the linking time as a share of
the extraction time of the same number of articles (extraction per article × articles). Target (issue 13):
≤ 10 % at 10,000 articles.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quotes.pipeline import Pipeline  # noqa: E402
from quotes.store import Store  # noqa: E402
from quotes.types import Article, Quote  # noqa: E402


def variant(quotes: list[Quote], article_id: str, rep: int) -> list[Quote]:
    out = []
    for q in quotes:
        sp = q.speaker
        if sp is not None and sp.kind == "person" and rep and zlib.crc32(sp.name.encode()) % 2:
            sp = dataclasses.replace(sp, name=f"{sp.name.split()[0]} Rep{rep}son")
        out.append(dataclasses.replace(q, article=article_id, speaker=sp))
    return out


def write_store(path: Path, base: list[tuple[Article, list[Quote]]], n: int, batch_size: int,
                link: bool) -> float:
    original = Store._relink
    if not link:
        Store._relink = lambda self, conn, aliases: False  # type: ignore[method-assign]
    try:
        with Store(path) as store:
            run = store.begin_run(None, [])
            started = time.perf_counter()
            batch = []
            for i in range(n):
                article, quotes = base[i % len(base)]
                rep = i // len(base)
                aid = f"{article.id}~{rep}"
                batch.append((dataclasses.replace(article, id=aid), f"h{i}", "k", variant(quotes, aid, rep)))
                if len(batch) == batch_size or i == n - 1:
                    store.write_batch(run, batch)
                    batch = []
            store.finish_run(run, {"articles": n})   # the last, full linking
            return time.perf_counter() - started
    finally:
        Store._relink = original  # type: ignore[method-assign]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("articles", type=Path)
    ap.add_argument("--articles", dest="n", type=int, default=10_000)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--limit", type=int, default=84)
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.articles.read_text(encoding="utf-8").splitlines()[:args.limit]]
    articles = [Article(str(r.get("id", k)), r["text"]) for k, r in enumerate(rows)]
    pipeline = Pipeline()
    pipeline.extract_batch(articles[:2])  # warm up
    started = time.perf_counter()
    base = pipeline.extract_batch(articles)
    per_article = (time.perf_counter() - started) / len(articles)
    n_quotes = sum(len(q) for _, q in base)
    print(f"extraction: {per_article * 1000:.0f} ms per article ({len(articles)} articles, {n_quotes} quotes)")
    with tempfile.TemporaryDirectory() as tmp:
        plain = write_store(Path(tmp) / "plain.db", base, args.n, args.batch_size, link=False)
        linked = write_store(Path(tmp) / "linked.db", base, args.n, args.batch_size, link=True)
        with Store(Path(tmp) / "linked.db") as store:
            names = store.count_raw_names()
            speakers = len(store.speaker_names())
    extraction = per_article * args.n
    print(f"store of {args.n} articles ({names} raw names, {speakers} speakers): writes {plain:.1f} s without "
          f"linking, {linked:.1f} s with it")
    print(f"linking adds {linked - plain:.1f} s = {(linked - plain) / extraction:.1%} of the extraction time of "
          f"{args.n} articles ({extraction:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

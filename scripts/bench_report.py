"""Benchmark `quotes report` on a store of 100,000 synthetic quotes.

Measures: building the store through ``Store.write_batch`` (5,000 articles x 20 quotes, 300 speakers,
3 topics, batches of 250 articles), then the time of a full report: aggregate (SQL GROUP BY + top
quotes per label) and render it as the terminal table and as JSON; also HTML for reference.
Target: aggregate + table + JSON under 2 seconds.

Run:  python scripts/bench_report.py [--articles 5000] [--quotes-per-article 20] [--keep store.db]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from quotes.report.aggregate import ReportFilter, build_report
from quotes.report.render import render_html, render_json, render_table
from quotes.store import Store
from quotes.types import Article, Quote, Span, Speaker, Stance

TOPICS = ("climate policy", "trade tariffs", "immigration")
FIRST = ["Anna", "Ben", "Chen", "Dara", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jon", "Kai", "Lena",
         "Milo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara"]
LAST = ["Adams", "Brandt", "Costa", "Diallo", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
        "Kowalski", "Lopez", "Moreau", "Novak", "Okafor"]


def synthetic_batches(articles: int, per_article: int, speakers: int, batch: int, seed: int = 7
                      ) -> list[list[tuple[Article, str, str, list[Quote]]]]:
    """Deterministic synthetic articles and quotes."""
    rng = random.Random(seed)
    names = [f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}" for i in range(speakers)]
    sentence = "Officials met on Monday to discuss the plan. "
    out: list[list[tuple[Article, str, str, list[Quote]]]] = []
    current: list[tuple[Article, str, str, list[Quote]]] = []
    for a in range(articles):
        aid = f"art{a:06d}"
        parts: list[str] = []
        quotes: list[Quote] = []
        pos = 0
        for i in range(per_article):
            name = rng.choice(names)
            content = f"We will {rng.choice(['support', 'oppose', 'study'])} the measure number {i}"
            para = f'{sentence}"{content}," said {name}.\n\n'
            start = pos + len(sentence) + 1
            mstart = start + len(content) + 8
            stance = {t: Stance(rng.choice(("favor", "against", "none")), rng.random()) for t in TOPICS}
            quotes.append(Quote(aid, i, "direct", Span(start, start + len(content), content),
                                Span(start + len(content) + 3, start + len(content) + 7, "said"),
                                Speaker(name, name, mstart, mstart + len(name), "person"),
                                rng.random(), None, stance))
            parts.append(para)
            pos += len(para)
        day = 1 + a % 28
        article = Article(aid, "".join(parts), f"{aid}.txt", f"2024-{1 + a % 12:02d}-{day:02d}", f"Article {a}")
        current.append((article, f"hash{a}", "model+topics", quotes))
        if len(current) == batch:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--quotes-per-article", type=int, default=20)
    parser.add_argument("--speakers", type=int, default=300)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--keep", type=Path, help="Keep the store at this path.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        batches = synthetic_batches(args.articles, args.quotes_per_article, args.speakers, args.batch)
        t0 = time.perf_counter()
        with Store(path) as store:
            run = store.begin_run("bench-model", list(TOPICS))
            for batch in batches:
                store.write_batch(run, batch)
            store.finish_run(run, {"articles": args.articles})
            build = time.perf_counter() - t0
            n = store.count_quotes()
            print(f"store: {n:,} quotes, {len(store.speakers()):,} speakers; built in {build:.2f}s")

        with Store(path) as store:
            t0 = time.perf_counter()
            report = build_report(store, ReportFilter())
            t_agg = time.perf_counter() - t0
            table = render_table(report)
            t_table = time.perf_counter() - t0 - t_agg
            data = render_json(report)
            t_json = time.perf_counter() - t0 - t_agg - t_table
            total = time.perf_counter() - t0
            print(f"report: {len(report.rows):,} rows; aggregate {t_agg:.3f}s, table {t_table:.3f}s "
                  f"({len(table):,} chars), json {t_json:.3f}s ({len(data):,} chars)")
            print(f"full report (aggregate + table + json): {total:.3f}s  "
                  f"[target < 2s: {'OK' if total < 2 else 'SLOW'}]")
            t0 = time.perf_counter()
            page = render_html(build_report(store, ReportFilter(), timeline=True, details=True))
            print(f"html (aggregate with timeline + drill-down, render): {time.perf_counter() - t0:.3f}s "
                  f"({len(page) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

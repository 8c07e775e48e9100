"""Where a long run's memory goes: the extraction driver in one process, with tracemalloc and the C heap watched.

Usage:
    python scripts/trace_memory.py CORPUS... [--store PATH] [--every 500] [--trace lineno|traceback|off]
                                   [--trim] [--reload-after N] [--out FILE]

Runs what ``quotes extract --workers 1 --no-stance [--no-store]`` runs (:class:`quotes.driver.Extraction`, its
output written as JSONL by the CLI's writer) over CORPUS, and every ``--every`` processed articles prints:

- the process's resident memory (RSS) and what tracemalloc traces (every allocation made through Python's
  allocators, spaCy's and numpy's included: cymem and numpy allocate through them);
- glibc's own count (``mallinfo2``): bytes in use in malloc's heap and bytes free in it but not given back to
  the system (fragmentation); RSS growth with neither traced growth nor in-use growth is native;
- with ``--trace``, the lines (or tracebacks) whose live memory grew most since the previous mark and since the
  first mark after the first 1,000 articles.

Besides the RSS at each mark, a thread samples it every ``--sample`` seconds and prints the peak since the
previous mark (mid-batch included, as ``scripts/bench_scale.py`` sees it). ``--trim`` calls glibc's
``malloc_trim(0)`` after every ``--trim-after`` articles (to tell memory malloc keeps from memory in use); run with
``MALLOC_ARENA_MAX=2`` in the environment to try fewer arenas. ``--reload-after`` overrides how often the spaCy
pipeline is loaded afresh (``quotes.pipeline.RELOAD_AFTER``; 0: never). Linux with glibc only. Findings and figures:
docs/benchmarks.md (2026-12-05, "where a long run's memory went").
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

_LIBC = ctypes.CDLL("libc.so.6")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                     "fsmblks", "uordblks", "fordblks", "keepcost")]


_LIBC.mallinfo2.restype = _MallInfo2


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def heap_mib() -> tuple[float, float, float]:
    """glibc's heap: (in use, free but kept, mmapped chunks) in MiB."""
    info = _LIBC.mallinfo2()
    return info.uordblks / 2**20, info.fordblks / 2**20, info.hblkhd / 2**20


def pymalloc_mib() -> tuple[float, float]:
    """Python's small-object allocator: (arenas held, bytes in blocks in use) in MiB."""
    with tempfile.TemporaryFile("w+") as tmp:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        stats = {line.split("=")[0].strip("# ").strip(): int(line.split("=")[1].replace(",", ""))
                 for line in tmp if line.startswith("# ") and "=" in line}
    if "arenas allocated current" not in stats:   # not reported while tracemalloc wraps the allocators
        return float("nan"), float("nan")
    return stats["arenas allocated current"] * 2**20 / 2**20, stats["bytes in allocated blocks"] / 2**20


def mappings_mib() -> tuple[float, float]:
    """Resident memory of the brk heap and of anonymous mappings, in MiB."""
    heap = anon = 0
    name = None
    with open("/proc/self/smaps") as fh:
        for line in fh:
            first = line.split()
            if "-" in first[0] and not first[0].endswith(":"):
                name = first[5] if len(first) > 5 else ""
            elif first[0] == "Rss:":
                if name == "[heap]":
                    heap += int(first[1])
                elif name == "":
                    anon += int(first[1])
    return heap / 1024, anon / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--store", type=Path, help="write this store, as the CLI does (default: no store)")
    ap.add_argument("--every", type=int, default=500, help="processed articles between marks")
    ap.add_argument("--trace", choices=("lineno", "traceback", "off"), default="lineno")
    ap.add_argument("--frames", type=int, default=12, help="frames kept per allocation with --trace traceback")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--sample", type=float, default=0.05, help="seconds between two samples of the RSS")
    ap.add_argument("--trim", action="store_true", help="call malloc_trim(0) as the batches are done")
    ap.add_argument("--trim-after", type=int, default=1, help="with --trim: processed articles between two calls")
    ap.add_argument("--reload-after", type=int, help="override quotes.pipeline.RELOAD_AFTER (0: never)")
    ap.add_argument("--out", type=Path, help="the JSONL output (default: a temporary file)")
    args = ap.parse_args()

    import quotes.pipeline
    from quotes.driver import Extraction, RunReport
    from quotes.io.writers import QuoteWriter
    from quotes.pipeline import release_free_memory
    from quotes.store import Store

    if args.reload_after is not None:
        quotes.pipeline.RELOAD_AFTER = args.reload_after or 10**12
        quotes.pipeline.Pipeline.__init__.__defaults__ = tuple(
            quotes.pipeline.RELOAD_AFTER if d == 2_000 else d for d in quotes.pipeline.Pipeline.__init__.__defaults__)
    if args.trace != "off":
        tracemalloc.start(args.frames if args.trace == "traceback" else 1)
    group = "traceback" if args.trace == "traceback" else "lineno"
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
              tracemalloc.Filter(False, "<unknown>")]
    state: dict = {"next": args.every, "prev": None, "base": None, "t0": time.perf_counter(), "trim": 0.0,
                   "trimmed": 0, "types": None, "peak": 0.0}

    def sample() -> None:   # the peak between marks, as an outside sampler sees it (mid-batch included)
        while True:
            state["peak"] = max(state["peak"], rss_mib())
            time.sleep(args.sample)

    threading.Thread(target=sample, daemon=True).start()

    def mark(report: RunReport) -> None:
        if args.trim and report.processed >= state["trimmed"] + args.trim_after:
            t = time.perf_counter()
            release_free_memory()
            state["trim"] += time.perf_counter() - t
            state["trimmed"] = report.processed
        if report.processed < state["next"]:
            return
        state["next"] += args.every
        in_use, free, mmapped = heap_mib()
        traced = tracemalloc.get_traced_memory()[0] / 2**20 if args.trace != "off" else 0.0
        arenas, blocks = pymalloc_mib()
        heap, anon = mappings_mib()
        peak, state["peak"] = max(state["peak"], rss_mib()), 0.0
        print(f"[{report.processed:6d} articles, {time.perf_counter() - state['t0']:6.0f} s] RSS {rss_mib():6.1f} MiB"
              f" (peak since the last mark {peak:6.1f})"
              f" (brk heap {heap:6.1f}, anonymous {anon:6.1f})  traced {traced:6.1f}  malloc in use {in_use:6.1f}"
              f" free {free:6.1f} mmapped {mmapped:5.1f}  pymalloc arenas {arenas:6.1f} in use {blocks:6.1f}"
              f"  gc objects {len(gc.get_objects())}" + (f"  in malloc_trim {state['trim']:.2f} s" if args.trim else ""),
              flush=True)
        types = Counter(type(o).__qualname__ for o in gc.get_objects())
        if state["types"] is not None:
            grew = sorted(((n - state["types"].get(t, 0), t) for t, n in types.items()), reverse=True)[:args.top]
            print("  objects the cycle collector tracks, most grown since the previous mark: "
                  + ", ".join(f"{t} {d:+d}" for d, t in grew if d > 0))
        state["types"] = types
        if args.trace == "off":
            return
        snap = tracemalloc.take_snapshot().filter_traces(ignore)
        for name, before in (("previous mark", state["prev"]), ("first mark after 1,000", state["base"])):
            if before is None:
                continue
            print(f"  grew most since the {name}:")
            for stat in snap.compare_to(before, group)[:args.top]:
                where = "\n      ".join(stat.traceback.format()[-args.frames:]) if group == "traceback" \
                    else str(stat.traceback[0])
                print(f"    {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  "
                      f"(now {stat.size / 1024:8.1f} KiB)  {where}")
        state["prev"] = snap
        if state["base"] is None and report.processed >= 1000:
            state["base"] = snap

    out = args.out or Path(tempfile.mkdtemp()) / "out.jsonl"
    store = Store(args.store) if args.store is not None else None
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = QuoteWriter(fh, "jsonl", [])
        run = Extraction(None, store=store, workers=1)
        report = run.run(args.paths, lambda article, qs: writer.write(q.to_dict() for q in qs), on_batch=mark)
        writer.close()
    if store is not None:
        store.close()
    print(f"done: {report.processed} processed, {report.quotes} quotes, {len(report.speakers)} speakers, "
          f"{report.seconds:.0f} s, CPU {time.process_time():.0f} s; output {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

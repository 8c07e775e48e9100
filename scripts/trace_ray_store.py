"""How much of Ray's shared object store an actor's RSS counts, and whether it stops growing at the store's size.

Usage:
    python scripts/trace_ray_store.py [--store-mib 100] [--files 200] [--sleep 0.12]

A local Ray instance (2 CPUs, an object store of --store-mib MiB) streams --files × 200 rows of about 5 KB of
text through two actors, the way `quotes extract --engine ray` streams articles (from_items → flat_map →
map_batches of 32 rows with actors, results read back in order), each actor doing nothing but copy its rows
(--sleep seconds a batch stands in for the parse). Every second it reads each actor's /proc status and prints,
per fifth of the run, the largest RssAnon (the actor's own memory) and RssShmem (the pages of the shared object
store it has touched). The own memory stays flat while the shared pages climb until they reach the store's size:
the climb of a `quotes` actor's RSS over a long run is Ray's store, bounded by its size
(quotes.ray_engine.LOCAL_OBJECT_STORE_BYTES for a local instance), not a leak in the actor. Needs `quotes[ray]`.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import proc_status  # noqa: E402


class CopyRows:
    """An actor that copies its rows and sleeps ``pause`` seconds a batch."""

    def __init__(self, pause: float) -> None:
        self.pause = pause

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        time.sleep(self.pause)
        rows = batch.to_pylist()
        for row in rows:
            row["out"] = row["text"][:1500]
        return pa.Table.from_pylist(rows)


def expand(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One input item → 200 rows of distinct text (about 5 KB each)."""
    return [{"order": row["order"], "sub": i, "text": f"{row['order']}-{i} " * 600} for i in range(200)]


def actor_memory(pid: int) -> dict[str, int]:
    """RssAnon and RssShmem of a process, in MiB."""
    status = proc_status(pid)
    return {key: status[key] // 2**20 for key in ("RssAnon", "RssShmem") if key in status}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store-mib", type=int, default=100, help="object store size (Ray's minimum is about 75)")
    ap.add_argument("--files", type=int, default=200, help="input items, 200 rows each")
    ap.add_argument("--sleep", type=float, default=0.12, help="seconds an actor sleeps a batch")
    args = ap.parse_args()
    import ray

    ray.init(address="local", num_cpus=2, object_store_memory=args.store_mib * 2**20, include_dashboard=False,
             log_to_driver=False)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars, ctx.execution_options.preserve_order = False, True
    samples: list[tuple[int, dict[str, int]]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for p in psutil.process_iter(["cmdline"]):
                with contextlib.suppress(psutil.Error, OSError):
                    if "MapWorker" in " ".join(p.info["cmdline"] or []):
                        samples.append((p.pid, actor_memory(p.pid)))
            time.sleep(1)

    threading.Thread(target=sample, daemon=True).start()
    ds = ray.data.from_items([{"order": i} for i in range(args.files)], override_num_blocks=16)
    ds = ds.flat_map(expand, num_cpus=0).map_batches(
        CopyRows, fn_constructor_kwargs={"pause": args.sleep}, batch_format="pyarrow", batch_size=32,
        concurrency=2, num_cpus=1)
    start, rows = time.perf_counter(), 0
    for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        rows += table.num_rows
    done.set()
    print(f"{rows} rows in {time.perf_counter() - start:.0f} s; object store {args.store_mib} MiB")
    for pid in sorted({pid for pid, _ in samples}):
        mine = [m for p, m in samples if p == pid]
        fifths = [mine[len(mine) * k // 5:max(len(mine) * (k + 1) // 5, len(mine) * k // 5 + 1)] for k in range(5)]
        for key, what in (("RssAnon", "own memory"), ("RssShmem", "shared store pages")):
            print(f"actor {pid}: largest {what} in each fifth of the run (MiB): "
                  + " ".join(str(max(m.get(key, 0) for m in part)) for part in fifths))
    ray.shutdown()


if __name__ == "__main__":
    main()

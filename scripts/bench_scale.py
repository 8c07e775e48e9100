"""Scale benchmark: whole-process `quotes extract` throughput and memory on a large corpus, per configuration.

Usage:
    python scripts/bench_scale.py UNGDC_DIR [--articles 10000] [--configs w1,w2,ray] [--stance] [--store]
    python scripts/bench_scale.py --input FILE_OR_FOLDER [--configs w1,w2] [--stance]

With UNGDC_DIR (e.g. ../shared/data/ungdc) it builds a corpus of --articles distinct articles: the speeches of
sessions 70-77 split into runs of paragraphs of about --words words each, every part a JSONL record with its own
id and title ("<speech id> part <k>"), written to --corpus (default: a temporary folder) as shards of 200
articles. With --input it times that input instead (e.g. ../shared/data/polnear-dev.jsonl).

Each configuration runs `python -m quotes extract CORPUS --no-store -o OUT.jsonl` in a fresh process (spaCy and
the stance model are loaded inside the timed run): w1 = --workers 1, w2 = --workers 2, ray = --engine ray (a local
Ray instance with 2 CPUs). While it runs, the resident memory of the process and of every process under it is
sampled every --every seconds; the script prints articles/s, the peak memory of the largest single process and
of the whole tree, and the largest process's memory at each tenth of the run and its peak within each tenth (flat =
no growth per article; a sample can fall between two batches or inside one, the peak of a tenth is steadier). The
peaks are printed for the whole RSS, for the process's own memory and for the shared memory pages in its RSS: a
Ray actor's RSS counts the pages of the shared object store it has touched, which are bounded by the store's size
(quotes.ray_engine.LOCAL_OBJECT_STORE_BYTES for a local instance), shared by every process and not the actor's own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import psutil

CONFIGS = {"w1": ["--workers", "1"], "w2": ["--workers", "2"], "ray": ["--engine", "ray", "--workers", "2"]}


def build_corpus(ungdc: Path, out: Path, articles: int, words: int, shard: int = 200) -> int:
    """Split speeches into article-sized parts until there are ``articles``; return how many were written."""
    out.mkdir(parents=True, exist_ok=True)
    n, fh = 0, None
    for file in sorted(ungdc.glob("session-*.jsonl")):
        session = int(file.stem.split("-")[1])
        if session >= 78:   # never used (see ../shared/data/README.md)
            continue
        for line in file.open(encoding="utf-8"):
            speech = json.loads(line)
            part: list[str] = []
            count = k = 0
            paragraphs = [p for p in speech["text"].split("\n") if p.strip()]
            for i, paragraph in enumerate(paragraphs):
                part.append(paragraph)
                count += len(paragraph.split())
                if count >= words or i == len(paragraphs) - 1:
                    if n % shard == 0:
                        if fh is not None:
                            fh.close()
                        fh = (out / f"part-{n // shard:04d}.jsonl").open("w", encoding="utf-8")
                    k += 1
                    record = {"id": f"{speech['id']}-{k}", "title": f"{speech['id']} part {k}",
                              "date": f"{speech['year']}-09-20", "text": "\n\n".join(part)}
                    assert fh is not None
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                    n += 1
                    part, count = [], 0
                    if n >= articles:
                        fh.close()
                        return n
    if fh is not None:
        fh.close()
    return n


def proc_status(pid: int) -> dict[str, int]:
    """The memory lines of a process's /proc status (``VmRSS``, ``RssAnon``, ``RssFile``, ``RssShmem`` …) in
    bytes; empty where /proc does not say."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if value.strip().endswith(" kB"):
                out[name] = int(value.split()[0]) * 1024
    return out


def shared_rss(pid: int) -> int:
    """The bytes of shared memory (``RssShmem``: a Ray object store's pages, for an actor) counted in a process's
    RSS; 0 where /proc does not say."""
    return proc_status(pid).get("RssShmem", 0)


def tree_rss(proc: psutil.Process) -> tuple[int, int, str, int]:
    """(largest single process, whole tree) resident memory in bytes, the largest process's name (a Ray
    actor's is ``ray::`` and its class; Ray's own servers have theirs) and the shared memory in its RSS."""
    sizes: list[tuple[int, str, int]] = []
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            sizes.append((p.memory_info().rss, p.name(), p.pid))
    if not sizes:
        return 0, 0, "", 0
    largest = max(sizes)
    return largest[0], sum(size for size, _, _ in sizes), largest[1], shared_rss(largest[2])


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended children and of the descendants they waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(config: str, corpus: Path, out: Path, stance: bool, store: bool, every: float) -> dict:
    cmd = [sys.executable, "-m", "quotes", "extract", str(corpus), *CONFIGS[config], "-o", str(out)]
    cmd += ["--store", str(out.with_suffix(".db"))] if store else ["--no-store"]
    if not stance:
        cmd.append("--no-stance")
    start = time.perf_counter()
    cpu_before = _children_cpu()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    samples: list[tuple[float, int, int, str, int]] = []
    while proc.poll() is None:
        try:
            largest, total, name, shared = tree_rss(ps)
        except psutil.Error:
            break
        samples.append((time.perf_counter() - start, largest, total, name, shared))
        time.sleep(every)
    stderr = proc.communicate()[1]
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{config}: quotes extract failed ({proc.returncode}):\n{stderr[-2000:]}")
    summary = " ".join(stderr.split())
    found = re.search(r"\((\d+) processed", summary)
    processed = int(found.group(1)) if found else 0
    return {"config": config, "seconds": seconds, "articles": processed, "samples": samples, "summary": summary,
            "cpu": _children_cpu() - cpu_before,
            "quotes": sum(1 for _ in out.open(encoding="utf-8"))}


def tenth_peaks(samples: list, size: Callable[[tuple], int]) -> list[float]:
    """The largest ``size`` (MiB) of the samples in each tenth of the run."""
    n = len(samples)
    return [max(size(s) for s in samples[n * k // 10:max(n * (k + 1) // 10, n * k // 10 + 1)]) / 2**20
            for k in range(10)] if samples else []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ungdc", nargs="?", type=Path, help="the ungdc/ folder of session-NN.jsonl files")
    ap.add_argument("--input", type=Path, help="time this input instead of a corpus built from UNGDC_DIR")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--words", type=int, default=280,
                    help="about this many words an article (280: sessions 70-77 make 10,364 parts)")
    ap.add_argument("--corpus", type=Path, help="where to write the corpus (default: a temporary folder)")
    ap.add_argument("--configs", default="w1,w2,ray", help=f"comma-separated, of {', '.join(CONFIGS)}")
    ap.add_argument("--stance", action="store_true", help="stance on the default topics (default model)")
    ap.add_argument("--store", action="store_true", help="write a store too (default: --no-store)")
    ap.add_argument("--every", type=float, default=1.0, help="seconds between memory samples")
    args = ap.parse_args()
    if (args.ungdc is None) == (args.input is None):
        ap.error("give UNGDC_DIR or --input")
    with tempfile.TemporaryDirectory() as tmp:
        if args.input is not None:
            corpus = args.input
            what = str(corpus)
        else:
            corpus = args.corpus or Path(tmp) / "corpus"
            n = build_corpus(args.ungdc, corpus, args.articles, args.words)
            what = f"{n} articles from {args.ungdc} (~{args.words} words each)"
        print(f"corpus: {what}; stance: {'3 default topics' if args.stance else 'off'}", flush=True)
        outputs: list[tuple[str, Path]] = []
        for config in args.configs.split(","):
            r = run(config, corpus, Path(tmp) / f"{config}.jsonl", args.stance, args.store, args.every)
            samples = r["samples"]
            peak_one = max((s[1] for s in samples), default=0) / 2**20
            peak_all = max((s[2] for s in samples), default=0) / 2**20
            tenths = [samples[min(len(samples) - 1, int(len(samples) * k / 10))][1] / 2**20 for k in range(1, 11)] \
                if samples else []
            print(f"{config}: {r['articles']} articles in {r['seconds']:.1f} s = {r['articles'] / r['seconds']:.2f} "
                  f"articles/s; quotes {r['quotes']}; peak RSS largest process {peak_one:.0f} MiB, all processes "
                  f"{peak_all:.0f} MiB", flush=True)
            print(f"  largest process RSS at each tenth of the run (MiB): {' '.join(f'{x:.0f}' for x in tenths)}",
                  flush=True)
            names = Counter(s[3] for s in samples)
            print("  largest process, by share of samples: "
                  + ", ".join(f"{name or '?'} {n / len(samples):.0%}" for name, n in names.most_common(3)), flush=True)
            for what, size in (("RSS", lambda s: s[1]), ("RSS less shared memory (its own)", lambda s: s[1] - s[4]),
                               ("shared memory in RSS (a Ray object store's pages)", lambda s: s[4])):
                print(f"  largest process peak {what} in each tenth of the run (MiB): "
                      + " ".join(f"{x:.0f}" for x in tenth_peaks(samples, size)), flush=True)
            print(f"  CPU: {r['cpu']:.0f} s (user + system of the whole process tree, where its processes were waited"
                  f" for), {r['cpu'] / max(1, r['articles']) * 1000:.0f} ms an article", flush=True)
            outputs.append((config, Path(tmp) / f"{config}.jsonl"))
        first_config, first = outputs[0]
        for config, path in outputs[1:]:
            same = path.read_bytes() == first.read_bytes()
            print(f"output of {config} {'byte-identical to' if same else 'DIFFERS from'} {first_config}'s", flush=True)


if __name__ == "__main__":
    main()

"""Benchmark extraction: articles per second and peak memory, without and with stance.

Usage:
    python scripts/bench_extract.py [INPUT ...] [--repeat N] [--stance] [--model PATH] [--topics FILE]

INPUT is article files or folders (anything `quotes extract` reads) or a JSONL of articles with a `text`
field (e.g. ../shared/data/polnear-dev.jsonl); default: seeds/articles repeated --repeat times (default 50).
Loading spaCy and the model is not timed; the timed part is the whole pipeline over every article, as
`quotes extract` runs it (nlp.pipe in batches, detection, attribution, and with --stance the classifier on
every (quote, topic) pair, behind the model's relevance gate unless --no-gate). Prints articles/s, words/s,
quotes, the stance labels given and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quotes.io.readers import read_paths  # noqa: E402
from quotes.pipeline import Pipeline  # noqa: E402
from quotes.stance.paths import PRECISIONS  # noqa: E402
from quotes.types import Article  # noqa: E402


def load(inputs: list[Path], repeat: int) -> list[Article]:
    articles = [a for _, r in read_paths(inputs) for a in r.articles]
    if repeat > 1:
        articles = [Article(id=f"{a.id}-{i}", text=a.text) for i in range(repeat) for a in articles]
    return articles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("inputs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=0, help="repeat the input articles N times")
    ap.add_argument("--stance", action="store_true", help="also classify stance on the topics")
    ap.add_argument("--model", type=Path, help="stance model (default: the default model)")
    ap.add_argument("--topics", type=Path, help="topics TOML (default: the shipped topics)")
    ap.add_argument("--no-gate", dest="gate", action="store_false",
                    help="classify every (quote, topic) pair: no relevance gate (quotes extract --no-gate)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--precision", default="auto", choices=PRECISIONS,
                    help="number format of the stance model (quotes extract --precision)")
    args = ap.parse_args()
    inputs = args.inputs or [Path(__file__).resolve().parents[1] / "seeds" / "articles"]
    repeat = args.repeat or (1 if args.inputs else 50)
    articles = load(inputs, repeat)

    classifier, topics, precision = None, [], ""
    if args.stance:
        import torch

        from quotes.stance.model import StanceClassifier
        from quotes.stance.topics import load_topics
        classifier = StanceClassifier.load(args.model, precision=args.precision, gate=args.gate)
        topics = load_topics(args.topics)
        precision = (f", torch threads {torch.get_num_threads()}, stance model in {classifier.precision}, "
                     + (f"relevance gate at {classifier.gate.threshold:.4f}" if classifier.gate is not None
                        else "no relevance gate"))
    pipeline = Pipeline(classifier=classifier, topics=topics, batch_size=args.batch_size)
    pipeline.extract_one(Article(id="warmup", text="“Warm up,” she said."))

    start = time.perf_counter()
    n_quotes = 0
    labels: Counter[str] = Counter()
    for _, quotes in pipeline.run(articles):
        n_quotes += len(quotes)
        labels.update(s.label for q in quotes for s in q.stance.values())
    seconds = time.perf_counter() - start
    words = sum(len(a.text.split()) for a in articles)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores" + precision)
    print(f"articles: {len(articles)}  words: {words}  quotes: {n_quotes}  stance: "
          + (f"{len(topics)} topics" if args.stance else "off"))
    if args.stance:
        print("stance labels: " + ", ".join(f"{label} {labels[label]}" for label in ("favor", "against", "none")))
    print(f"time: {seconds:.2f} s  articles/s: {len(articles) / seconds:.2f}  words/s: {words / seconds:.0f}")
    print(f"peak memory (RSS): {peak_mb:.0f} MiB")


if __name__ == "__main__":
    main()

"""Benchmark extraction: articles per second and peak memory, without and with stance.

Usage:
    python scripts/bench_extract.py [INPUT ...] [--repeat N] [--stance] [--model PATH] [--topics FILE]
                                    [--no-gate] [--precision P] [--workers N] [--in-process] [--batch-size N]

INPUT is article files or folders (anything `quotes extract` reads) or a JSONL of articles with a `text`
field (e.g. ../shared/data/polnear-dev.jsonl); default: seeds/articles repeated --repeat times (default 50).
The timed part is what `quotes extract --no-store` runs: the library's extraction driver
(`quotes.driver.Extraction.run`) over every article, reading included, with --workers parse processes (default
1; each loads spaCy, which is timed) and with --stance the classifier in a child process beside the parse
(its model load is timed too). With --in-process the older path is timed instead: `Pipeline.run` with the
classifier in a thread of this process, spaCy and the model loaded before the clock starts. Prints articles/s,
words/s, quotes, the stance labels given and the peak resident memory of this process and of its children.

Repeated copies of an article are new articles to the classifier: with --in-process, each copy's statements get
a different run of zero-width spaces, which the tokenizer drops (the classifier computes the same) but which make
them distinct strings (--shared-copies turns this off). Through the driver, copies are written to a temporary
JSONL with distinct ids and share their statements' text.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quotes.io.readers import read_paths  # noqa: E402
from quotes.pipeline import BATCH_SIZE, Pipeline  # noqa: E402
from quotes.stance.paths import PRECISIONS  # noqa: E402
from quotes.stance.process import StanceProcess  # noqa: E402
from quotes.types import Article, Topic  # noqa: E402


def load(inputs: list[Path], repeat: int) -> list[Article]:
    articles = [a for _, r in read_paths(inputs) for a in r.articles]
    if repeat > 1:
        articles = [Article(id=f"{a.id}-{i}", text=a.text) for i in range(repeat) for a in articles]
    return articles


class DistinctCopies:
    """A classifier wrapper that makes the statements of each copy of an article distinct strings.

    Pairs come per quote with every topic in a row; the n-th time a statement comes back (a later copy) it gets n
    zero-width spaces, dropped by the tokenizer.
    """

    def __init__(self, classifier: Any, n_topics: int) -> None:
        self.classifier = classifier
        self.n_topics = max(1, n_topics)
        self.set_parent_busy = getattr(classifier, "set_parent_busy", None)

    def predict(self, pairs: Any, *args: Any, **kwargs: Any) -> Any:
        seen: Counter[str] = Counter()
        marked = []
        for i, (topic, statement) in enumerate(pairs):
            if i % self.n_topics == 0:
                seen[statement] += 1
            marked.append((topic, statement + "\u200b" * (seen[statement] - 1)))
        return self.classifier.predict(marked, *args, **kwargs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("inputs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=0, help="repeat the input articles N times")
    ap.add_argument("--stance", action="store_true", help="also classify stance on the topics")
    ap.add_argument("--model", type=Path, help="stance model (default: the default model)")
    ap.add_argument("--topics", type=Path, help="topics TOML (default: the shipped topics)")
    ap.add_argument("--no-gate", dest="gate", action="store_false",
                    help="classify every (quote, topic) pair: no relevance gate (quotes extract --no-gate)")
    ap.add_argument("--in-process", action="store_true",
                    help="time Pipeline.run with the classifier in a thread of this process (not the driver)")
    ap.add_argument("--workers", type=int, default=1, help="parse processes (quotes extract --workers)")
    ap.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="articles per batch (quotes extract's default)")
    ap.add_argument("--shared-copies", action="store_true",
                    help="let repeated copies share their statements' reading (see above)")
    ap.add_argument("--precision", default="auto", choices=PRECISIONS,
                    help="number format of the stance model (quotes extract --precision)")
    args = ap.parse_args()
    inputs = args.inputs or [Path(__file__).resolve().parents[1] / "seeds" / "articles"]
    repeat = args.repeat or (1 if args.inputs else 50)
    articles = load(inputs, repeat)
    if not args.in_process:
        return run_driver(args, inputs, articles, repeat)

    classifier: Any = None
    topics: list[Topic] = []
    precision = ""
    if args.stance:
        from quotes.stance.classifier import StanceClassifier
        from quotes.stance.topics import load_topics
        topics = load_topics(args.topics)
        if args.in_process:
            import torch

            classifier = StanceClassifier.load(args.model, precision=args.precision, gate=args.gate)
            model_precision = classifier.precision
            threshold = classifier.gate.threshold if classifier.gate is not None else None
            where = f"in this process, torch threads {torch.get_num_threads()}"
        else:
            classifier = StanceProcess(args.model, precision=args.precision, gate=args.gate).start()
            model_precision, threshold = classifier.precision, classifier.threshold
            where = (f"in a child process, {classifier.busy_threads} thread(s) while parsing, {classifier.cores} "
                     "while waiting")
        precision = (f"; stance model in {model_precision}, {where}, "
                     + (f"relevance gate at {threshold:.4f}" if threshold is not None else "no relevance gate"))
    predictor = classifier if classifier is None or args.shared_copies else DistinctCopies(classifier, len(topics))
    pipeline = Pipeline(classifier=predictor, topics=topics, batch_size=args.batch_size)
    pipeline.extract_one(Article(id="warmup", text="“Warm up,” she said."))

    start = time.perf_counter()
    n_quotes = 0
    labels: Counter[str] = Counter()
    for _, quotes in pipeline.run(articles):
        n_quotes += len(quotes)
        labels.update(s.label for q in quotes for s in q.stance.values())
    seconds = time.perf_counter() - start
    words = sum(len(a.text.split()) for a in articles)
    if isinstance(classifier, StanceProcess):
        classifier.close()  # a child's peak memory is known once it has ended
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores" + precision)
    print(f"articles: {len(articles)}  words: {words}  quotes: {n_quotes}  stance: "
          + (f"{len(topics)} topics" if args.stance else "off"))
    if args.stance:
        print("stance labels: " + ", ".join(f"{label} {labels[label]}" for label in ("favor", "against", "none")))
    print(f"time: {seconds:.2f} s  articles/s: {len(articles) / seconds:.2f}  words/s: {words / seconds:.0f}")
    print(f"peak memory (RSS): {peak_mb:.0f} MiB" + (f", stance process {child_mb:.0f} MiB" if child_mb else ""))


def run_driver(args: argparse.Namespace, inputs: list[Path], articles: list[Article], repeat: int) -> None:
    """Time ``Extraction.run``, what ``quotes extract --no-store`` runs, model loading included."""
    import json
    import tempfile

    from quotes.driver import Extraction, stance_settings

    with tempfile.TemporaryDirectory() as tmp:
        if repeat > 1:
            paths = [Path(tmp) / "copies.jsonl"]
            with paths[0].open("w", encoding="utf-8") as fh:
                for a in articles:
                    fh.write(json.dumps({"id": a.id, "text": a.text}, ensure_ascii=False) + "\n")
        else:
            paths = inputs
        settings = stance_settings(args.model, args.topics, args.precision, args.gate) if args.stance else None
        labels: Counter[str] = Counter()

        def sink(article: Article, quotes: list[Any]) -> None:
            labels.update(s.label for q in quotes for s in q.stance.values())

        start = time.perf_counter()
        report = Extraction(settings, workers=args.workers, batch_size=args.batch_size).run(paths, sink)
        seconds = time.perf_counter() - start
    words = sum(len(a.text.split()) for a in articles)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores; "
          f"driver, {args.workers} parse worker(s)")
    print(f"articles: {report.processed}  words: {words}  quotes: {report.quotes}  stance: "
          + (f"{len(settings.topics)} topics" if settings is not None else "off"))
    if settings is not None:
        print("stance labels: " + ", ".join(f"{label} {labels[label]}" for label in ("favor", "against", "none")))
    print(f"time (model loading included): {seconds:.2f} s  articles/s: {report.processed / seconds:.2f}  "
          f"words/s: {words / seconds:.0f}")
    print(f"peak memory (RSS): {peak_mb:.0f} MiB, largest child process {child_mb:.0f} MiB")


if __name__ == "__main__":
    main()

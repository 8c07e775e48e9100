"""Benchmark extraction: articles per second and peak memory, without and with stance.

Usage:
    python scripts/bench_extract.py [INPUT ...] [--repeat N] [--stance] [--model PATH] [--topics FILE]
                                    [--no-gate] [--precision P] [--in-process] [--batch-size N]

INPUT is article files or folders (anything `quotes extract` reads) or a JSONL of articles with a `text`
field (e.g. ../shared/data/polnear-dev.jsonl); default: seeds/articles repeated --repeat times (default 50).
Loading spaCy and the model is not timed; the timed part is the whole pipeline over every article, as
`quotes extract` runs it (nlp.pipe in batches of 2, 4, then 8 articles, detection, attribution, and
with --stance the classifier on every (quote, topic) pair, behind the model's relevance gate unless --no-gate,
in a child process beside the parse as `quotes extract` runs it, or with --in-process in a thread of this
process). Prints articles/s, words/s, quotes, the stance labels given and the peak resident memory of this
process and of the stance process.

Repeated copies of an article are new articles to the classifier: the classifier reads each distinct statement of
a call once, so identical copies would share their reading and make stance look cheaper than on an article it
has not seen. Each copy's statements get a different run of zero-width spaces, which the tokenizer drops (the
classifier computes the same) but which make them distinct strings; --shared-copies turns this off.
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
from quotes.pipeline import Pipeline  # noqa: E402
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
                    help="classify in a thread of this process instead of a child process")
    ap.add_argument("--batch-size", type=int, default=8, help="articles per batch (quotes extract's default)")
    ap.add_argument("--shared-copies", action="store_true",
                    help="let repeated copies share their statements' reading (see above)")
    ap.add_argument("--precision", default="auto", choices=PRECISIONS,
                    help="number format of the stance model (quotes extract --precision)")
    args = ap.parse_args()
    inputs = args.inputs or [Path(__file__).resolve().parents[1] / "seeds" / "articles"]
    repeat = args.repeat or (1 if args.inputs else 50)
    articles = load(inputs, repeat)

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


if __name__ == "__main__":
    main()

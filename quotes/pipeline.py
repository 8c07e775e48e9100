"""The pipeline: read → parse → detect → attribute → classify stance, batched.

    pipeline = Pipeline(classifier=StanceClassifier.load(path), topics=load_topics(None))
    for article, quotes in pipeline.run(articles):
        ...

Articles are parsed with ``nlp.pipe``; the stance of every (quote, topic) pair of a batch of articles is
classified in one call, so the transformer sees large, length-sorted batches.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib.abc
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from quotes.types import Article, Prediction, Quote, Topic

if TYPE_CHECKING:
    from spacy.language import Language

Results = list[tuple[Article, list[Quote]]]

# Bump when detection or attribution changes what they produce: stored results are then redone.
PIPELINE_VERSION = "2"


class StancePredictor(Protocol):
    """What the pipeline needs of a stance model (``quotes.stance.classifier.StanceClassifier``)."""

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = ...,
                progress: Any = ..., speakers: Sequence[str | None] | None = ...) -> Sequence[Prediction]: ...


def content_hash(article: Article) -> str:
    """Hash of what the results of an article depend on: its text and metadata."""
    h = hashlib.sha256(article.text.encode("utf-8"))
    for value in (article.date, article.title, article.url, article.source):
        h.update(b"\x00" + (value or "").encode("utf-8"))
    return h.hexdigest()


def processing_key(model_id: str | None, topics: Sequence[Topic]) -> str:
    """Identifies the settings results were produced with: pipeline version, stance model and topics."""
    h = hashlib.sha256(PIPELINE_VERSION.encode())
    h.update((model_id or "no-stance").encode())
    for t in topics:
        h.update(f"\x00{t.id}\x01{t.phrase}".encode())
    return h.hexdigest()[:16]


def statement_text(quote: Quote) -> str:
    """What the stance classifier reads for a quote: the quote as reported, with its cue and speaker."""
    if quote.statement is not None:
        return quote.statement.text
    return quote.content.text


# Articles per batch: a parse worker's unit of work, a stance call's and a store transaction's. Four balance two
# parse workers better than eight at the end of a run (docs/benchmarks.md, 2026-12-05).
BATCH_SIZE = 4
# A pipeline this process loaded itself is loaded afresh after this many articles: a reload (half a second)
# drops whatever spaCy keeps per new word that quotes does not bound itself (spaCy's lemmatizer cache, about
# 0.5 KB an article on the UN corpus, is now also cleared by CachedLemmatizer at its limit; docs/benchmarks.md,
# 2026-12-05).
RELOAD_AFTER = 2_000


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; nothing elsewhere).

    The old pipeline, freed at a reload, leaves tens of MiB free inside the heap between blocks still in use;
    without a trim the process keeps them resident, and its memory steps up at the first reloads."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError):   # not glibc (musl has no malloc_trim)
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def first_batch_sizes(batch_size: int, first: int = 2) -> Iterator[int]:
    """Batch sizes for a run: ``first`` articles, then twice as many each time up to ``batch_size``, which is
    kept. Stance can start on the first articles and keep up while the rest is parsed."""
    batch_size = max(1, batch_size)
    size = max(1, min(first, batch_size))
    while True:
        yield size
        size = min(batch_size, size * 2)


class _NoTorchHere(importlib.abc.MetaPathFinder):
    """Refuses ``import torch`` in the thread that installed it (other threads import as usual)."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if (name == "torch" or name.startswith("torch.")) and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def import_spacy() -> None:
    """Import spaCy without torch. thinc, spaCy's machine-learning library, imports torch whenever it is installed,
    for models that run on it; the spaCy pipeline quotes uses (:mod:`quotes.extract.nlp`) does not, and the stance
    classifier runs in a process of its own. Torch would cost the parsing process CPU at start (beside the stance
    child loading its model on the other core) and memory (docs/benchmarks.md). Where torch or thinc is imported
    already (say a stance classifier loaded in this process), this changes nothing."""
    if "thinc" in sys.modules or "torch" in sys.modules:
        return
    blocker = _NoTorchHere()
    sys.meta_path.insert(0, blocker)
    try:
        import spacy  # noqa: F401
    finally:
        sys.meta_path.remove(blocker)


class Pipeline:
    """Extract quotes from articles and, given a classifier and topics, their stance."""

    def __init__(self, nlp: Language | None = None, classifier: StancePredictor | None = None,
                 topics: Sequence[Topic] = (), batch_size: int = BATCH_SIZE,
                 reload_after: int = RELOAD_AFTER) -> None:
        self._nlp = nlp
        self._own_nlp = nlp is None   # a pipeline given by the caller is never reloaded
        self.classifier = classifier
        self.topics = list(topics) if classifier is not None else []
        self.batch_size = batch_size
        self.reload_after = reload_after
        self._parsed = 0   # articles parsed by the loaded spaCy pipeline

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline, loaded on first use (a re-run on stored articles never needs it)."""
        if self._nlp is None:
            # spaCy: imported when a parse is needed, not to check the store
            import_spacy()
            from quotes.extract.nlp import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    def _reload_if_due(self) -> None:
        """Load the spaCy pipeline afresh once it has parsed ``reload_after`` articles (see RELOAD_AFTER)."""
        if self._own_nlp and self._nlp is not None and self._parsed >= self.reload_after:
            from quotes.extract.nlp import load_nlp

            load_nlp.cache_clear()
            self._nlp, self._parsed = None, 0
            # The old vocabulary, lemmatizer tables and models are reference cycles: collected now (30 ms), before
            # the new pipeline loads, the two are never held together (docs/benchmarks.md, 2026-12-05).
            gc.collect()
            release_free_memory()

    def extract_one(self, article: Article) -> list[Quote]:
        """Quotes of a single article (no batching)."""
        return next(self.run([article]))[1]

    def run(self, articles: Iterable[Article]) -> Iterator[tuple[Article, list[Quote]]]:
        """Yield ``(article, quotes)`` for every article, in input order.

        With a classifier, the stance of the parsed batches is computed by a worker (:class:`StanceWorker`) while
        the next batches are parsed: the pipeline does not wait for a batch's stance until it has parsed
        ``StanceWorker.max_in_flight`` batches ahead or the input ends.
        """
        it = iter(articles)
        sizes = first_batch_sizes(self.batch_size)
        with StanceWorker(self) as worker:
            while True:
                batch = list(islice(it, next(sizes)))
                if batch:
                    worker.submit(self.extract_batch(batch))
                for _, results in worker.done(wait_all=not batch):
                    yield from results
                if not batch:
                    return

    def extract_batch(self, batch: list[Article]) -> list[tuple[Article, list[Quote]]]:
        """Parse, detect and attribute: the quotes of a batch, without stance."""
        import_spacy()
        from quotes.extract.attribute import attribute  # the parse's modules: imported when a batch is parsed
        from quotes.extract.detect import detect
        from quotes.extract.doccache import forget, read_document

        self._reload_if_due()
        results = []
        # The words a batch adds to spaCy's vocabulary are dropped when it is done (nothing of its docs is kept:
        # quotes hold plain strings), so a long run's memory stays flat.
        with self.nlp.memory_zone():
            docs = self.nlp.pipe((a.text for a in batch), batch_size=self.batch_size)
            for article, doc in zip(batch, docs, strict=True):
                document = read_document(doc)   # paragraphs, quotations, sentences: found once, read by both stages
                results.append((article, attribute(document, article.id, detect(document))))
                forget(doc)   # the doc is freed now, not by the cycle collector later
        self._parsed += len(batch)
        return results

    def classify(self, results: list[tuple[Article, list[Quote]]]) -> list[tuple[Article, list[Quote]]]:
        """Stance of every (quote, topic) pair of the batch, in one call to the classifier."""
        if self.classifier is None or not self.topics:
            return results
        pairs = [(topic.phrase, statement_text(q)) for _, quotes in results for q in quotes for topic in self.topics]
        if not pairs:
            return results
        # the relevance gate reads each statement without its speaker's name (quotes.stance.relevance)
        speakers = [q.speaker.mention if q.speaker is not None else None
                    for _, quotes in results for q in quotes for _ in self.topics]
        predictions = iter(self.classifier.predict(pairs, speakers=speakers))
        out = []
        for article, quotes in results:
            new = []
            for q in quotes:
                stance = {}
                for topic in self.topics:
                    stance[topic.id] = next(predictions).to_stance()
                new.append(replace(q, stance=stance))
            out.append((article, new))
        return out


class StanceWorker:
    """Runs ``Pipeline.classify`` on extracted batches in a background thread while the caller parses more.

    ``submit`` hands over an extracted batch (``classify=False`` for results that need no stance, such as
    articles read back from the store); ``done`` yields ``(tag, results)`` per batch, in submission order, as
    they are ready, and waits for the oldest only when more than ``max_in_flight`` are queued, or ``wait_all``.
    Without a classifier nothing runs in the background.

    The overlap pays with a :class:`~quotes.stance.process.StanceProcess`: the thread just waits while a child
    process classifies on its own core. (An in-process classifier gains little: parsing holds the interpreter
    lock, and the two take turns.) The worker tells such a classifier when this process is busy and when it
    waits (``set_parent_busy``), so that the classifier can take every core while nothing is parsed.
    """

    def __init__(self, pipeline: Pipeline, max_in_flight: int = 4, lend_cores_mid_run: bool = True) -> None:
        self.pipeline = pipeline
        self.max_in_flight = max(1, max_in_flight)
        # Whether a wait in mid-run frees this process's core for the classifier: not when parse workers in other
        # processes keep the cores busy (they do until the final wait, ``done(wait_all=True)``).
        self.lend_cores_mid_run = lend_cores_mid_run
        self.pool: ThreadPoolExecutor | None = None
        self.queue: deque[tuple[Any, Future[Results] | Results]] = deque()
        self._busy = getattr(pipeline.classifier, "set_parent_busy", None)

    def __enter__(self) -> StanceWorker:
        if self.pipeline.classifier is not None and self.pipeline.topics:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stance")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, extracted: Results, tag: Any = None, classify: bool = True) -> None:
        if self.pool is None or not classify:
            self.queue.append((tag, extracted))
        else:
            self.queue.append((tag, self.pool.submit(self.pipeline.classify, extracted)))

    def done(self, wait_all: bool = False) -> Iterator[tuple[Any, Results]]:
        while self.queue:
            tag, item = self.queue[0]
            if isinstance(item, Future):
                in_flight = sum(isinstance(it, Future) for _, it in self.queue)
                if not (wait_all or in_flight > self.max_in_flight or item.done()):
                    return
                item = self._wait(item, lend=wait_all or self.lend_cores_mid_run)
            self.queue.popleft()
            yield tag, item

    def _wait(self, future: Future[Results], lend: bool = True) -> Results:
        """The result of ``future``; while this process waits for it, with ``lend``, the classifier may use every
        core."""
        if future.done() or self._busy is None or not lend:
            return future.result()
        self._busy(False)
        try:
            return future.result()
        finally:
            self._busy(True)

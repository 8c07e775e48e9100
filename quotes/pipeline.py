"""The pipeline: read → parse → detect → attribute → classify stance, batched.

    pipeline = Pipeline(classifier=StanceClassifier.load(path), topics=load_topics(None))
    for article, quotes in pipeline.run(articles):
        ...

Articles are parsed with ``nlp.pipe``; the stance of every (quote, topic) pair of a batch of articles is
classified in one call, so the transformer sees large, length-sorted batches.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from quotes.attribute import attribute
from quotes.detect import detect
from quotes.nlp import load_nlp
from quotes.types import Article, Quote, Stance, Topic

if TYPE_CHECKING:
    from spacy.language import Language

Results = list[tuple[Article, list[Quote]]]

# Bump when detection or attribution changes what they produce: stored results are then redone.
PIPELINE_VERSION = "1"


class _Prediction(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def score(self) -> float: ...

    @property
    def relevance(self) -> float | None: ...


class StancePredictor(Protocol):
    """What the pipeline needs of a stance model (``quotes.stance.model.StanceClassifier``)."""

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = ...,
                progress: Any = ...) -> Sequence[_Prediction]: ...


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


class Pipeline:
    """Extract quotes from articles and, given a classifier and topics, their stance."""

    def __init__(self, nlp: Language | None = None, classifier: StancePredictor | None = None,
                 topics: Sequence[Topic] = (), batch_size: int = 32) -> None:
        self._nlp = nlp
        self.classifier = classifier
        self.topics = list(topics) if classifier is not None else []
        self.batch_size = batch_size

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline, loaded on first use (a re-run on stored articles never needs it)."""
        if self._nlp is None:
            self._nlp = load_nlp()
        return self._nlp

    def extract_one(self, article: Article) -> list[Quote]:
        """Quotes of a single article (no batching)."""
        return next(self.run([article]))[1]

    def run(self, articles: Iterable[Article]) -> Iterator[tuple[Article, list[Quote]]]:
        """Yield ``(article, quotes)`` for every article, in input order.

        With a classifier, the stance of one batch is computed in a worker thread while the next batch is
        parsed. On the 2-core machine the README measures this saves little: the parse holds the GIL most of the
        time and the two vCPUs share more than they add (a classifier in a child process was slower still).
        """
        it = iter(articles)
        with StanceWorker(self) as worker:
            while True:
                batch = list(islice(it, self.batch_size))
                if batch:
                    worker.submit(self.extract_batch(batch))
                for _, results in worker.done(wait_all=not batch):
                    yield from results
                if not batch:
                    return

    def extract_batch(self, batch: list[Article]) -> list[tuple[Article, list[Quote]]]:
        """Parse, detect and attribute: the quotes of a batch, without stance."""
        docs = self.nlp.pipe((a.text for a in batch), batch_size=self.batch_size)
        return [(article, attribute(doc, article.id, detect(doc))) for article, doc in zip(batch, docs, strict=True)]

    def classify(self, results: list[tuple[Article, list[Quote]]]) -> list[tuple[Article, list[Quote]]]:
        """Stance of every (quote, topic) pair of the batch, in one call to the classifier."""
        if self.classifier is None or not self.topics:
            return results
        pairs = [(topic.phrase, statement_text(q)) for _, quotes in results for q in quotes for topic in self.topics]
        if not pairs:
            return results
        predictions = iter(self.classifier.predict(pairs))
        out = []
        for article, quotes in results:
            new = []
            for q in quotes:
                stance = {}
                for topic in self.topics:
                    p = next(predictions)
                    stance[topic.id] = Stance(p.label, float(p.score), p.relevance)
                new.append(replace(q, stance=stance))
            out.append((article, new))
        return out


class StanceWorker:
    """Runs ``Pipeline.classify`` on one batch in a background thread while the caller parses the next.

    ``submit`` hands over an extracted batch (``classify=False`` for results that need no stance, such as
    articles read back from the store); ``done`` yields ``(tag, results)`` per batch, in submission order,
    keeping one batch in flight unless ``wait_all``. Without a classifier nothing runs in the background.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.pool: ThreadPoolExecutor | None = None
        self.queue: deque[tuple[Any, Future[Results] | Results]] = deque()

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
                if not (wait_all or in_flight > 1 or item.done()):
                    return
                item = item.result()
            self.queue.popleft()
            yield tag, item

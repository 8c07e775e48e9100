"""One extraction run, as ``quotes extract`` does it: read → skip what the store has → parse → stance → store.

    settings = stance_settings(model=None, topics_file=None)          # or None: no stance
    with Store("quotes.db") as store:
        report = Extraction(settings, store=store, workers=2).run([Path("articles")], sink)

Files are read lazily into batches (2, then ``batch_size`` articles); an article the store already has with
the same content and settings is read back instead of processed (unless ``force``); a batch that fails is
redone article by article, so one bad article costs only itself; every processed batch is stored in one
transaction, so an interrupted run loses nothing committed and the next run resumes. ``sink`` gets each
article and its quotes in input order.

The parse runs in this process (``workers=1``) or in a pool of processes that each load the spaCy pipeline once
(:class:`ParsePool`); stance runs beside it in a child process (:class:`~quotes.stance.process.StanceProcess`).
The output is the same either way. ``engine="ray"`` runs the same work on a Ray cluster
(:mod:`quotes.ray_engine`).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotes.io.readers import MANY_ARTICLES, Skipped, iter_files, read_file
from quotes.pipeline import (
    BATCH_SIZE,
    Pipeline,
    Results,
    StanceWorker,
    content_hash,
    first_batch_sizes,
    processing_key,
)
from quotes.stance.process import available_cores
from quotes.types import Article, Quote, Topic

if TYPE_CHECKING:
    from quotes.store import Store

ENGINES = ("local", "ray")
Sink = Callable[[Article, list[Quote]], None]


def model_id(path: Path) -> str:
    """Identifies a model folder and the weights in it, so that retrained weights redo the stance."""
    weights = next((p for p in (path / "model.safetensors", path / "pytorch_model.bin") if p.exists()), None)
    stamp = f"{weights.stat().st_size}-{weights.stat().st_mtime_ns}" if weights else "?"
    return f"{path.resolve()}@{stamp}"


@dataclass(frozen=True)
class StanceSettings:
    """The stance half of a run: the model folder, how it runs, and the topics."""

    model: Path
    topics: tuple[Topic, ...]
    precision: str = "auto"
    gate: bool = True

    @property
    def model_key(self) -> str:
        """What the store records as the run's model: the weights, their number format and the gate."""
        return (model_id(self.model) + ("+int8" if self.precision == "int8" else "")
                + ("" if self.gate else "+ungated"))


def stance_settings(model: Path | None, topics_file: Path | None, precision: str = "auto",
                    gate: bool = True) -> StanceSettings:
    """Check the topics file and the model folder (default: the shipped topics and the default model) without
    loading the model; raises ``TopicsError`` or ``ModelNotFoundError`` with a message that says what to fix."""
    from quotes.stance.paths import check_model_dir, default_model_path
    from quotes.stance.topics import load_topics

    topics = tuple(load_topics(topics_file))
    path = model or default_model_path()
    check_model_dir(path)
    return StanceSettings(model=path, topics=topics, precision=precision, gate=gate)


@dataclass
class RunReport:
    """What a run did: counts, the speakers seen, the inputs skipped and why, and its wall time."""

    processed: int = 0
    unchanged: int = 0
    quotes: int = 0
    speakers: set[str] = field(default_factory=set)
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def articles(self) -> int:
        return self.processed + self.unchanged

    @property
    def rate(self) -> float:
        """Processed articles per second."""
        return self.processed / self.seconds if self.seconds > 0 else 0.0


def read_batches(files: Sequence[tuple[Path, Path]], batch_size: int, skipped: list[Skipped],
                 on_file: Callable[[], None] = lambda: None,
                 warn: Callable[[str], None] = lambda message: None) -> Iterator[list[Article]]:
    """Read files lazily into batches (a small first one, then ``batch_size`` articles: see
    :func:`~quotes.pipeline.first_batch_sizes`); unreadable inputs go to ``skipped``."""
    sizes = first_batch_sizes(batch_size)
    size = next(sizes)
    batch: list[Article] = []
    for file, root in files:
        if not file.exists() and not file.is_symlink():
            skipped.append(Skipped(str(file), "no such file or folder"))
        else:
            result = read_file(file, root)
            for warning in result.warnings:
                warn(warning)
            skipped.extend(result.skipped)
            batch.extend(result.articles)
        on_file()
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
            size = next(sizes)
    if batch:
        yield batch


def extract_safely(pipeline: Pipeline, batch: list[Article]) -> tuple[Results, list[Skipped]]:
    """Extract a batch; if it fails, extract its articles one by one so that one bad article costs only
    itself. Returns the results and the articles that failed, with why."""
    try:
        return pipeline.extract_batch(batch), []
    except Exception:
        results: Results = []
        failed: list[Skipped] = []
        for article in batch:
            try:
                results.extend(pipeline.extract_batch([article]))
            except Exception as exc:  # one article's failure must not stop the batch
                failed.append(Skipped(article.path or article.id, f"processing failed: {type(exc).__name__}: {exc}"))
        return results, failed


class ParseError(RuntimeError):
    """A parse worker process ended before answering."""


class _Done:
    """A batch parsed in this process: already done."""

    def __init__(self, value: tuple[Results, list[Skipped]]) -> None:
        self.value = value

    def ready(self) -> bool:
        return True

    def result(self) -> tuple[Results, list[Skipped]]:
        return self.value


class _Job:
    """A batch given to a :class:`ParsePool`; :meth:`result` waits for it."""

    def __init__(self, pool: ParsePool, number: int, batch: list[Article]) -> None:
        self.pool, self.number, self.batch = pool, number, batch
        self.answer: tuple[list[list[Quote] | None], list[Skipped]] | None = None

    def ready(self) -> bool:
        self.pool._collect(block=False)
        return self.answer is not None

    def result(self) -> tuple[Results, list[Skipped]]:
        while self.answer is None:
            self.pool._collect(block=True)
        quotes, failed = self.answer
        return [(a, qs) for a, qs in zip(self.batch, quotes, strict=True) if qs is not None], failed


class ParsePool:
    """``workers`` processes that each load the spaCy pipeline once and extract the batches given to them.

    Batches wait in one queue that every worker takes from as soon as it is free, so a worker that drew short
    articles takes more of them and none stands idle while another still holds two batches; each answer comes
    back on the worker's own pipe and is kept with its batch until asked for (:meth:`_Job.result`), so results
    can be read in any order. Workers start on the first batch; they end when the pool is closed, and on their
    own when this process ends (however it ends), since each watches its pipe to this process.
    """

    def __init__(self, workers: int, batch_size: int = BATCH_SIZE) -> None:
        self.workers = max(1, workers)
        self.batch_size = batch_size
        self._context = multiprocessing.get_context("spawn")
        self._tasks: Any = None
        self._processes: list[Any] = []
        self._conns: list[Any] = []
        self._jobs: dict[int, _Job] = {}   # given, not yet answered, by number
        self._numbers = itertools.count()
        self._closed = False

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes]

    def _start(self) -> None:
        if self._processes or self._closed:
            if self._closed:
                raise ParseError("the parse pool was closed")
            return
        from quotes.stance.process import _signals_held, main_script_hidden

        self._tasks = self._context.SimpleQueue()
        for _ in range(self.workers):
            parent, child = self._context.Pipe()
            process = self._context.Process(target=_parse_worker, args=(child, self._tasks, self.batch_size),
                                            name="quotes-parse", daemon=True)
            with _signals_held(), main_script_hidden():  # a started child must be recorded, or it could outlive us
                process.start()
                child.close()
                self._processes.append(process)
                self._conns.append(parent)

    def submit(self, batch: list[Article]) -> _Job:
        """Queue a batch for the first free worker."""
        self._start()
        job = _Job(self, next(self._numbers), batch)
        self._jobs[job.number] = job
        try:
            self._tasks.put((job.number, batch))
        except OSError as exc:
            raise ParseError(f"the parse workers cannot be reached: {exc}") from exc
        return job

    def _collect(self, block: bool) -> None:
        """Keep every answer that has come back with its batch; with ``block``, wait for at least one."""
        ready = multiprocessing.connection.wait(self._conns, timeout=None if block else 0)
        for worker in [i for i, conn in enumerate(self._conns) if conn in ready]:
            try:
                kind, number, payload, failed = self._conns[worker].recv()
            except (EOFError, OSError) as exc:
                raise self._ended(worker) from exc
            if kind == "error":
                raise ParseError(payload)
            self._jobs.pop(number).answer = (list(payload), list(failed))

    def _ended(self, worker: int) -> ParseError:
        process = self._processes[worker]
        process.join(timeout=5)
        return ParseError(f"a parse worker ended unexpectedly (exit code {process.exitcode})")

    def close(self, wait: bool = True) -> None:
        """End the workers: with ``wait``, once the queue is done; otherwise at once."""
        self._closed = True
        if wait and self._tasks is not None:
            for _ in self._processes:
                with contextlib.suppress(OSError):
                    self._tasks.put(None)   # one for each worker: finish, then end
        for process in self._processes:
            process.join(timeout=30 if wait else 0)
            if process.is_alive():
                process.terminate()
                process.join()
        for conn in self._conns:
            conn.close()
        if self._tasks is not None:
            self._tasks.close()
        self._processes, self._conns, self._jobs, self._tasks = [], [], {}, None
        from quotes.stance.process import _stop_resource_tracker

        _stop_resource_tracker()

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(wait=exc_type is None)


def _most_batches(files: Sequence[tuple[Path, Path]], batch_size: int) -> int:
    """How many batches the files can make at most: a worker more than that would only load spaCy for nothing.
    A JSONL or Parquet file may hold any number of articles."""
    if any(f.suffix.lower() in MANY_ARTICLES for f, _ in files):
        return len(files) + 10**9
    left, batches, sizes = len(files), 0, first_batch_sizes(batch_size)
    while left > 0:
        left -= next(sizes)
        batches += 1
    return batches


def _parse_worker(conn: Any, tasks: Any, batch_size: int) -> None:
    """A parse worker: load spaCy, then extract each batch it takes from ``tasks`` until ``None``, answering on
    ``conn``; exit when the parent's end of the pipe closes (the parent ended), even in the middle of a batch."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it then closes us

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            conn.recv()   # the parent never writes here: this returns only when it is gone
        os._exit(0)   # nobody wants our results

    threading.Thread(target=watch, daemon=True).start()
    pipeline = Pipeline(batch_size=batch_size)
    try:
        pipeline.nlp  # noqa: B018 - load now, while the parent reads the next batches
    except Exception as exc:
        conn.send(("error", -1, f"cannot load the spaCy pipeline: {type(exc).__name__}: {exc}", []))
        return
    while True:
        task = tasks.get()
        if task is None:
            return
        number, batch = task
        results, failed = extract_safely(pipeline, batch)
        found = {id(article): quotes for article, quotes in results}
        try:  # one entry per article of the batch; None for one that failed
            conn.send(("done", number, [found.get(id(article)) for article in batch], failed))
        except (BrokenPipeError, OSError):
            return


def default_workers() -> int:
    """Parse processes when none are asked for: every core, with or without stance. Measured on 2 idle cores
    (docs/benchmarks.md, 2026-12-05, evening): polnear-dev with stance took 10.8 s with 2 parse workers beside a
    one-thread classifier and 12.2 s with 1; without stance 6.8 s against 11.8 s."""
    return max(1, available_cores())


class Extraction:
    """An extraction run's settings; :meth:`run` processes paths with them.

    ``stance`` None skips stance; ``store`` None writes no store (and skips nothing); ``workers`` is how many
    processes parse (1: this process; default: :func:`default_workers`); ``engine`` "ray" runs on a Ray cluster at
    ``address`` (default: a local one) instead of this machine's processes.
    """

    def __init__(self, stance: StanceSettings | None = None, *, store: Store | None = None, force: bool = False,
                 batch_size: int = BATCH_SIZE, workers: int | None = None, engine: str = "local",
                 address: str | None = None) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine '{engine}'; expected one of {', '.join(ENGINES)}")
        self.stance = stance
        self.topics: list[Topic] = list(stance.topics) if stance is not None else []
        self.store = store
        self.force = force
        self.batch_size = max(1, batch_size)
        self.workers = max(1, workers or default_workers())
        self.cores = max(1, workers or available_cores())   # a local Ray instance's CPUs: one actor each
        self.engine = engine
        self.address = address
        self.model_key: str | None = stance.model_key if stance is not None else None
        self.key = processing_key(self.model_key, self.topics)

    def is_current(self, article: Article) -> bool:
        """The store has this article, unchanged, processed with these settings."""
        return (self.store is not None and not self.force
                and self.store.is_current(article.id, content_hash(article), self.key))

    def run(self, paths: Sequence[Path], sink: Sink, *, on_files: Callable[[int], None] = lambda n: None,
            on_file: Callable[[], None] = lambda: None, on_batch: Callable[[RunReport], None] = lambda r: None,
            warn: Callable[[str], None] = lambda message: None) -> RunReport:
        """Process every article under ``paths``; ``sink`` gets each article and its quotes in input order.

        ``on_files`` is told how many files there are, ``on_file`` when one is read, ``on_batch`` after each
        batch is stored and written; ``warn`` gets reading warnings. Raises ``ModelError`` when the stance model
        fails (every batch before is stored)."""
        started = time.perf_counter()
        report = RunReport()
        files = list(iter_files(paths, report.skipped))
        on_files(len(files))
        run_id = self.store.begin_run(self.model_key, [t.id for t in self.topics]) if self.store is not None else 0

        def finish(processed: bool, results: Results) -> None:
            """Store a finished batch (one transaction) and write its quotes, in input order."""
            if processed and self.store is not None and results:
                self.store.write_batch(run_id, [(a, content_hash(a), self.key, qs) for a, qs in results])
            for article, quotes in results:
                if processed:
                    report.processed += 1
                else:
                    report.unchanged += 1
                report.quotes += len(quotes)
                report.speakers.update(q.speaker.name for q in quotes if q.speaker)
                sink(article, quotes)
            report.seconds = time.perf_counter() - started
            on_batch(report)

        if self.engine == "ray":
            from quotes.ray_engine import run_on_ray

            run_on_ray(self, files, finish, report, on_file=on_file, warn=warn)
        else:
            self._run_local(files, finish, report.skipped, on_file, warn)
        if self.store is not None:
            self.store.finish_run(run_id, {"processed": report.processed, "unchanged": report.unchanged,
                                           "skipped": len(report.skipped), "quotes": report.quotes})
        report.seconds = time.perf_counter() - started
        return report

    def _run_local(self, files: list[tuple[Path, Path]], finish: Callable[[bool, Results], None],
                   skipped: list[Skipped], on_file: Callable[[], None], warn: Callable[[str], None]) -> None:
        classifier = None
        if self.stance is not None:
            from quotes.stance.process import StanceProcess

            # The model loads on first use (a re-run on unchanged articles needs none), in a child process that
            # classifies beside the parse on every core but one, and on all of them once the parse is done (with
            # one parse process, also whenever this process waits for it: StanceWorker).
            classifier = StanceProcess(self.stance.model, precision=self.stance.precision, gate=self.stance.gate,
                                       cores=available_cores())
        pipeline = Pipeline(classifier=classifier, topics=self.topics, batch_size=self.batch_size)
        workers = min(self.workers, _most_batches(files, self.batch_size))
        pool = ParsePool(workers, self.batch_size) if workers > 1 else None
        max_ahead = 2 * workers   # batches in the pool at once: every worker busy, memory bounded
        with ExitStack() as stack:
            # The stance of parsed batches is classified (in the child process) while the next ones are parsed.
            worker = stack.enter_context(StanceWorker(pipeline, lend_cores_mid_run=pool is None))
            if pool is not None:
                stack.enter_context(pool)
            if classifier is not None:
                stack.enter_context(classifier)  # closed first: an interrupted run stops the child at once
            parsing: deque[tuple[bool, _Done | _Job]] = deque()

            def hand_over(wait_all: bool) -> None:
                """Pass parsed batches, oldest first, to the stance worker; wait for the oldest only when
                too many are in the pool."""
                while parsing:
                    processed, job = parsing[0]
                    if not (wait_all or len(parsing) > max_ahead or job.ready()):
                        return
                    results, failed = job.result()
                    parsing.popleft()
                    skipped.extend(failed)
                    worker.submit(results, tag=processed, classify=processed)

            for batch in read_batches(files, self.batch_size, skipped, on_file, warn):
                todo: list[Article] = []
                for article in batch:
                    if self.is_current(article):
                        assert self.store is not None
                        parsing.append((False, _Done(([(article, self.store.quotes_for_article(article.id))], []))))
                    else:
                        todo.append(article)
                if todo:
                    if classifier is not None and not classifier.running:
                        classifier.warm_up()   # the model loads in the child while this batch is parsed
                    parsing.append((True, pool.submit(todo) if pool is not None
                                    else _Done(extract_safely(pipeline, todo))))
                hand_over(wait_all=False)
                for processed, results in worker.done():
                    finish(processed, results)
            hand_over(wait_all=True)
            for processed, results in worker.done(wait_all=True):
                finish(processed, results)

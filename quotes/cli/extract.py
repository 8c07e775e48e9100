"""``quotes extract``: find the quotes in articles, attribute them, classify their stance, store them."""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quotes.cli import app
from quotes.cli._common import GateOption, Precision, PrecisionOption, err, fail
from quotes.io.readers import Skipped, iter_files, read_file
from quotes.io.writers import QuoteWriter, atomic_output
from quotes.pipeline import Pipeline, StanceWorker, content_hash, first_batch_sizes, processing_key
from quotes.types import Article, Quote, Topic


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def model_id(path: Path) -> str:
    """Identifies a model folder and the weights in it, so that retrained weights redo the stance."""
    weights = next((p for p in (path / "model.safetensors", path / "pytorch_model.bin") if p.exists()), None)
    stamp = f"{weights.stat().st_size}-{weights.stat().st_mtime_ns}" if weights else "?"
    return f"{path.resolve()}@{stamp}"


def _batches(files: list[tuple[Path, Path]], batch_size: int, skipped: list[Skipped],
             on_file: Any) -> Iterator[list[Article]]:
    """Read files lazily into batches (a small first one, then ``batch_size`` articles: see
    :func:`first_batch_sizes`); unreadable inputs go to ``skipped``."""
    sizes = first_batch_sizes(batch_size)
    size = next(sizes)
    batch: list[Article] = []
    for file, root in files:
        if not file.exists() and not file.is_symlink():
            skipped.append(Skipped(str(file), "no such file or folder"))
        else:
            result = read_file(file, root)
            for warning in result.warnings:
                err.print(f"[yellow]warning:[/] {warning}", highlight=False)
            skipped.extend(result.skipped)
            batch.extend(result.articles)
        on_file()
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
            size = next(sizes)
    if batch:
        yield batch


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Article files or folders (.txt .md .html .json .jsonl).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="Write the quotes here (atomically); default: stdout.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.jsonl,
    topics_file: Annotated[Path | None, typer.Option("--topics", exists=True, dir_okay=False,
                                                     help="Topics TOML ([[topic]] id, phrase); default: the "
                                                          "topics shipped with quotes.")] = None,
    model: Annotated[Path | None, typer.Option("--model", help="Stance model folder; default: the default "
                                                               "model (models/stance-minilm).")] = None,
    no_stance: Annotated[bool, typer.Option("--no-stance", help="Skip stance classification.")] = False,
    precision: PrecisionOption = Precision.auto,
    gate: GateOption = True,
    store_path: Annotated[Path, typer.Option("--store", dir_okay=False,
                                             help="Results store (SQLite).")] = Path("quotes.db"),
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not write the results store.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Redo articles the store already has.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Articles per batch and per "
                                                                        "store transaction (the first "
                                                                        "batches are 2 and 4).")] = 8,
) -> None:
    """Find who said what in articles: quotes, speakers and stance, to JSONL/CSV and the store."""
    from quotes.stance.paths import ModelError
    from quotes.store import Store, StoreError

    started = time.perf_counter()
    # SIGTERM ends the run like Ctrl-C: committed batches stay, the partial output file is removed.
    signal.signal(signal.SIGTERM, _interrupt)
    topics: list[Topic] = []
    classifier = None
    mid: str | None = None
    if not no_stance:
        from quotes.stance.paths import ModelNotFoundError, check_model_dir, default_model_path
        from quotes.stance.process import StanceProcess
        from quotes.stance.topics import TopicsError, load_topics
        try:
            topics = load_topics(topics_file)
        except TopicsError as exc:
            fail(str(exc), 1)
        path = model or default_model_path()
        try:
            check_model_dir(path)
        except ModelNotFoundError as exc:
            fail(f"{exc}\n(or run without stance: quotes extract --no-stance ...)", 1)
        # The model loads on first use (a re-run on unchanged articles needs none), in a child process that
        # classifies beside the parse.
        classifier = StanceProcess(path, precision=precision.value, gate=gate)
        mid = model_id(path) + ("+int8" if precision is Precision.int8 else "") + ("" if gate else "+ungated")
    key = processing_key(mid, topics)
    pipeline = Pipeline(classifier=classifier, topics=topics, batch_size=batch_size)

    skipped: list[Skipped] = []
    files = list(iter_files(paths, skipped))
    counts: Counter[str] = Counter()
    speakers: set[str] = set()
    topic_ids = [t.id for t in topics]

    with ExitStack() as stack:
        store = None
        if not no_store:
            try:
                store = stack.enter_context(Store(store_path))
            except (StoreError, OSError, ValueError) as exc:
                fail(f"cannot open the store {store_path}: {exc}", 1)
            run_id = store.begin_run(mid, topic_ids)
        fh = stack.enter_context(atomic_output(output)) if output is not None else sys.stdout
        sink = QuoteWriter(fh, fmt.value, topic_ids)
        progress = stack.enter_context(Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=err, transient=False,
            disable=not err.is_terminal and not err.is_jupyter))
        task = progress.add_task("files", total=len(files), rate="")

        def on_file() -> None:
            progress.advance(task)

        def finish(processed: bool, results: list[tuple[Article, list[Quote]]]) -> None:
            """Store a finished batch (one transaction) and write its quotes, in input order."""
            if processed and store is not None and results:
                store.write_batch(run_id, [(a, content_hash(a), key, qs) for a, qs in results])
            for _article, quotes in results:
                counts["processed" if processed else "unchanged"] += 1
                counts["quotes"] += len(quotes)
                speakers.update(q.speaker.name for q in quotes if q.speaker)
                sink.write(q.to_dict() for q in quotes)
            elapsed = time.perf_counter() - started
            progress.update(task, rate=f"{counts['processed'] / max(elapsed, 1e-9):.1f} articles/s")

        # The stance of parsed batches is classified (in the child process) while the next ones are parsed.
        worker = stack.enter_context(StanceWorker(pipeline))
        if classifier is not None:
            stack.enter_context(classifier)  # closed first: an interrupted run stops the child at once
        try:
            for batch in _batches(files, batch_size, skipped, on_file):
                todo: list[Article] = []
                for article in batch:
                    if store is not None and not force and store.is_current(article.id, content_hash(article), key):
                        worker.submit([(article, store.quotes_for_article(article.id))], tag=False, classify=False)
                    else:
                        todo.append(article)
                if todo:
                    if classifier is not None and not classifier.running:
                        classifier.warm_up()   # the model loads in the child while this batch is parsed
                    worker.submit(_extract_safely(pipeline, todo, skipped), tag=True)
                for processed, results in worker.done():
                    finish(processed, results)
            for processed, results in worker.done(wait_all=True):
                finish(processed, results)
        except ModelError as exc:
            fail(f"{exc} (every batch before this one is stored)", 1)
        if store is not None:
            store.finish_run(run_id, {"processed": counts["processed"], "unchanged": counts["unchanged"],
                                      "skipped": len(skipped), "quotes": counts["quotes"]})

    _summary(counts, skipped, len(speakers), time.perf_counter() - started, output, store_path if not no_store
             else None)
    if counts["processed"] + counts["unchanged"] == 0:
        raise typer.Exit(1)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _extract_safely(pipeline: Pipeline, batch: list[Article],
                    skipped: list[Skipped]) -> list[tuple[Article, list[Quote]]]:
    """Extract a batch; if it fails, extract its articles one by one so that one bad article costs only
    itself."""
    try:
        return pipeline.extract_batch(batch)
    except Exception:
        results = []
        for article in batch:
            try:
                results.extend(pipeline.extract_batch([article]))
            except Exception as exc:  # one article's failure must not stop the batch
                skipped.append(Skipped(article.path or article.id, f"processing failed: {type(exc).__name__}: {exc}"))
        return results


def _summary(counts: Counter[str], skipped: list[Skipped], n_speakers: int, seconds: float,
             output: Path | None, store: Path | None) -> None:
    done = counts["processed"] + counts["unchanged"]
    rate = counts["processed"] / seconds if seconds > 0 else 0.0
    err.print(f"[bold]articles read:[/] {done} ({counts['processed']} processed, {counts['unchanged']} unchanged "
              f"since the last run)  [bold]skipped:[/] {len(skipped)}  [bold]quotes:[/] {counts['quotes']}  "
              f"[bold]speakers:[/] {n_speakers}  [dim]{seconds:.1f}s, {rate:.1f} articles/s[/]", highlight=False)
    for s in skipped:
        err.print(f"  [yellow]skipped[/] {s.path}: {s.reason}", highlight=False)
    if output is not None:
        err.print(f"wrote {output}", highlight=False)
    if store is not None:
        err.print(f"stored in {store}", highlight=False)

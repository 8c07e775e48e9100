"""``quotes extract``: find the quotes in articles, attribute them, classify their stance, store them."""

from __future__ import annotations

import signal
import sys
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quotes.cli._common import GateOption, Precision, PrecisionOption, err, fail
from quotes.cli.application import app
from quotes.io.writers import QuoteWriter, atomic_output
from quotes.pipeline import BATCH_SIZE


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class Engine(StrEnum):
    local = "local"
    ray = "ray"


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Article files or folders (.txt .md .html .json .jsonl .parquet).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="Write the quotes here (atomically); default: stdout.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format (parquet needs --output).")
                   ] = OutputFormat.jsonl,
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
                                                                        "batch is 2).")] = BATCH_SIZE,
    workers: Annotated[int | None, typer.Option("--workers", min=1, show_default=False,
                                                help="Processes that parse (each loads spaCy once); "
                                                     "default: every core.")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="local: this machine's processes; ray: a Ray "
                                                            "cluster (pip install 'quotes[ray]').")
                      ] = Engine.local,
    address: Annotated[str | None, typer.Option("--address", help="Ray cluster to join (e.g. ray://head:10001 "
                                                                  "or auto); default: a local one.")] = None,
) -> None:
    """Find who said what in articles: quotes, speakers and stance, to JSONL/CSV/Parquet and the store."""
    from quotes.driver import Extraction, ParseError, RunReport, stance_settings
    from quotes.stance.paths import ModelError, ModelNotFoundError
    from quotes.stance.topics import TopicsError
    from quotes.store import Store, StoreError

    if fmt is OutputFormat.parquet and output is None:
        fail("--format parquet writes a file: give it with --output", 2)
    if address is not None and engine is not Engine.ray:
        fail("--address is for --engine ray", 2)
    # SIGTERM ends the run like Ctrl-C: committed batches stay, the partial output file is removed.
    signal.signal(signal.SIGTERM, _interrupt)
    settings = None
    if not no_stance:
        try:
            settings = stance_settings(model, topics_file, precision.value, gate)
        except TopicsError as exc:
            fail(str(exc), 1)
        except ModelNotFoundError as exc:
            fail(f"{exc}\n(or run without stance: quotes extract --no-stance ...)", 1)

    with ExitStack() as stack:
        store = None
        if not no_store:
            try:
                store = stack.enter_context(Store(store_path))
            except (StoreError, OSError, ValueError) as exc:
                fail(f"cannot open the store {store_path}: {exc}", 1)
        try:
            run = Extraction(settings, store=store, force=force, batch_size=batch_size, workers=workers,
                             engine=engine.value, address=address)
        except ImportError as exc:
            fail(f"{exc}", 1)
        binary = fmt is OutputFormat.parquet
        fh = stack.enter_context(atomic_output(output, binary)) if output is not None else sys.stdout
        writer = QuoteWriter(fh, fmt.value, [t.id for t in run.topics])
        progress = stack.enter_context(Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=err, transient=False,
            disable=not err.is_terminal and not err.is_jupyter))
        task = progress.add_task("files", total=None, rate="")

        def on_batch(report: RunReport) -> None:
            progress.update(task, rate=f"{report.rate:.1f} articles/s")

        try:
            report = run.run(paths, lambda article, quotes: writer.write(q.to_dict() for q in quotes),
                             on_files=lambda n: progress.update(task, total=n), on_file=lambda: progress.advance(task),
                             on_batch=on_batch, warn=lambda w: err.print(f"[yellow]warning:[/] {w}", highlight=False))
        except ModelError as exc:
            fail(f"{exc} (every batch before this one is stored)", 1)
        except ParseError as exc:
            fail(f"{exc} (every batch before this one is stored)", 1)
        except ImportError as exc:  # the ray extra is not installed
            fail(str(exc), 1)
        writer.close()

    _summary(report, output, store_path if not no_store else None)
    if report.articles == 0:
        raise typer.Exit(1)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _summary(report: Any, output: Path | None, store: Path | None) -> None:
    err.print(f"[bold]articles read:[/] {report.articles} ({report.processed} processed, {report.unchanged} unchanged "
              f"since the last run)  [bold]skipped:[/] {len(report.skipped)}  [bold]quotes:[/] {report.quotes}  "
              f"[bold]speakers:[/] {len(report.speakers)}  [dim]{report.seconds:.1f}s, {report.rate:.1f} articles/s[/]",
              highlight=False)
    for s in report.skipped:
        err.print(f"  [yellow]skipped[/] {s.path}: {s.reason}", highlight=False)
    if output is not None:
        err.print(f"wrote {output}", highlight=False)
    if store is not None:
        err.print(f"stored in {store}", highlight=False)

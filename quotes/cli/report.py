"""``quotes report``: where each speaker stands on each topic, as a table, JSON, CSV or HTML."""

from __future__ import annotations

import dataclasses
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from quotes.cli._common import date_bounds, err, fail
from quotes.cli.application import app
from quotes.linking import AliasesError
from quotes.report.aggregate import ReportFilter, build_report
from quotes.report.render import build_table, render, write_atomic
from quotes.store import DEFAULT_STORE, Store, StoreError, open_store

StoreOption = Annotated[Path, typer.Option("--store", help="The results store (SQLite file).",
                                           dir_okay=False)]
AliasesOption = Annotated[Path | None, typer.Option(
    "--aliases", dir_okay=False,
    help="Aliases file (TOML) merging or renaming speakers; default: quotes-aliases.toml next to the store.")]


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


def open_for_reading(store: Path, aliases: Path | None) -> Store:
    """Open an existing store for a reading command, turning problems into clean exits."""
    try:
        return open_store(store, aliases)
    except (StoreError, AliasesError) as exc:
        fail(str(exc), 1)


def stdout_console() -> Console:
    """Rich console on stdout; wide when piped so names and quotes are not squeezed."""
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or to stdout."""
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        fail(f"cannot write {output}: {exc}", 1)
    err.print(f"wrote {output}", highlight=False)


@app.command()
def report(
    store: StoreOption = Path(DEFAULT_STORE),
    topic: Annotated[list[str] | None, typer.Option("--topic", "-t", help="Only this topic (repeatable).")] = None,
    speaker: Annotated[list[str] | None, typer.Option(
        "--speaker", "-s", help="Only this speaker: name or alias, or part of a name (repeatable).")] = None,
    min_quotes: Annotated[int, typer.Option("--min-quotes", min=1,
                                            help="Hide speaker/topic pairs with fewer quotes.")] = 1,
    since: Annotated[str | None, typer.Option(help="Only articles dated on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles dated on or before (YYYY-MM-DD).")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="Write here (atomically) instead of stdout.")] = None,
    aliases: AliasesOption = None,
    top: Annotated[int, typer.Option(min=0, help="Most confident quotes shown per label.")] = 3,
    all_rows: Annotated[bool, typer.Option("--all-rows", help="In the terminal table, also show speaker-topic "
                                                              "rows whose quotes are all 'none'.")] = False,
) -> None:
    """Per speaker and topic: quotes, for / against / none, net stance and the most confident quotes."""
    since, until = date_bounds(since, until)
    filters = ReportFilter(tuple(topic or ()), tuple(speaker or ()), min_quotes, since, until)
    html = fmt is ReportFormat.html
    with open_for_reading(store, aliases) as db:
        if db.count_quotes() == 0:
            err.print(f"store {store} holds no quotes yet; run `quotes extract` first", highlight=False)
            return
        result = build_report(db, filters, top_k=top, timeline=html, details=html)
        if not result.rows:
            known = ", ".join(db.topics()) or "none"
            err.print(f"no quotes match these filters (topics in the store: {known})", highlight=False)
            return
    if fmt is ReportFormat.table and not all_rows:
        # a journalist reads the table for who is for and who against: rows of only 'none' are noise there
        kept = [r for r in result.rows if r.favor + r.against > 0]
        if len(kept) < len(result.rows):
            err.print(f"[dim]{len(result.rows) - len(kept)} speaker-topic rows with no stance (all 'none') "
                      f"not shown; --all-rows shows them[/]", highlight=False)
        if not kept:
            err.print("no speaker takes a position on these topics", highlight=False)
            return
        result = dataclasses.replace(result, rows=kept)
    if fmt is ReportFormat.table and output is None:
        stdout_console().print(build_table(result))
        return
    emit(render(result, fmt.value), output)

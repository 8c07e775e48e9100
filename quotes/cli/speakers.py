"""``quotes speakers``: every canonical speaker with aliases, article and quote counts."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from quotes.cli._common import err
from quotes.cli.application import app
from quotes.cli.report import AliasesOption, StoreOption, emit, open_for_reading, stdout_console
from quotes.store import DEFAULT_STORE, SpeakerRow


class SpeakersFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def speakers_table(rows: list[SpeakerRow]) -> Table:
    table = Table(title="Speakers")
    table.add_column("id", justify="right", style="dim")
    table.add_column("Speaker", style="bold")
    table.add_column("kind")
    table.add_column("articles", justify="right")
    table.add_column("quotes", justify="right")
    table.add_column("aliases")
    for r in rows:
        table.add_row(str(r.id), r.name, r.kind, str(r.articles), str(r.quotes), ", ".join(r.aliases))
    return table


def speakers_csv(rows: list[SpeakerRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "name", "kind", "articles", "quotes", "aliases"])
    for r in rows:
        writer.writerow([r.id, r.name, r.kind, r.articles, r.quotes, "|".join(r.aliases)])
    return buf.getvalue()


@app.command()
def speakers(
    store: StoreOption = Path(DEFAULT_STORE),
    aliases: AliasesOption = None,
    fmt: Annotated[SpeakersFormat, typer.Option("--format", "-f", help="Output format.")] = SpeakersFormat.table,
    min_quotes: Annotated[int, typer.Option("--min-quotes", min=0, help="Hide speakers with fewer quotes.")] = 0,
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="Write here (atomically) instead of stdout.")] = None,
) -> None:
    """List speakers linked across articles, with their aliases and how often they are quoted."""
    with open_for_reading(store, aliases) as db:
        rows = db.speakers(min_quotes=min_quotes)
    if not rows:
        err.print(f"store {store} has no speakers yet", highlight=False)
        return
    if fmt is SpeakersFormat.table:
        if output is None:
            stdout_console().print(speakers_table(rows))
            return
        buf = io.StringIO()
        Console(file=buf, width=160).print(speakers_table(rows))
        emit(buf.getvalue(), output)
    elif fmt is SpeakersFormat.json:
        emit(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2) + "\n", output)
    else:
        emit(speakers_csv(rows), output)

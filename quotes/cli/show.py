"""``quotes show``: one stored article with its quotes highlighted, speakers and stance per topic."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from quotes.cli._common import fail
from quotes.cli.application import app
from quotes.cli.report import StoreOption, open_for_reading
from quotes.store import DEFAULT_STORE, StoreError
from quotes.types import Article, Quote

_LABEL_STYLE = {"favor": "green", "against": "red", "none": "dim"}


def highlighted(article: Article, quotes: list[Quote]) -> Text:
    """The article text with quote content, cues and speaker mentions styled, and ``[n]`` markers."""
    text = article.text
    base = Text(text)
    for q in quotes:
        if q.speaker and q.speaker.start is not None and q.speaker.end is not None:
            base.stylize("bold cyan", q.speaker.start, q.speaker.end)
        if q.cue:
            base.stylize("underline", q.cue.start, q.cue.end)
        base.stylize("black on yellow", q.content.start, q.content.end)
    out = Text()
    at = 0
    for q in sorted(quotes, key=lambda q: (q.content.start, q.index)):
        start = max(at, min(q.content.start, len(text)))
        out.append_text(base[at:start])
        out.append(f"[{q.index}]", style="bold magenta")
        at = start
    out.append_text(base[at:])
    return out


def quotes_table(quotes: list[Quote]) -> Table:
    topics = sorted({t for q in quotes for t in q.stance})
    table = Table(title="Quotes")
    table.add_column("#", justify="right", style="bold magenta")
    table.add_column("speaker", style="bold cyan")
    table.add_column("kind")
    table.add_column("conf", justify="right")
    for topic in topics:
        table.add_column(topic)
    table.add_column("quote", ratio=1)
    for q in quotes:
        who = Text(q.speaker.name if q.speaker else "(unknown)")
        if q.speaker and q.speaker.mention and q.speaker.mention != q.speaker.name:
            who.append(f"\nas “{q.speaker.mention}”", style="dim")
        stance = [Text(f"{s.label} {s.score:.2f}", style=_LABEL_STYLE.get(s.label, ""))
                  if (s := q.stance.get(t)) else Text("–", style="dim") for t in topics]
        snippet = q.content.text if len(q.content.text) <= 160 else q.content.text[:159] + "…"
        table.add_row(str(q.index), who, q.kind, f"{q.confidence:.2f}", *stance, Text(snippet))
    return table


@app.command()
def show(
    article: Annotated[str, typer.Argument(help="Article id, or a unique prefix of one.")],
    store: StoreOption = Path(DEFAULT_STORE),
) -> None:
    """Print a stored article with its quotes highlighted, each quote's speaker and stance."""
    with open_for_reading(store, None) as db:
        try:
            found = db.find_article(article)
        except StoreError as exc:
            fail(str(exc), 1)
        quotes = db.quotes_for_article(found.id)
    head = Text(found.title or found.id, style="bold")
    for extra in (found.date, found.url, found.path, f"id {found.id}"):
        if extra:
            head.append(f"\n{extra}", style="dim")
    console = Console(width=None if sys.stdout.isatty() else 120)
    console.print(Panel(Group(head), expand=False))
    console.print(highlighted(found, quotes))
    console.print()
    if quotes:
        console.print(quotes_table(quotes))
    else:
        console.print(Text("No quotes found in this article.", style="dim"))

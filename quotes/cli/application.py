"""The Typer app every command module adds its command to (``@app.command()``)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="quotes",
    help="Find who said what in news articles and where each speaker stands on your topics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

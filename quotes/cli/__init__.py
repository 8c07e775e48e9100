"""The ``quotes`` command line: one module per command, wired together here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="quotes",
    help="Find who said what in news articles and where each speaker stands on your topics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    """Import the command modules; each registers its command on ``app``."""
    from quotes.cli import classify, evaluate, extract, report, sample, show, speakers, train  # noqa: F401


def main() -> None:
    _register()
    app()

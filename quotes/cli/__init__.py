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
    # Each command module registers itself on ``app`` when imported.
    from quotes.cli import extract  # noqa: F401
    for name in ("train", "evaluate", "classify", "report", "speakers", "show"):
        try:
            __import__(f"quotes.cli.{name}")
        except ModuleNotFoundError as exc:  # a command still being built is simply absent
            if exc.name != f"quotes.cli.{name}":
                raise


def main() -> None:
    _register()
    app()

"""Helpers shared by the CLI commands: the stderr console and error exits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code`` (1 failure, 2 usage error)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


# Options shared by the commands that run the stance model.
ModelOption = Annotated[Path | None, typer.Option(
    help="Model folder (default: models/stance-minilm, or $QUOTES_MODEL).", show_default=False)]
BatchSizeOption = Annotated[int, typer.Option(help="Prediction batch size.", min=1)]
Int8Option = Annotated[bool, typer.Option("--int8", help="Run the stance model with 8-bit weights on the CPU: "
                                                         "about twice as fast, slightly less accurate.")]

"""Helpers shared by the CLI commands: the stderr console and error exits."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code`` (1 failure, 2 usage error)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def date_bounds(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """``--since`` and ``--until`` as the store compares them (YYYY[-MM[-DD]] made whole); a usage error
    (exit 2) when one is malformed or the range is empty."""
    from quotes.report.aggregate import parse_date_bound

    try:
        low = parse_date_bound(since, "--since") if since else None
        high = parse_date_bound(until, "--until") if until else None
    except ValueError as exc:
        fail(str(exc), 2)
    if low and high and low > high:
        fail(f"--since {low} is after --until {high}", 2)
    return low, high


# Options shared by the commands that run the stance model.
ModelOption = Annotated[Path | None, typer.Option(
    help="Model folder (default: models/stance-minilm, or $QUOTES_MODEL).", show_default=False)]
BatchSizeOption = Annotated[int, typer.Option(help="Prediction batch size.", min=1)]


class Precision(StrEnum):
    """Number formats of the stance model, as CLI choices: the values of :data:`quotes.stance.paths.PRECISIONS`
    (a test keeps the two equal)."""

    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"
    int8 = "int8"


PrecisionOption = Annotated[Precision, typer.Option(
    help="Number format of the stance model: auto (bf16 where the CPU computes it natively, else fp32), fp32, "
         "bf16, or int8 (8-bit weights on the CPU: fastest, slightly less accurate).")]

GateOption = Annotated[bool, typer.Option(
    "--gate/--no-gate",
    help="Relevance gate: label a pair 'none' without classifying it when statement and topic are unrelated "
         "(the model's config.json sets how related they must be; a model without one is never gated).")]

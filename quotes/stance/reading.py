"""How a stance model reads a (topic, statement) pair, in plain torch: the masks of split and one-way reading,
mean pooling and the classification head.

The one home of these computations, shared by the transformers model that is trained and evaluated
(:class:`quotes.stance.modeling.MeanPoolingBertForSequenceClassification`) and the torch-only reader that the
stance child process runs (:mod:`quotes.stance.inference`). This module imports torch only, never transformers.

:class:`PairReader` needs of the class it is mixed into: ``bert`` (with ``embeddings`` and ``encoder.layer``,
laid out as transformers' ``BertModel``), ``dropout``, ``classifier``, ``split_layers``, ``one_way``,
``segmented`` and :meth:`PairReader._full_forward`. How split layers and one-way reading work:
:mod:`quotes.stance.modeling`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

MODEL_TYPE = "quotes-stance"   # a stance model's config type (StanceConfig in quotes.stance.modeling)
POOLING_KEY = "pooling"
SPLIT_KEY = "split_layers"
ONE_WAY_KEY = "one_way"
# token type of each segment of a split-layer model's input: the statement first, then the topic
STATEMENT_SEGMENT, TOPIC_SEGMENT = 0, 1


def one_way(config: Any) -> bool:
    """Whether only the topic's tokens read the statement above the split (the statement never reads the
    topic, so it is read once for every topic)."""
    return bool(getattr(config, ONE_WAY_KEY, False))


def split_layers(config: Any) -> int:
    """How many lower layers of a model read statement and topic apart (0: a full cross-encoder)."""
    return int(getattr(config, SPLIT_KEY, 0) or 0)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The mean of the token vectors the attention mask keeps: how a sentence encoder such as all-MiniLM-L6-v2
    turns its tokens into one vector (used by the classifier's head and the relevance gate)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def additive_mask(allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """An attention mask to add to attention scores: 0 where ``allowed``, the dtype's minimum elsewhere."""
    zero = torch.zeros((), dtype=dtype, device=allowed.device)
    return torch.where(allowed, zero, torch.finfo(dtype).min)


def heads(states: torch.Tensor, attention: Any) -> torch.Tensor:
    """``(batch, tokens, hidden)`` projections split into attention heads: ``(batch, heads, tokens, head size)``."""
    batch, tokens, _ = states.shape
    return states.view(batch, tokens, -1, attention.attention_head_size).transpose(1, 2)


class PairReader:
    """The reading of a pair by a mean-pooling BERT classifier: the whole pair, split layers, or one way."""

    bert: Any
    dropout: nn.Module
    classifier: nn.Module
    split_layers: int
    one_way: bool
    segmented: bool
    # Whether the model's layers take attention masks as booleans (True: may read), which torch's
    # scaled_dot_product_attention computes faster than additive ones on the CPU; transformers' layers take
    # additive masks.
    boolean_masks: bool = False

    def _mask(self, allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """An attention mask for the model's layers, in the form they take (see ``boolean_masks``)."""
        return allowed if self.boolean_masks else additive_mask(allowed, dtype)

    def _full_forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                      token_type_ids: torch.Tensor | None) -> torch.Tensor:
        """The last hidden states of a full cross-encoder's input (every token reads every other)."""
        raise NotImplementedError

    def pair_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                    token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Logits of tokenized pairs (see ``quotes.stance.classifier.encode_pairs``), read as the model reads them."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if self.segmented:
            if token_type_ids is None:
                raise ValueError("a split-layer model needs token_type_ids: 0 for the statement, 1 for the topic")
            hidden = self._split_forward(input_ids, attention_mask, token_type_ids)
            if self.one_way:  # the pair is read in the topic's tokens: pool those
                attention_mask = attention_mask * (token_type_ids == TOPIC_SEGMENT)
        else:
            hidden = self._full_forward(input_ids, attention_mask, token_type_ids)
        return self._head(hidden, attention_mask)

    def _head(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits from the last hidden states: attention-masked mean, dropout, linear."""
        return self.classifier(self.dropout(mean_pool(hidden, attention_mask)))

    def _split_forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                       token_type_ids: torch.Tensor) -> torch.Tensor:
        """Last hidden states of ``[CLS] statement [SEP] [CLS] topic [SEP]`` inputs (padded at the end): each
        segment's positions count from 0, and the lower ``split_layers`` attend only within a segment."""
        length = input_ids.shape[1]
        valid = attention_mask.bool()
        topic = (token_type_ids == TOPIC_SEGMENT) & valid
        statement_length = (valid & ~topic).sum(dim=1, keepdim=True)
        steps = torch.arange(length, device=input_ids.device).unsqueeze(0)
        positions = torch.where(topic, steps - statement_length, steps).clamp(min=0)
        hidden = self.bert.embeddings(input_ids=input_ids, token_type_ids=token_type_ids, position_ids=positions)
        same_segment = topic.unsqueeze(2) == topic.unsqueeze(1)
        apart = self._mask((same_segment & valid.unsqueeze(1)).unsqueeze(1), hidden.dtype)
        if self.one_way:  # only the topic's tokens read the statement; the statement's never read the topic
            reads = topic.unsqueeze(2) | ~topic.unsqueeze(1)
            together = self._mask((reads & valid.unsqueeze(1)).unsqueeze(1), hidden.dtype)
        else:
            together = self._mask(valid[:, None, None, :], hidden.dtype)
        for i, layer in enumerate(self.bert.encoder.layer):
            hidden = layer(hidden, apart if i < self.split_layers else together)
        return hidden

    def encode_segment(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, segment: int) -> torch.Tensor:
        """The lower layers' states of a batch of single segments (``[CLS] text [SEP]``, padded at the end), all
        statements (``segment`` 0) or all topics (1): what :meth:`classify_states` reads, concatenated."""
        types = torch.full_like(input_ids, segment)
        hidden = self.bert.embeddings(input_ids=input_ids, token_type_ids=types)
        mask = self._mask(attention_mask.bool()[:, None, None, :], hidden.dtype)
        for layer in self.bert.encoder.layer[: self.split_layers]:
            hidden = layer(hidden, mask)
        return hidden

    def classify_states(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits from lower-layer states of statement and topic concatenated (padded at the end)."""
        mask = self._mask(attention_mask.bool()[:, None, None, :], hidden.dtype)
        for layer in self.bert.encoder.layer[self.split_layers:]:
            hidden = layer(hidden, mask)
        return self._head(hidden, attention_mask)

    # -- one way: the statement is read once, alone, and each topic reads it ----------------------------

    def read_statements(self, input_ids: torch.Tensor,
                        attention_mask: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """A one-way model's statement side: the layers on the statements alone (``[CLS] text [SEP]``, padded at
        the end). Returns, for each layer above the split, the attention keys and values of the statement's tokens
        (``(batch, heads, tokens, head size)``), which is all the topic's tokens read of it (the last layer's
        output for the statement is never needed, so that layer only projects keys and values)."""
        hidden = self.bert.embeddings(input_ids=input_ids, token_type_ids=torch.full_like(input_ids, 0))
        mask = self._mask(attention_mask.bool()[:, None, None, :], hidden.dtype)
        keys_values = []
        layers: Any = self.bert.encoder.layer
        for i, layer in enumerate(layers):
            if i >= self.split_layers:
                attention = layer.attention.self
                keys_values.append((heads(attention.key(hidden), attention), heads(attention.value(hidden), attention)))
            if i < len(layers) - 1:
                hidden = layer(hidden, mask)
        return keys_values

    def read_topics(self, topics: torch.Tensor, topic_mask: torch.Tensor, statement_mask: torch.Tensor,
                    keys_values: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """A one-way model's logits, every topic of a batch of statements at once: ``(batch, slots, 3)``.

        ``topics`` are ``(batch, slots, tokens, hidden)`` lower-layer states of the topics to read against each
        statement (from :meth:`encode_segment`, padded at the end of each slot; ``topic_mask`` says which tokens
        are real), ``keys_values`` the statements' keys and values (from :meth:`read_statements`, the same batch,
        ``statement_mask`` its padding). In every layer above the split a topic's tokens read the statement and
        their own topic's tokens, never another slot's, so each slot computes what the topic alone would; the
        statement's keys and values are shared by its slots instead of being copied for each pair. Each slot is
        pooled over its topic's tokens, the only ones that read both."""
        batch, slots, length, size = topics.shape
        valid = topic_mask.bool()
        slot = torch.arange(slots, device=topics.device).repeat_interleave(length)
        own_slot = (slot[:, None] == slot[None, :]) & valid.reshape(batch, 1, slots * length)
        reads = torch.cat([statement_mask.bool()[:, None, :].expand(batch, slots * length, -1), own_slot], dim=2)
        mask = reads.unsqueeze(1)  # read here by scaled_dot_product_attention itself, which takes booleans
        hidden = topics.reshape(batch, slots * length, size)
        layers: Any = self.bert.encoder.layer[self.split_layers:]
        for layer, (keys, values) in zip(layers, keys_values, strict=True):
            attention = layer.attention.self
            read = nn.functional.scaled_dot_product_attention(
                heads(attention.query(hidden), attention),
                torch.cat([keys, heads(attention.key(hidden), attention)], dim=2),
                torch.cat([values, heads(attention.value(hidden), attention)], dim=2),
                attn_mask=mask, scale=attention.scaling)
            read = read.transpose(1, 2).reshape(hidden.shape)
            attended = layer.attention.output(read, hidden)
            hidden = layer.output(layer.intermediate(attended), attended)
        pooled = mean_pool(hidden.reshape(batch * slots, length, size), topic_mask.reshape(batch * slots, length))
        return self.classifier(self.dropout(pooled)).reshape(batch, slots, -1)

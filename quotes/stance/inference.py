"""The stance model and the gate's sentence encoder read in plain torch, without transformers.

Importing transformers (with its model classes, which bring ``torch._dynamo`` and ``torch.distributed``) was
most of the stance child's start before it could classify anything, in a one-article ``quotes extract``
(figures: docs/benchmarks.md). Inference needs none of it: a BERT encoder is embeddings,
self-attention, a feed-forward block and layer norms. This module reads a saved model folder directly:
``config.json`` with :mod:`json`, ``model.safetensors`` with :mod:`safetensors`, ``tokenizer.json`` with the
``tokenizers`` library, and computes what transformers' ``BertModel`` computes (its module names, so that the
saved weights load as they are, and its operations, in its order). How a pair is read (split layers, one way,
pooling, the head) is shared with the transformers model that is trained: :mod:`quotes.stance.reading`.

The transformers path stays the one for training and evaluation; the stance child reads with this one
(``StanceClassifier.load(..., torch_only=True)``) wherever a folder is one it can read
(:func:`torch_unreadable` says why not, otherwise). Tests check both give the same probabilities.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple, TypeVar

import torch
from torch import nn

from quotes.stance.paths import ModelError
from quotes.stance.reading import MODEL_TYPE, PairReader, heads, one_way, split_layers

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
BERT_TOKENIZERS = ("BertTokenizer", "BertTokenizerFast")


class Hidden(NamedTuple):
    """An encoder's output, named as transformers names it."""

    last_hidden_state: torch.Tensor


class Logits(NamedTuple):
    """A classifier's output, named as transformers names it."""

    logits: torch.Tensor


def read_config(path: Path) -> SimpleNamespace:
    """A model folder's ``config.json`` as attributes (``id2label`` keys stay strings, as in the file)."""
    try:
        config = json.loads((Path(path) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {Path(path) / CONFIG_FILE}: {exc}") from exc
    if not isinstance(config, dict):
        raise ModelError(f"{Path(path) / CONFIG_FILE} is not a JSON object")
    return SimpleNamespace(**config)


def torch_unreadable(path: Path, *, stance: bool = True) -> str | None:
    """Why this module cannot read the model folder at ``path`` (None: it can). ``stance``: a stance classifier
    (``quotes-stance`` config); otherwise a plain BERT encoder (the gate's)."""
    path = Path(path)
    for name in (CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE):
        if not (path / name).is_file():
            return f"no {name}"
    try:
        config = read_config(path)
        tokenizer_config = json.loads((path / TOKENIZER_CONFIG_FILE).read_text(encoding="utf-8"))
    except (ModelError, OSError, ValueError) as exc:
        return str(exc)
    model_type = getattr(config, "model_type", None)
    if model_type != (MODEL_TYPE if stance else "bert"):
        return f"model type {model_type!r}"
    if getattr(config, "hidden_act", "gelu") != "gelu" or getattr(config, "position_embedding_type",
                                                                    "absolute") != "absolute":
        return "an activation or position embedding other than BERT's"
    if getattr(config, "is_decoder", False) or (stance and getattr(config, "pooling", "mean") != "mean"):
        return "a decoder or a pooling other than mean"
    if tokenizer_config.get("tokenizer_class") not in BERT_TOKENIZERS:
        return f"tokenizer class {tokenizer_config.get('tokenizer_class')!r}"
    if tokenizer_config.get("padding_side", "right") != "right":
        return "padding on the left"
    return None


# -- BERT, as transformers' BertModel computes it (eval mode: no dropout) -----------------------------------

# Modules are built without weights, on the meta device, and take the saved ones as they load (``assign``): no time
# goes into initializing weights that are replaced at once (and initializing an embedding on the meta device
# imports torch._dynamo, which this module exists to avoid, so embeddings get an empty meta tensor as their
# weight instead).
META = torch.device("meta")


def _embedding(count: int, size: int) -> nn.Embedding:
    return nn.Embedding(count, size, _weight=torch.empty(count, size, device=META))



class Embeddings(nn.Module):
    def __init__(self, config: Any) -> None:
        super().__init__()
        self.word_embeddings = _embedding(config.vocab_size, config.hidden_size)
        self.position_embeddings = _embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = _embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps, device=META)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        if position_ids is None:
            position_ids = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)


class SelfAttention(nn.Module):
    def __init__(self, config: Any) -> None:
        super().__init__()
        if config.hidden_size % config.num_attention_heads:
            raise ModelError(f"hidden size {config.hidden_size} is not a multiple of "
                             f"{config.num_attention_heads} attention heads")
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.scaling = self.attention_head_size ** -0.5
        self.query = nn.Linear(config.hidden_size, config.hidden_size, device=META)
        self.key = nn.Linear(config.hidden_size, config.hidden_size, device=META)
        self.value = nn.Linear(config.hidden_size, config.hidden_size, device=META)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        read = nn.functional.scaled_dot_product_attention(
            heads(self.query(hidden), self), heads(self.key(hidden), self), heads(self.value(hidden), self),
            attn_mask=mask, scale=self.scaling)
        return read.transpose(1, 2).reshape(hidden.shape)


class Residual(nn.Module):
    """A dense projection added to the block's input, then layer-normed (BertSelfOutput and BertOutput)."""

    def __init__(self, config: Any, size_in: int) -> None:
        super().__init__()
        self.dense = nn.Linear(size_in, config.hidden_size, device=META)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps, device=META)

    def forward(self, hidden: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(hidden) + input_tensor)


class Attention(nn.Module):
    def __init__(self, config: Any) -> None:
        super().__init__()
        self.self = SelfAttention(config)
        self.output = Residual(config, config.hidden_size)


class Intermediate(nn.Module):
    def __init__(self, config: Any) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size, device=META)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(hidden))


class Layer(nn.Module):
    def __init__(self, config: Any) -> None:
        super().__init__()
        self.attention = Attention(config)
        self.intermediate = Intermediate(config)
        self.output = Residual(config, config.intermediate_size)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        attended = self.attention.output(self.attention.self(hidden, mask), hidden)
        return self.output(self.intermediate(attended), attended)


class Encoder(nn.Module):
    def __init__(self, config: Any) -> None:
        super().__init__()
        self.layer = nn.ModuleList(Layer(config) for _ in range(config.num_hidden_layers))


class BertEncoder(nn.Module):
    """BERT's embeddings and layers (no pooler); called as transformers' ``BertModel`` is."""

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.encoder = Encoder(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> Hidden:
        hidden = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        # as transformers builds it for scaled_dot_product_attention: none without padding, else keys to read
        mask = None if attention_mask is None or bool(attention_mask.all()) else attention_mask.bool()[:, None, None, :]
        for layer in self.encoder.layer:
            hidden = layer(hidden, mask)
        return Hidden(hidden)


class TorchStanceModel(PairReader, nn.Module):
    """A ``quotes-stance`` classifier (BERT, mean pooling, linear head) read in plain torch; the methods the
    classifier calls are :class:`~quotes.stance.reading.PairReader`'s, as for the transformers model."""

    boolean_masks = True   # its layers call scaled_dot_product_attention, which reads boolean masks faster

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.config = config
        self.bert = BertEncoder(config)
        self.dropout = nn.Identity()   # inference only
        self.classifier = nn.Linear(config.hidden_size, len(config.id2label), device=META)
        self.split_layers = split_layers(config)
        if not 0 <= self.split_layers < config.num_hidden_layers:
            raise ModelError(f"split_layers must be from 0 to {config.num_hidden_layers - 1}, got {self.split_layers}")
        self.one_way = one_way(config)
        self.segmented = self.split_layers > 0 or self.one_way

    def _full_forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                      token_type_ids: torch.Tensor | None) -> torch.Tensor:
        return self.bert(input_ids, attention_mask, token_type_ids).last_hidden_state

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> Logits:
        return Logits(self.pair_logits(input_ids, attention_mask, token_type_ids))


_Loaded = TypeVar("_Loaded", bound=nn.Module)


def _load_weights(model: nn.Module, path: Path) -> nn.Module:
    """``model`` (built on the meta device) with the weights of ``path``'s ``model.safetensors``; a checkpoint
    of a bare encoder may lack the ``bert.`` prefix its names have in a classifier's."""
    from safetensors.torch import load_file

    file = Path(path) / WEIGHTS_FILE
    try:
        saved = load_file(str(file))
    except Exception as exc:  # safetensors raises its own error types
        raise ModelError(f"cannot read the weights in {file}: {exc}") from exc
    wanted = list(model.state_dict())
    if isinstance(model, BertEncoder) and not any(k in saved for k in wanted):
        saved = {k.removeprefix("bert."): v for k, v in saved.items()}
    missing = [k for k in wanted if k not in saved]
    if missing:
        raise ModelError(f"{file} lacks {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}")
    model.load_state_dict({k: saved[k] for k in wanted}, assign=True)
    return model.eval()


def _load(kind: type[_Loaded], path: Path) -> _Loaded:
    loaded = _load_weights(kind(read_config(path)), path)
    assert isinstance(loaded, kind)
    return loaded


def load_stance_model(path: Path) -> TorchStanceModel:
    """The stance classifier of a ``quotes-stance`` folder, in fp32 on the CPU."""
    return _load(TorchStanceModel, path)


def load_encoder(path: Path) -> BertEncoder:
    """The BERT encoder of a folder (a base encoder such as all-MiniLM-L6-v2), in fp32 on the CPU."""
    return _load(BertEncoder, path)


# -- the tokenizer --------------------------------------------------------------------------------------


class FastTokenizer:
    """A folder's ``tokenizer.json`` read with the ``tokenizers`` library, called as the classifier and the gate
    call transformers' tokenizer (what transformers' fast ``BertTokenizer`` runs is that same file): lists of
    texts (or pairs), truncation to ``max_length`` (``True``: longest first; ``"only_second"``), no padding,
    then :meth:`pad`. The settings saved in ``tokenizer.json`` (a fixed padding, a truncation) are not used,
    as transformers does not use them unless asked."""

    model_input_names = ("input_ids", "token_type_ids", "attention_mask")

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        file = Path(path) / TOKENIZER_FILE
        try:
            self._tokenizer = Tokenizer.from_file(str(file))
        except Exception as exc:  # tokenizers raises its own error types
            raise ModelError(f"cannot read the tokenizer {file}: {exc}") from exc
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        try:
            settings = json.loads((Path(path) / TOKENIZER_CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            settings = {}
        pad = settings.get("pad_token", "[PAD]")
        pad_id = self._tokenizer.token_to_id(pad if isinstance(pad, str) else "[PAD]")
        if pad_id is None:
            raise ModelError(f"the tokenizer {file} has no padding token {pad!r}")
        self.pad_token_id = pad_id
        self.pad_token_type_id = int(settings.get("pad_token_type_id", 0))

    def __call__(self, text: str | Sequence[str], text_pair: Sequence[str] | None = None, *,
                 truncation: bool | str = False, max_length: int | None = None,
                 padding: bool = False) -> dict[str, Any]:
        if padding:
            raise ValueError("FastTokenizer does not pad while tokenizing; call pad()")
        single = isinstance(text, str)
        texts = [text] if isinstance(text, str) else list(text)
        if truncation and max_length is not None:
            strategy = "only_second" if truncation == "only_second" else "longest_first"
            self._tokenizer.enable_truncation(max_length, strategy=strategy)
        try:
            if text_pair is None:
                encodings = self._tokenizer.encode_batch(texts)
            else:
                encodings = self._tokenizer.encode_batch(list(zip(texts, text_pair, strict=True)))
        except Exception as exc:  # e.g. a topic longer than max_length on its own
            raise ValueError(str(exc)) from exc
        finally:
            self._tokenizer.no_truncation()
        out = {"input_ids": [e.ids for e in encodings], "token_type_ids": [e.type_ids for e in encodings],
               "attention_mask": [e.attention_mask for e in encodings]}
        return {k: v[0] for k, v in out.items()} if single else out

    def pad(self, features: Any, padding: bool = True, return_tensors: str = "pt") -> dict[str, torch.Tensor]:
        """Rows padded at the end to the longest: ``features`` a list of dicts or a dict of lists."""
        if isinstance(features, dict):
            keys = list(features)
            rows = [dict(zip(keys, values, strict=True)) for values in zip(*features.values(), strict=True)]
        else:
            rows = list(features)
        if not rows:
            raise ValueError("nothing to pad")
        length = max(len(row["input_ids"]) for row in rows)
        fill = {"input_ids": self.pad_token_id, "token_type_ids": self.pad_token_type_id, "attention_mask": 0}
        out: dict[str, torch.Tensor] = {}
        for key in rows[0]:
            out[key] = torch.tensor([list(row[key]) + [fill.get(key, 0)] * (length - len(row[key])) for row in rows],
                                    dtype=torch.long)
        if "attention_mask" not in out:
            out["attention_mask"] = torch.tensor([[1] * len(row["input_ids"]) + [0] * (length - len(row["input_ids"]))
                                                  for row in rows], dtype=torch.long)
        return out

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        return [self._tokenizer.id_to_token(int(i)) or "" for i in ids]

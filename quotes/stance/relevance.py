"""Topic relevance: how related a statement is to a topic, read from sentence embeddings.

A statement that is not about a topic takes no stance on it. The stance classifier is trained to read
arguments, and on statements about something else it still finds favor or against now and then (how often:
docs/stance.md). The relevance gate asks a simpler question. It
embeds statements and topic phrases once each with the sentence encoder all-MiniLM-L6-v2, which was trained to put
related meanings close together, and scores each pair by cosine similarity. A pair below the model's threshold is
``none``. A two-way model gates first and classifies only the rest; a one-way model, whose per-pair cost is
smaller than the gate's reading of a statement, classifies every pair and gates the favor/against ones (the same
labels; see ``StanceClassifier.predict``).

The threshold is set when a model is trained, from the training data alone: the similarity that
``quantile`` (default 1 %) of the training pairs labelled favor or against fall below. The gate then drops
1 in 100 of the training statements that do take a stance. It is written to the model's ``config.json``
(``gate_threshold``, and ``gate``: how it was fitted); a model without a threshold runs ungated. (Folders saved
before that kept it in ``relevance.json``, which is still read.)

    gate = RelevanceGate.load(threshold=0.075)
    gate.similarity([("Western sanctions on Russia", "The minister said the embargo must stay.")])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from quotes.stance.paths import ModelError, installed_encoder_path

GATE_FILE = "relevance.json"   # where folders saved before the config class kept the gate
CONFIG_FILE = "config.json"
DEFAULT_QUANTILE = 0.01
ENCODER_NAME = "all-MiniLM-L6-v2"
# all-MiniLM-L6-v2 was trained on inputs of up to 256 word pieces (sentence-transformers' max_seq_length).
ENCODER_MAX_LENGTH = 256


class RelevanceGate:
    """Cosine similarity of mean-pooled all-MiniLM-L6-v2 embeddings, and the threshold a pair must reach."""

    def __init__(self, model: Any, tokenizer: Any, threshold: float, max_length: int = ENCODER_MAX_LENGTH) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.threshold = float(threshold)
        self.max_length = max_length

    @classmethod
    def load(cls, threshold: float = 0.0, encoder: Path | None = None, *, precision: str = "fp32",
             device: str = "cpu") -> RelevanceGate:
        """The gate with the sentence encoder at ``encoder`` (default: the installed all-MiniLM-L6-v2), in
        ``precision`` (``fp32`` or ``bf16``; ``int8`` works but moves similarities too much for the threshold,
        so an int8 classifier's gate runs in bf16 or fp32)."""
        from transformers import AutoModel, AutoTokenizer

        from quotes.stance.runtime import quiet_transformers, to_precision

        path = encoder if encoder is not None else installed_encoder_path()
        try:
            with quiet_transformers():
                tokenizer = AutoTokenizer.from_pretrained(str(path))
                model = AutoModel.from_pretrained(str(path))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the relevance encoder at {path}: {exc}") from exc
        return cls(to_precision(model, precision, device), tokenizer, threshold)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings, shape ``(len(texts), dim)``, in input order (length-sorted batches)."""
        from quotes.stance.modeling import mean_pool
        from quotes.stance.runtime import length_batches

        if not texts:
            return np.zeros((0, self.model.config.hidden_size), dtype=np.float32)
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        lengths = [len(ids) for ids in encoded["input_ids"]]
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for batch in length_batches(lengths, batch_size):
                inputs = self.tokenizer.pad({k: [v[i] for i in batch] for k, v in encoded.items()},
                                            padding=True, return_tensors="pt")
                inputs = {k: v.to(device) for k, v in inputs.items()}
                pooled = mean_pool(self.model(**inputs).last_hidden_state.float(), inputs["attention_mask"])
                out[batch] = torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy()
        return out

    def similarity(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        """Cosine similarity of each ``(topic, statement)`` pair; each distinct text is embedded once."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        topics = list(dict.fromkeys(t for t, _ in pairs))
        statements = list(dict.fromkeys(s for _, s in pairs))
        t_index = {t: i for i, t in enumerate(topics)}
        s_index = {s: i for i, s in enumerate(statements)}
        t_vec = self.embed(topics, batch_size)
        s_vec = self.embed(statements, batch_size)
        rows = np.array([t_index[t] for t, _ in pairs])
        cols = np.array([s_index[s] for _, s in pairs])
        return np.einsum("ij,ij->i", t_vec[rows], s_vec[cols])


def fit_threshold(similarities: np.ndarray, labels: Sequence[str], quantile: float = DEFAULT_QUANTILE) -> float:
    """The similarity that ``quantile`` of the stance-bearing (favor/against) pairs fall below: an observed
    similarity (the lower one where the quantile falls between two), so with few examples nothing is gated."""
    stance = np.asarray(similarities)[[label != "none" for label in labels]]
    if stance.size == 0:
        raise ValueError("no favor or against examples to set the relevance threshold from")
    return float(np.quantile(stance, quantile, method="lower"))


def read_gate_settings(model_dir: Path) -> dict[str, Any] | None:
    """The gate settings saved with a model (``config.json``'s ``gate_threshold`` and ``gate``, or an older
    folder's ``relevance.json``), or ``None`` for an ungated model."""
    config = _read_config(Path(model_dir))
    if config.get("gate_threshold") is not None:
        return {**(config.get("gate") or {}), "threshold": float(config["gate_threshold"])}
    path = Path(model_dir) / GATE_FILE
    if not path.is_file():
        return None
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
        float(settings["threshold"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path} is not a valid relevance gate file ({exc}); retrain the model or delete "
                         "the file to run without the gate") from exc
    return dict(settings)


def write_gate_settings(model_dir: Path, settings: dict[str, Any]) -> None:
    """Store the gate in the model's ``config.json``: its threshold, and how it was fitted."""
    path = Path(model_dir) / CONFIG_FILE
    config = _read_config(Path(model_dir))
    config["gate_threshold"] = float(settings["threshold"])
    config["gate"] = {k: v for k, v in settings.items() if k != "threshold"}
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _read_config(model_dir: Path) -> dict[str, Any]:
    try:
        config = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}

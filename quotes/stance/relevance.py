"""Topic relevance: how related a statement is to a topic, read from the sentence encoder's token vectors.

A statement that is not about a topic takes no stance on it. The stance classifier is trained to read
arguments, and on statements about something else it still finds favor or against now and then (how often:
docs/stance.md). The relevance gate asks a simpler question with all-MiniLM-L6-v2, which was trained to put
related meanings close together, and a pair below the model's threshold is ``none``. A two-way model gates first
and classifies only the rest; a one-way model, whose per-pair cost is smaller than the gate's reading of a
statement, classifies every pair and gates the favor/against ones (the same labels; see
``StanceClassifier.predict``).

Two scorings (``scoring`` in the model's gate settings):

- ``token-maxsim`` (models trained since 2026-12-05): each content word of the topic phrase (function words and
  punctuation left out) finds its closest token of the statement, and the pair scores the mean of those cosine
  similarities (late interaction, as in ColBERT). A long statement that names the topic once still scores high,
  where its sentence embedding is diluted by everything else it says.
- ``cosine``: the cosine similarity of the two mean-pooled sentence embeddings (older models).

The threshold is set when a model is trained, from its training data alone (``fit`` in the settings):
``off-topic`` (the default since 2026-12-05) pairs each training statement with another topic's phrase as well
as its own and takes the threshold under which the trained classifier's labels on both kinds of pair score the
best macro-F1 (:func:`fit_off_topic_threshold`): it is tuned on real unrelated pairs, the case the gate exists
for. ``quantile`` takes the similarity that a fraction of the favor/against training pairs fall below
(:func:`fit_threshold`). The settings are written to the model's ``config.json`` (``gate_threshold``, and
``gate``); a model without a threshold runs ungated. (Folders saved before the config class kept them in
``relevance.json``, which is still read.)

    gate = RelevanceGate.load(threshold=0.35, scoring="token-maxsim")
    gate.similarity([("Western sanctions on Russia", "The minister said the embargo must stay.")])
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from quotes.stance.paths import ModelError, installed_encoder_path

if TYPE_CHECKING:  # torch loads when a gate does: the training CLI reads this module's settings without it
    import torch

GATE_FILE = "relevance.json"   # where folders saved before the config class kept the gate
CONFIG_FILE = "config.json"
DEFAULT_QUANTILE = 0.01
ENCODER_NAME = "all-MiniLM-L6-v2"
# all-MiniLM-L6-v2 was trained on inputs of up to 256 word pieces (sentence-transformers' max_seq_length).
ENCODER_MAX_LENGTH = 256
SCORINGS: tuple[str, ...] = ("token-maxsim", "cosine")
FITS: tuple[str, ...] = ("off-topic", "quantile")
# Words of a topic phrase that say nothing about what it is about: the token-maxsim scoring skips them (a
# statement always has an "of" or a "the" to match). "s" is the possessive's word piece ("China's").
TOPIC_FUNCTION_WORDS: frozenset[str] = frozenset("""
    a an the this that these those some any all each every no not nor and or but if than then so as of in on at
    by for with without from to into onto over under about against between among through during before after
    up down out off again further once here there when where why how what which who whom whose s is are was were
    be been being am do does did has have had having will would shall should can could may might must its it
    their them they his her he she him we us our you your i me my one ones own such same other more most less
    least very too also just only both either neither whether while because until upon within toward towards
""".split())


class RelevanceGate:
    """How related each (topic, statement) pair is, read with all-MiniLM-L6-v2, and the threshold a pair must
    reach (``scoring``: ``token-maxsim`` or ``cosine``, see the module docstring)."""

    def __init__(self, model: Any, tokenizer: Any, threshold: float, max_length: int = ENCODER_MAX_LENGTH,
                 scoring: str = "cosine") -> None:
        if scoring not in SCORINGS:
            raise ModelError(f"unknown relevance scoring {scoring!r}: expected one of {', '.join(SCORINGS)}")
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.threshold = float(threshold)
        self.max_length = max_length
        self.scoring = scoring

    @classmethod
    def from_settings(cls, settings: dict[str, Any], *, precision: str = "fp32", device: str = "cpu",
                      torch_only: bool = False) -> RelevanceGate:
        """The gate a model's saved settings (:func:`read_gate_settings`) describe; ``cosine`` where they name
        no scoring (models saved before 2026-12-05)."""
        return cls.load(float(settings["threshold"]), precision=precision, device=device,
                        scoring=str(settings.get("scoring", "cosine")), torch_only=torch_only)

    @classmethod
    def load(cls, threshold: float = 0.0, encoder: Path | None = None, *, precision: str = "fp32",
             device: str = "cpu", scoring: str = "cosine", torch_only: bool = False) -> RelevanceGate:
        """The gate with the sentence encoder at ``encoder`` (default: the installed all-MiniLM-L6-v2), in
        ``precision`` (``fp32`` or ``bf16``; ``int8`` works but moves similarities too much for the threshold,
        so an int8 classifier's gate runs in bf16 or fp32). ``torch_only`` reads the encoder in plain torch,
        without importing transformers (:mod:`quotes.stance.inference`), where it can."""
        from quotes.stance.inference import FastTokenizer, load_encoder, torch_unreadable
        from quotes.stance.runtime import to_precision

        path = encoder if encoder is not None else installed_encoder_path()
        if torch_only and torch_unreadable(path, stance=False) is None:
            try:
                reader = load_encoder(path), FastTokenizer(path)
            except ModelError as exc:
                raise ModelError(f"cannot load the relevance encoder at {path}: {exc}") from exc
            return cls(to_precision(reader[0], precision, device), reader[1], threshold, scoring=scoring)
        from transformers import AutoModel, AutoTokenizer

        from quotes.stance.runtime import quiet_transformers

        try:
            with quiet_transformers():
                tokenizer = AutoTokenizer.from_pretrained(str(path))
                model = AutoModel.from_pretrained(str(path))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the relevance encoder at {path}: {exc}") from exc
        return cls(to_precision(model, precision, device), tokenizer, threshold, scoring=scoring)

    def _hidden(self, texts: Sequence[str],
                batch_size: int) -> Iterator[tuple[list[int], torch.Tensor, torch.Tensor, torch.Tensor]]:
        """The encoder's last hidden states, by length-sorted batch: (input positions, hidden, attention mask,
        token ids)."""
        import torch

        from quotes.stance.runtime import length_batches

        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        lengths = [len(ids) for ids in encoded["input_ids"]]
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for batch in length_batches(lengths, batch_size):
                inputs = self.tokenizer.pad({k: [v[i] for i in batch] for k, v in encoded.items()},
                                            padding=True, return_tensors="pt")
                inputs = {k: v.to(device) for k, v in inputs.items()}
                yield (batch, self.model(**inputs).last_hidden_state.float().cpu(), inputs["attention_mask"].cpu(),
                       inputs["input_ids"].cpu())

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings, shape ``(len(texts), dim)``, in input order (length-sorted batches)."""
        import torch

        from quotes.stance.reading import mean_pool

        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        for batch, hidden, mask, _ in self._hidden(texts, batch_size) if texts else ():
            out[batch] = torch.nn.functional.normalize(mean_pool(hidden, mask), dim=-1).numpy()
        return out

    def token_vectors(self, texts: Sequence[str], batch_size: int = 64, *, content_only: bool = False) -> list[np.ndarray]:
        """Each text's unit-length token vectors, shape ``(tokens, dim)``, without [CLS] and [SEP]; with
        ``content_only``, only the tokens of content words (see ``TOPIC_FUNCTION_WORDS``), or all of them
        where a text has none."""
        import torch

        out: list[np.ndarray] = [np.zeros((0, self.model.config.hidden_size), dtype=np.float32)] * len(texts)
        for batch, hidden, mask, token_ids in self._hidden(texts, batch_size) if texts else ():
            unit = torch.nn.functional.normalize(hidden, dim=-1).numpy()
            for row, i in enumerate(batch):
                n = int(mask[row].sum())
                vectors = unit[row, 1:n - 1]
                if content_only:
                    ids = token_ids[row, 1:n - 1].tolist()
                    keep = [k for k, word in enumerate(self.tokenizer.convert_ids_to_tokens(ids)) if _is_content(word)]
                    vectors = vectors[keep] if keep else vectors
                out[i] = vectors
        return out

    def similarity(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        """The relevance score of each ``(topic, statement)`` pair in the gate's scoring; each distinct text is
        read once."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        topics = list(dict.fromkeys(t for t, _ in pairs))
        statements = list(dict.fromkeys(s for _, s in pairs))
        t_index = {t: i for i, t in enumerate(topics)}
        s_index = {s: i for i, s in enumerate(statements)}
        if self.scoring == "cosine":
            t_vec = self.embed(topics, batch_size)
            s_vec = self.embed(statements, batch_size)
            rows = np.array([t_index[t] for t, _ in pairs])
            cols = np.array([s_index[s] for _, s in pairs])
            return np.einsum("ij,ij->i", t_vec[rows], s_vec[cols])
        t_tokens = self.token_vectors(topics, batch_size, content_only=True)
        s_tokens = self.token_vectors(statements, batch_size)
        return np.array([_maxsim(t_tokens[t_index[t]], s_tokens[s_index[s]]) for t, s in pairs], dtype=np.float32)


def without_speaker(statement: str, speaker: str | None) -> str:
    """What the gate reads of a statement: the statement without its speaker's name (every whole-word occurrence
    of ``speaker``, the mention as written). A quote is relevant to a topic for what it says, not for who says
    it: "Clinton said the plan would fail" names Hillary Clinton but says nothing about her. A speaker given as
    function words only ("he", "they") is left in: no topic is a pronoun, and removing every "he" would take out
    the other people the statement calls so."""
    if not speaker or not any(_is_content(word) for word in re.findall(r"\w+", speaker)):
        return statement
    return re.sub(rf"(?<!\w){re.escape(speaker.strip())}(?!\w)", "", statement)


def gate_pairs(pairs: Sequence[tuple[str, str]], speakers: Sequence[str | None] | None) -> list[tuple[str, str]]:
    """The ``(topic, statement)`` pairs as the gate reads them: each statement without its speaker's name
    (:func:`without_speaker`; ``speakers`` in pair order, None where unknown)."""
    if speakers is None:
        return list(pairs)
    return [(topic, without_speaker(statement, speaker))
            for (topic, statement), speaker in zip(pairs, speakers, strict=True)]


def _is_content(word_piece: str) -> bool:
    word = word_piece.removeprefix("##").lower()
    return word not in TOPIC_FUNCTION_WORDS and any(c.isalnum() for c in word)


def _maxsim(topic: np.ndarray, statement: np.ndarray) -> float:
    """The mean, over the topic's tokens, of each one's highest cosine similarity to a statement token."""
    if not len(topic) or not len(statement):
        return 0.0
    return float((topic @ statement.T).max(axis=1).mean())


def fit_threshold(similarities: np.ndarray, labels: Sequence[str], quantile: float = DEFAULT_QUANTILE) -> float:
    """The similarity that ``quantile`` of the stance-bearing (favor/against) pairs fall below: an observed
    similarity (the lower one where the quantile falls between two), so with few examples nothing is gated."""
    stance = np.asarray(similarities)[[label != "none" for label in labels]]
    if stance.size == 0:
        raise ValueError("no favor or against examples to set the relevance threshold from")
    return float(np.quantile(stance, quantile, method="lower"))


def fit_off_topic_threshold(scores: np.ndarray, gold: Sequence[str], predicted: Sequence[str],
                             step: float = 0.005) -> float:
    """The threshold under which the classifier's ``predicted`` labels, with pairs scoring below it made
    ``none``, best match ``gold`` (macro-F1; the lowest such threshold on a grid of ``step``). The pairs are
    training statements with their own topic and with another topic's (gold ``none``), so the threshold is set
    by what the gate is for: turning stances on unrelated pairs into ``none`` at the least cost in real ones."""
    from quotes.stance.evaluate import compute_metrics

    scores = np.asarray(scores, dtype=np.float64)
    predicted_arr = np.asarray(predicted)
    if not (predicted_arr != "none").any():
        return 0.0
    best, best_f1 = 0.0, -1.0
    for threshold in np.arange(0.0, float(scores.max()) + step, step):
        labels = np.where(scores < threshold, "none", predicted_arr)
        f1 = compute_metrics(list(gold), list(labels))["macro_f1"]
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(threshold), f1
    return round(best, 4)


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

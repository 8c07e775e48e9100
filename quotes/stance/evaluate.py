"""Stance metrics: macro-F1 over the three labels, F_avg, per-label and per-topic P/R/F1, confusion matrix.

* macro-F1 — the mean F1 of favor, against and none (the standard VAST metric);
* F_avg — the mean F1 of favor and against (the SemEval-2016 metric);
* per topic — precision, recall and F1 macro-averaged over the labels that occur in that topic's gold
  labels or predictions, so a topic with no ``none`` examples is not penalised for the absent label.

A label with no predictions has precision 0; with no gold examples, recall 0 (F1 is then 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from quotes.stance.data import example_pair, topic_key
from quotes.types import STANCE_LABELS

if TYPE_CHECKING:
    from datasets import Dataset

    from quotes.stance.classifier import StanceClassifier


def confusion_matrix(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = STANCE_LABELS) -> np.ndarray:
    """Counts with gold labels as rows and predicted labels as columns, in ``labels`` order."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for g, p in zip(gold, pred, strict=True):
        for value in (g, p):
            if value not in index:
                raise ValueError(f"unknown label '{value}'; expected {', '.join(labels)}")
        matrix[index[g], index[p]] += 1
    return matrix


def prf(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-label precision, recall and F1 from a confusion matrix (0 where undefined)."""
    tp = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0).astype(float)
    actual = matrix.sum(axis=1).astype(float)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return precision, recall, f1


def _r(x: float) -> float:
    return round(float(x), 4)


def compute_metrics(
    gold: Sequence[str],
    pred: Sequence[str],
    topics: Sequence[str] | None = None,
    labels: Sequence[str] = STANCE_LABELS,
) -> dict[str, Any]:
    """All stance metrics as a JSON-ready dict.

    Keys: ``n``, ``accuracy``, ``macro_f1``, ``f_avg``, ``per_label`` ({label: precision, recall, f1,
    support}), ``confusion`` ({labels, matrix}: rows gold, columns predicted) and, when ``topics`` (one
    per example) is given, ``per_topic`` ({topic: n, accuracy, precision, recall, f1}), largest first.
    """
    matrix = confusion_matrix(gold, pred, labels)
    precision, recall, f1 = prf(matrix)
    n = int(matrix.sum())
    stance_idx = [i for i, label in enumerate(labels) if label in ("favor", "against")]
    result: dict[str, Any] = {
        "n": n,
        "accuracy": _r(np.trace(matrix) / n) if n else 0.0,
        "macro_f1": _r(f1.mean()),
        "f_avg": _r(f1[stance_idx].mean()) if stance_idx else 0.0,
        "per_label": {
            label: {"precision": _r(precision[i]), "recall": _r(recall[i]), "f1": _r(f1[i]),
                    "support": int(matrix[i].sum())}
            for i, label in enumerate(labels)
        },
        "confusion": {"labels": list(labels), "matrix": matrix.tolist()},
    }
    if topics is not None:
        if len(topics) != len(gold):
            raise ValueError(f"{len(topics)} topics for {len(gold)} examples")
        result["per_topic"] = _per_topic(gold, pred, topics, labels)
    return result


def _per_topic(gold: Sequence[str], pred: Sequence[str], topics: Sequence[str],
               labels: Sequence[str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[int]] = {}
    for i, topic in enumerate(topics):
        groups.setdefault(topic, []).append(i)
    out: dict[str, dict[str, Any]] = {}
    for topic, idx in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        g = [gold[i] for i in idx]
        p = [pred[i] for i in idx]
        matrix = confusion_matrix(g, p, labels)
        precision, recall, f1 = prf(matrix)
        used = (matrix.sum(axis=0) + matrix.sum(axis=1)) > 0
        out[topic] = {
            "n": len(idx),
            "accuracy": _r(np.trace(matrix) / len(idx)),
            "precision": _r(precision[used].mean()),
            "recall": _r(recall[used].mean()),
            "f1": _r(f1[used].mean()),
        }
    return out


def evaluate_model(
    classifier: StanceClassifier,
    data: Dataset,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Predict every example of ``data`` and score the predictions against its labels (see :func:`compute_metrics`)."""
    rows = list(data)
    predictions = classifier.predict([example_pair(r) for r in rows], batch_size=batch_size, progress=progress,
                                     speakers=[r.get("speaker") for r in rows])
    return compute_metrics(
        [r["label"] for r in rows], [p.label for p in predictions], [topic_key(r) for r in rows]
    )

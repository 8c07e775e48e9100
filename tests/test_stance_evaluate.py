"""Stance metrics: checked against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from quotes.stance.evaluate import compute_metrics, confusion_matrix, prf

GOLD = ["favor", "favor", "favor", "against", "against", "none", "none", "none"]
PRED = ["favor", "favor", "against", "against", "none", "none", "none", "favor"]
TOPICS = ["a", "a", "a", "a", "b", "b", "b", "b"]


def test_confusion_matrix_rows_are_gold() -> None:
    matrix = confusion_matrix(GOLD, PRED)
    assert matrix.tolist() == [[2, 1, 0], [0, 1, 1], [1, 0, 2]]


def test_prf_by_hand() -> None:
    precision, recall, f1 = prf(confusion_matrix(GOLD, PRED))
    # favor: tp 2, predicted 3, gold 3; against: tp 1, predicted 2, gold 2; none: tp 2, predicted 3, gold 3
    np.testing.assert_allclose(precision, [2 / 3, 1 / 2, 2 / 3])
    np.testing.assert_allclose(recall, [2 / 3, 1 / 2, 2 / 3])
    np.testing.assert_allclose(f1, [2 / 3, 1 / 2, 2 / 3])


def test_compute_metrics() -> None:
    m = compute_metrics(GOLD, PRED, TOPICS)
    assert m["n"] == 8
    assert m["accuracy"] == pytest.approx(5 / 8, abs=1e-4)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1 / 2 + 2 / 3) / 3, abs=1e-4)
    assert m["f_avg"] == pytest.approx((2 / 3 + 1 / 2) / 2, abs=1e-4)
    assert m["per_label"]["against"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["confusion"] == {"labels": ["favor", "against", "none"], "matrix": [[2, 1, 0], [0, 1, 1], [1, 0, 2]]}
    # topic a: gold f f f a / pred f f a a -> favor P 1 R 2/3, against P 1/2 R 1; none absent, not averaged
    a = m["per_topic"]["a"]
    assert a["n"] == 4 and a["accuracy"] == 0.75
    assert a["precision"] == pytest.approx(0.75, abs=1e-4)
    assert a["recall"] == pytest.approx((2 / 3 + 1) / 2, abs=1e-4)
    assert a["f1"] == pytest.approx((0.8 + 2 / 3) / 2, abs=1e-4)
    # topic b: gold a n n n / pred n n n f -> against P0 R0, none P 2/3 R 2/3, favor P0 R0 (predicted)
    assert m["per_topic"]["b"]["f1"] == pytest.approx((0 + 2 / 3 + 0) / 3, abs=1e-4)


def test_perfect_and_degenerate_predictions() -> None:
    assert compute_metrics(GOLD, GOLD)["macro_f1"] == 1.0
    all_none = compute_metrics(GOLD, ["none"] * len(GOLD))
    assert all_none["per_label"]["favor"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 3}
    assert all_none["f_avg"] == 0.0
    assert "per_topic" not in all_none


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="unknown label 'pro'"):
        compute_metrics(["favor"], ["pro"])
    with pytest.raises(ValueError, match="1 gold labels but 2 predictions"):
        compute_metrics(["favor"], ["favor", "none"])
    with pytest.raises(ValueError, match="topics"):
        compute_metrics(["favor"], ["favor"], ["a", "b"])

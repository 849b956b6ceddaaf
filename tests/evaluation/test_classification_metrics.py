import itertools

import numpy as np
import pytest

from recsys_tf.evaluation.classification_metrics import classification_metrics, roc_auc


def _pairwise_auc(labels, scores):
    """Reference: mean over (positive, negative) pairs of 1 / ½ / 0."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = [1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg)]
    return float(np.mean(wins))


def test_hand_computed_values():
    labels = np.array([1, 0, 1, 1, 0, 0])
    probs = np.array([0.9, 0.7, 0.6, 0.2, 0.4, 0.1])
    m = classification_metrics(labels, probs)
    # predicted >= 0.5: 1 1 1 0 0 0 -> TP 2, FP 1, FN 1, TN 2
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    # positives 0.9, 0.6, 0.2 vs negatives 0.7, 0.4, 0.1: 3 + 2 + 1 = 6 wins of 9
    assert m["auc"] == pytest.approx(6 / 9)
    errors = probs - labels
    assert m["mae"] == pytest.approx(np.abs(errors).mean())
    assert m["mse"] == pytest.approx((errors ** 2).mean())


def test_auc_matches_pairwise_reference_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = rng.integers(0, 2, 40)
        scores = rng.integers(0, 5, 40) / 4.0  # many ties
        if labels.min() == labels.max():
            continue
        assert roc_auc(labels, scores) == pytest.approx(_pairwise_auc(labels, scores))


def test_degenerate_inputs():
    assert np.isnan(roc_auc(np.ones(3), np.array([0.1, 0.2, 0.3])))
    m = classification_metrics(np.array([0, 0]), np.array([0.1, 0.2]))
    assert (m["precision"], m["recall"], m["f1"], m["accuracy"]) == (0.0, 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="0 or 1"):
        classification_metrics(np.array([2]), np.array([0.5]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        classification_metrics(np.array([1]), np.array([1.5]))

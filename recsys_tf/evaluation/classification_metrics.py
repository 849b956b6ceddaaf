"""Click-prediction metrics of S2 ch. 6: AUC, accuracy, precision, recall, F1, MAE, MSE.

For a model that outputs a click probability (the ranking head, the logistic-regression
baseline, or a ranking score turned into a probability by Platt scaling) on labelled pairs.

Example:

>>> m = classification_metrics(np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.4, 0.6]))
>>> m["auc"], m["accuracy"], m["f1"]
(0.75, 0.5, 0.5)
"""

from __future__ import annotations

import numpy as np


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties count ½.

    Computed from average ranks (Mann-Whitney U), O(n log n); NaN with only one class.
    """
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, np.float64)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores), np.float64)
    # Average 1-based rank within each group of tied scores.
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(scores)]
    average = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(average, ends - starts)
    u = ranks[labels].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray,
                           threshold: float = 0.5) -> dict[str, float]:
    """``auc``, ``accuracy``, ``precision``, ``recall``, ``f1``, ``mae``, ``mse``, ``count``.

    Args:
        labels: ``[n]`` 0/1 labels.
        probabilities: ``[n]`` predicted click probabilities in [0, 1].
        threshold: a prediction is positive when its probability is ``>= threshold``.

    Precision (recall) is 0 when nothing is predicted (labelled) positive, as in
    scikit-learn's ``zero_division=0``.
    """
    labels = np.asarray(labels, np.float64)
    probabilities = np.asarray(probabilities, np.float64)
    if labels.shape != probabilities.shape or labels.ndim != 1:
        raise ValueError(f"`labels` and `probabilities` must be 1-d of one length. Received: "
                         f"{labels.shape}, {probabilities.shape}")
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("`labels` must be 0 or 1.")
    if len(labels) and (np.nanmin(probabilities) < 0 or np.nanmax(probabilities) > 1):
        raise ValueError("`probabilities` must lie in [0, 1].")
    predicted = probabilities >= threshold
    actual = labels > 0.5
    true_positive = float((predicted & actual).sum())
    precision = true_positive / predicted.sum() if predicted.sum() else 0.0
    recall = true_positive / actual.sum() if actual.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    error = probabilities - labels
    return {"auc": roc_auc(actual, probabilities),
            "accuracy": float((predicted == actual).mean()) if len(labels) else float("nan"),
            "precision": float(precision), "recall": float(recall), "f1": float(f1),
            "mae": float(np.abs(error).mean()) if len(labels) else float("nan"),
            "mse": float((error ** 2).mean()) if len(labels) else float("nan"),
            "count": len(labels)}

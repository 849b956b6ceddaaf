"""Softmax cross-entropy over the whole catalogue."""

from __future__ import annotations

from keras import ops

NEG_INF = -1e9


def full_softmax_cross_entropy(logits, labels, candidate_mask=None, weights=None):
    """Mean (or ``weights``-weighted mean) cross-entropy of ``labels`` among all candidates.

    Args:
        logits: ``[m, num_items]`` scores (one row per valid sequence position).
        labels: ``[m]`` target item indices.
        candidate_mask: optional ``[num_items]`` booleans; false columns (padding, OOV, items
            outside the target domain) are excluded from the softmax.
        weights: optional ``[m]`` row weights (0 for padded positions in the dense layout).

    Returns:
        Scalar float32 loss (0 when ``m`` is 0).

    Example:

    >>> import numpy as np
    >>> logits = np.log(np.array([[1.0, 1.0, 2.0]], "float32"))
    >>> round(float(full_softmax_cross_entropy(logits, np.array([2]))), 4)  # -log(2/4)
    0.6931
    """
    logits = ops.cast(logits, "float32")
    if candidate_mask is not None:
        logits = ops.where(ops.expand_dims(candidate_mask, 0), logits, NEG_INF)
    labels = ops.cast(labels, "int32")
    picked = ops.take_along_axis(logits, ops.expand_dims(labels, -1), axis=-1)[:, 0]
    return weighted_mean(ops.logsumexp(logits, axis=-1) - picked, weights)


def weighted_mean(values, weights=None):
    """Mean of ``values`` ``[m]`` (weighted); 0 for an empty batch instead of NaN."""
    if weights is None:
        weights = ops.ones_like(values)
    weights = ops.cast(weights, values.dtype)
    return ops.sum(values * weights) / ops.maximum(ops.sum(weights), 1.0)

"""Sampled softmax with logQ correction and accidental-hit removal."""

from __future__ import annotations

from keras import ops

from recsys_tf.losses.full_softmax import NEG_INF, weighted_mean


def log_q_correction(logits, sampling_probabilities, ids, num_samples: int):
    """``logits - log(num_samples · Q(id))``: the sampled-softmax bias correction.

    Sampling negatives from a proposal ``Q`` (e.g. item popularity) over-represents popular
    items; subtracting the log of each item's expected count makes the sampled loss an unbiased
    estimate of the full softmax's gradient direction.

    Args:
        logits: ``[..., n]`` scores of the items ``ids``.
        sampling_probabilities: ``[num_items]`` proposal probabilities.
        ids: ``[..., n]`` item indices of the logits.
        num_samples: negatives drawn per step.

    References:
        Yi et al., Sampling-bias-corrected neural modeling for large corpus item recommendations
        (RecSys 2019); Jean et al. (ACL 2015).
    """
    q = ops.take(ops.cast(sampling_probabilities, "float32"), ops.cast(ids, "int32"), axis=0)
    return ops.cast(logits, "float32") - ops.log(num_samples * ops.maximum(q, 1e-12))


def remove_accidental_hits(negative_logits, labels, negative_ids):
    """Masks negatives that are the position's own target (``[m, s]``)."""
    hits = ops.equal(ops.expand_dims(ops.cast(labels, "int32"), -1),
                     ops.expand_dims(ops.cast(negative_ids, "int32"), 0))
    return ops.where(hits, NEG_INF, negative_logits)


def sampled_softmax_cross_entropy(positive_logits, negative_logits, weights=None):
    """Mean (or ``weights``-weighted mean) cross-entropy, the positive at column 0.

    ``positive_logits`` ``[m]`` and ``negative_logits`` ``[m, s]`` give a scalar.

    Both inputs are expected to be corrected already (:func:`log_q_correction`,
    :func:`remove_accidental_hits`).

    Example:

    >>> import numpy as np
    >>> pos, neg = np.array([0.0], "float32"), np.zeros((1, 3), "float32")
    >>> round(float(sampled_softmax_cross_entropy(pos, neg)), 4)  # -log(1/4)
    1.3863
    """
    logits = ops.concatenate([ops.expand_dims(ops.cast(positive_logits, "float32"), -1),
                              ops.cast(negative_logits, "float32")], axis=-1)
    return weighted_mean(ops.logsumexp(logits, axis=-1) - logits[:, 0], weights)

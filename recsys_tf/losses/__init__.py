"""Retrieval loss pieces: full softmax, sampled softmax with logQ correction."""

from recsys_tf.losses.full_softmax import full_softmax_cross_entropy
from recsys_tf.losses.sampled_softmax import (
    log_q_correction,
    remove_accidental_hits,
    sampled_softmax_cross_entropy,
)

__all__ = ["full_softmax_cross_entropy", "log_q_correction", "remove_accidental_hits",
           "sampled_softmax_cross_entropy"]

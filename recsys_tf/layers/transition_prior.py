"""A memory of training item-to-item transitions, added to the catalogue scores."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from recsys_tf.layers.argument_checks import check_positive


def transition_bonus(counts, totals, log_count, share):
    """``a · log(1 + n) + b · n / N`` for counts ``n`` and totals ``N`` (broadcast); the one
    definition of the prior, used by the layer and by the fit of ``a`` and ``b``
    (:mod:`~recsys_tf.training.transition_fit`). Works on tensors and numpy arrays (in their
    dtype)."""
    return log_count * ops.log1p(counts) + share * counts / ops.maximum(totals, 1.0)


@keras.saving.register_keras_serializable(package="recsys_tf")
class TransitionPrior(keras.layers.Layer):
    """Adds ``a · log(1 + n(l, i)) + b · n(l, i) / N(l)`` to the score of item ``i``.

    ``n(l, i)`` is how many times item ``i`` followed the user's last item ``l`` in training and
    ``N(l)`` all transitions out of ``l``. The counts are a table of each item's
    ``max_successors`` most frequent next items (:meth:`set_table` with a
    :class:`~recsys_tf.data.transitions.TransitionTable`), so the term memorises item-to-item
    transitions — also towards items trained as targets only a few times — that a recurrent
    state blurs, at the cost of a sparse scatter per query. Nothing here is trained by
    gradient: ``a`` and ``b`` start at 0 (the prior is off) and are set with
    :meth:`set_weights_to`, as :func:`~recsys_tf.training.transition_fit.fit_transition_prior`
    chooses them on validation.

    Args:
        num_items: size of the item vocabulary (0 = padding: no successors).
        max_successors: next items kept per item.

    Call arguments:
        logits: ``[n, num_items]`` scores to add to.
        last_items: ``[n]`` int, each row's last input item (0 = none: nothing is added).

    Returns:
        ``[n, num_items]``.

    Example:

    >>> import numpy as np
    >>> from recsys_tf.data.transitions import transition_table
    >>> prior = TransitionPrior(num_items=4, max_successors=2)
    >>> prior.set_weights_to(log_count=1.0, share=1.0)
    >>> prior.set_table(transition_table({"item_ids": np.array([[2, 3, 2]]),
    ...                                   "targets": np.array([[3, 2, 3]])}, 4, 2))
    >>> prior(np.zeros((1, 4), "float32"), np.array([2])).numpy().round(3)  # log 3 + 2/2
    array([[0.   , 0.   , 0.   , 2.099]], dtype=float32)

    References:
        Rendle et al., Factorizing personalized Markov chains for next-basket recommendation
        (FPMC, 2010): a first-order transition term beside a user's long-term preference.
    """

    def __init__(self, num_items: int, max_successors: int = 64, **kwargs):
        super().__init__(**kwargs)
        check_positive(num_items=num_items, max_successors=max_successors)
        self.num_items = num_items
        self.max_successors = max_successors
        shape = (num_items, max_successors)
        self.successors = self.add_weight(shape=shape, name="successors", dtype="int32",
                                          initializer="zeros", trainable=False)
        self.counts = self.add_weight(shape=shape, name="counts", initializer="zeros",
                                      trainable=False)
        self.totals = self.add_weight(shape=(num_items,), name="totals", initializer="zeros",
                                      trainable=False)
        self.log_count_weight = self.add_weight(shape=(), name="log_count_weight",
                                                initializer="zeros", trainable=False)
        self.share_weight = self.add_weight(shape=(), name="share_weight", initializer="zeros",
                                            trainable=False)
        self.built = True

    def set_weights_to(self, *, log_count: float, share: float) -> None:
        """Sets ``a`` (``log_count``) and ``b`` (``share``), both >= 0."""
        if log_count < 0 or share < 0:
            raise ValueError(f"The prior's weights must be >= 0. Received: {log_count}, {share}")
        self.log_count_weight.assign(log_count)
        self.share_weight.assign(share)

    def set_table(self, table) -> None:
        """Fills the counts from a :class:`~recsys_tf.data.transitions.TransitionTable`."""
        expected = (self.num_items, self.max_successors)
        if table.successors.shape != expected:
            raise ValueError(f"The transition table must have shape {expected}. Received: "
                             f"{table.successors.shape}")
        self.successors.assign(table.successors)
        self.counts.assign(table.counts)
        self.totals.assign(table.totals)

    def _successor_scores(self, last_items):
        """``(successors, their prior scores)``, each ``[n, max_successors]``."""
        rows = ops.clip(ops.cast(last_items, "int32"), 0, self.num_items - 1)
        successors = ops.take(self.successors, rows, axis=0)
        counts = ops.take(self.counts, rows, axis=0)
        totals = ops.take(self.totals, rows, axis=0)
        return successors, transition_bonus(counts, ops.expand_dims(totals, -1),
                                            self.log_count_weight, self.share_weight)

    def pair_scores(self, last_items, item_ids):
        """The prior of one item per row: ``[n]`` for ``last_items``, ``item_ids`` ``[n]``."""
        successors, values = self._successor_scores(last_items)
        match = ops.equal(successors, ops.expand_dims(ops.cast(item_ids, "int32"), -1))
        return ops.sum(ops.where(match, values, ops.zeros_like(values)), axis=-1)

    def call(self, logits, last_items, first_item=None):
        """``logits`` ``[n, m]`` plus the prior of items ``first_item .. first_item + m - 1``
        (a block of the catalogue; None: ``logits`` cover the whole catalogue)."""
        successors, values = self._successor_scores(last_items)
        if first_item is not None:
            local = successors - ops.cast(first_item, "int32")
            inside = ops.logical_and(local >= 0, local < ops.shape(logits)[-1])
            values = ops.where(inside, values, ops.zeros_like(values))
            successors = ops.where(inside, local, ops.zeros_like(local))
        row_index = ops.broadcast_to(ops.expand_dims(ops.arange(ops.shape(successors)[0]), -1),
                                     ops.shape(successors))
        indices = ops.stack([row_index, successors], axis=-1)
        return tf.tensor_scatter_nd_add(logits, ops.reshape(indices, (-1, 2)),
                                        ops.cast(ops.reshape(values, (-1,)), logits.dtype))

    def compute_output_shape(self, logits_shape, *args, **kwargs):
        return logits_shape

    def get_config(self):
        return {**super().get_config(), "num_items": self.num_items,
                "max_successors": self.max_successors}

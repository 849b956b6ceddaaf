"""Ranking head: click/label probability of a (query, item) pair."""

from __future__ import annotations

import keras
from keras import ops

from recsys_tf.layers.argument_checks import check_positive, check_rate


@keras.saving.register_keras_serializable(package="recsys_tf")
class RankingHead(keras.layers.Layer):
    """``sigmoid(MLP([q, e, q ⊙ e, qᵀe]))`` for click or label data, trained with BCE.

    Args:
        hidden_dim: units of the hidden layer.
        dropout: dropout rate on the hidden layer.

    Call arguments:
        inputs: ``(query_embedding, item_embedding)``, both ``[batch, dim]``.
        training: Python bool.

    Returns:
        ``[batch, 1]`` probabilities.

    Example:

    >>> import numpy as np
    >>> head = RankingHead(hidden_dim=4)
    >>> p = head((np.ones((2, 3), "float32"), np.zeros((2, 3), "float32")))
    >>> tuple(p.shape), bool(((p > 0) & (p < 1)).numpy().all())
    ((2, 1), True)

    References:
        S2 §5 and ch. 6 (click prediction and classification metrics); S0 §4 (logistic output).
    """

    def __init__(self, hidden_dim: int = 64, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        check_positive(hidden_dim=hidden_dim)
        check_rate(dropout=dropout)
        self.hidden_dim = hidden_dim
        self.dropout = dropout
        policy = self.dtype_policy
        self.hidden = keras.layers.Dense(hidden_dim, activation="relu", dtype=policy,
                                         name="hidden")
        self.hidden_dropout = keras.layers.Dropout(dropout, dtype=policy, name="dropout")
        # The probability stays float32 under mixed precision (stable BCE).
        self.output_layer = keras.layers.Dense(1, activation="sigmoid", dtype="float32",
                                               name="probability")

    def build(self, input_shape):
        dim = int(input_shape[0][-1])
        self.hidden.build((None, 3 * dim + 1))
        self.output_layer.build((None, self.hidden_dim))
        self.built = True

    def call(self, inputs, training=None):
        query, item = (ops.cast(x, self.compute_dtype) for x in inputs)
        dot = ops.sum(query * item, axis=-1, keepdims=True)
        x = self.hidden(ops.concatenate([query, item, query * item, dot], axis=-1))
        return self.output_layer(self.hidden_dropout(x, training=training))

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {**super().get_config(), "hidden_dim": self.hidden_dim, "dropout": self.dropout}

"""Behaviour tower: LSTM over a user's item/event sequence with time features."""

from __future__ import annotations

import keras
from keras import ops

from recsys_tf.layers.argument_checks import (
    check_positive,
    check_rate,
    check_shared_embedding,
)
from recsys_tf.layers.lstm_step import lstm_step
from recsys_tf.layers.row_embedding import RowEmbedding

HOURS = 25  # 24 hours + padding/unknown 0
WEEKDAYS = 8  # 7 days + padding/unknown 0


@keras.saving.register_keras_serializable(package="recsys_tf")
class BehaviourTower(keras.layers.Layer):
    """Embeds each event (item id, event type, hour, weekday, log time gap) and runs an LSTM.

    The output at position ``t`` summarises events ``0..t`` (the LSTM is causal), so right
    padding never changes an output at a valid position. With the default LSTM settings the
    cuDNN kernel is used on GPU (see :class:`~recsys_tf.models.model_config.ModelConfig`).

    Args:
        num_items: size of the item vocabulary (index 0 = padding).
        num_event_types: size of the event-type vocabulary.
        embedding_dim: size of the item embedding.
        hidden_dim: LSTM units (output size).
        feature_dim: size of each side-feature embedding (event type, hour, weekday, gap).
        dropout: dropout rate on the LSTM input.
        use_time_features: embed hour, weekday and log gap (off for data without timestamps).
        item_embedding: an ``Embedding(num_items, embedding_dim)`` layer to use for the item ids
            instead of a new one — the item tower's id table, to tie input and output item
            vectors. Not part of the config: the model that shares it passes it again.

    Call arguments:
        inputs: dict with ``item_ids``, ``event_types``, ``hours``, ``weekdays`` (int,
            ``[batch, length]``) and ``log_gaps`` (float, ``[batch, length]``).
        training: Python bool.

    Returns:
        ``[batch, length, hidden_dim]``, one state per position.

    Example:

    >>> import numpy as np
    >>> tower = BehaviourTower(num_items=10, num_event_types=4, embedding_dim=8, hidden_dim=6)
    >>> ids = np.array([[3, 4, 0]])
    >>> out = tower({"item_ids": ids, "event_types": ids % 4, "hours": ids, "weekdays": ids % 8,
    ...              "log_gaps": np.zeros((1, 3), "float32")})
    >>> tuple(out.shape)
    (1, 3, 6)

    References:
        Hidasi et al., Session-based recommendations with recurrent neural networks (GRU4Rec,
        2016); S2 §5 (behaviour LSTM model).
    """

    def __init__(self, num_items: int, num_event_types: int, embedding_dim: int = 64,
                 hidden_dim: int = 64, feature_dim: int = 8, dropout: float = 0.0,
                 use_time_features: bool = True,
                 item_embedding: keras.layers.Embedding | None = None, **kwargs):
        super().__init__(**kwargs)
        check_positive(num_items=num_items, num_event_types=num_event_types,
                        embedding_dim=embedding_dim, hidden_dim=hidden_dim,
                        feature_dim=feature_dim)
        check_rate(dropout=dropout)
        self.num_items = num_items
        self.num_event_types = num_event_types
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.feature_dim = feature_dim
        self.dropout = dropout
        self.use_time_features = use_time_features
        policy = self.dtype_policy
        check_shared_embedding("item_embedding", item_embedding, num_items, embedding_dim)
        self.item_embedding = item_embedding or RowEmbedding(
            num_items, embedding_dim, dtype=policy, name="item_embedding")
        self.event_type_embedding = keras.layers.Embedding(num_event_types, feature_dim,
                                                           dtype=policy, name="event_type")
        if use_time_features:
            self.hour_embedding = keras.layers.Embedding(HOURS, feature_dim, dtype=policy,
                                                         name="hour")
            self.weekday_embedding = keras.layers.Embedding(WEEKDAYS, feature_dim, dtype=policy,
                                                            name="weekday")
            self.gap_projection = keras.layers.Dense(feature_dim, dtype=policy, name="log_gap")
        self.input_dropout = keras.layers.Dropout(dropout, dtype=policy, name="input_dropout")
        self.lstm = keras.layers.LSTM(hidden_dim, return_sequences=True, dtype=policy,
                                      name="lstm")

    def build(self, input_shape):
        width = self.embedding_dim + self.feature_dim * (4 if self.use_time_features else 1)
        for layer in (self.item_embedding, self.event_type_embedding):
            layer.build(input_shape["item_ids"])
        if self.use_time_features:
            self.hour_embedding.build(input_shape["hours"])
            self.weekday_embedding.build(input_shape["weekdays"])
            self.gap_projection.build((*input_shape["log_gaps"], 1))
        self.lstm.build((None, None, width))
        self.built = True

    def _event_features(self, inputs):
        """The LSTM input of each event (any leading shape)."""
        parts = [self.item_embedding(inputs["item_ids"]),
                 self.event_type_embedding(inputs["event_types"])]
        if self.use_time_features:
            gaps = ops.expand_dims(ops.cast(inputs["log_gaps"], self.compute_dtype), -1)
            parts += [self.hour_embedding(inputs["hours"]),
                      self.weekday_embedding(inputs["weekdays"]), self.gap_projection(gaps)]
        return ops.concatenate(parts, axis=-1)

    def call(self, inputs, training=None):
        x = self.input_dropout(self._event_features(inputs), training=training)
        return self.lstm(x, mask=ops.not_equal(inputs["item_ids"], 0), training=training)

    def step(self, inputs, states):
        """One event per row (inference): ``inputs`` as in ``call`` with shape ``[batch]``,
        ``states`` = the LSTM's ``[h, c]`` (zeros before the first event). Returns
        ``(output [batch, hidden_dim], [h, c])``; ``output`` equals ``call``'s output at that
        event's position. Rows whose ``item_ids`` is 0 (padding) keep their state."""
        return lstm_step(self.lstm.cell, self._event_features(inputs), states,
                         ops.not_equal(inputs["item_ids"], 0))

    def compute_output_shape(self, input_shape):
        batch, length = input_shape["item_ids"]
        return (batch, length, self.hidden_dim)

    def get_config(self):
        return {**super().get_config(), "num_items": self.num_items,
                "num_event_types": self.num_event_types, "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim, "feature_dim": self.feature_dim,
                "dropout": self.dropout, "use_time_features": self.use_time_features}


"""Cross-domain tower: LSTM over a user's events in other domains, read at each position."""

from __future__ import annotations

import keras
from keras import ops

from recsys_tf.layers.argument_checks import check_positive, check_rate
from recsys_tf.layers.lstm_step import lstm_step
from recsys_tf.layers.row_embedding import RowEmbedding


@keras.saving.register_keras_serializable(package="recsys_tf")
class CrossDomainTower(keras.layers.Layer):
    """Runs an LSTM over the other-domain stream and picks, for every main position, the state
    after the last other-domain event that happened before that position's prediction.

    ``lengths[b, t]`` is the number of stream events visible at main position ``t`` (computed by
    :func:`~recsys_tf.data.examples.training_examples` so that no future event leaks). Positions
    with no visible event get zeros.

    Args:
        num_items: size of the item vocabulary (index 0 = padding).
        num_event_types: size of the event-type vocabulary.
        embedding_dim: item embedding size.
        hidden_dim: LSTM units.
        text_projection_dim: size of the projected text vector of stream items; 0 = no text.
        dropout: dropout rate on the LSTM input.
        use_item_ids: give stream items an id embedding; False = the stream is read through
            its items' text (and event types) only, which needs ``text_projection_dim`` > 0:
            no table of other-domain ids to fit, so the tower cannot memorise them.

    Call arguments:
        inputs: dict with ``item_ids``, ``event_types`` ``[batch, stream_length]``, ``lengths``
            ``[batch, length]`` and, with text, ``text_embeddings``
            ``[batch, stream_length, text_dim]``.
        training: Python bool.

    Returns:
        ``[batch, length, hidden_dim]``.

    Example:

    >>> import numpy as np
    >>> tower = CrossDomainTower(num_items=10, num_event_types=3, embedding_dim=4, hidden_dim=5)
    >>> out = tower({"item_ids": np.array([[4, 5, 0]]), "event_types": np.array([[1, 1, 0]]),
    ...              "lengths": np.array([[0, 1, 2, 2]])})
    >>> tuple(out.shape), float(abs(out[0, 0]).numpy().sum())
    ((1, 4, 5), 0.0)

    References:
        S2 §5 (cross-domain LSTM model); Ma et al., π-Net (SIGIR 2019) for the shared-account
        cross-domain sequential setting of the Food→Kitchen data.
    """

    def __init__(self, num_items: int, num_event_types: int, embedding_dim: int = 64,
                 hidden_dim: int = 64, text_projection_dim: int = 0, dropout: float = 0.0,
                 use_item_ids: bool = True, **kwargs):
        super().__init__(**kwargs)
        check_positive(num_items=num_items, num_event_types=num_event_types,
                       embedding_dim=embedding_dim, hidden_dim=hidden_dim)
        check_rate(dropout=dropout)
        if text_projection_dim < 0:
            raise ValueError(f"`text_projection_dim` must be >= 0. Received: "
                             f"text_projection_dim={text_projection_dim}")
        if not (use_item_ids or text_projection_dim):
            raise ValueError("`use_item_ids=False` needs `text_projection_dim` > 0 (the tower "
                             "would see only event types).")
        self.num_items = num_items
        self.num_event_types = num_event_types
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.text_projection_dim = text_projection_dim
        self.dropout = dropout
        self.use_item_ids = use_item_ids
        policy = self.dtype_policy
        if use_item_ids:
            self.item_embedding = RowEmbedding(num_items, embedding_dim, dtype=policy,
                                               name="item_embedding")
        self.event_type_embedding = keras.layers.Embedding(num_event_types, 8, dtype=policy,
                                                           name="event_type")
        if text_projection_dim:
            self.text_projection = keras.layers.Dense(text_projection_dim, activation="gelu",
                                                      dtype=policy, name="text_projection")
        self.input_dropout = keras.layers.Dropout(dropout, dtype=policy, name="input_dropout")
        self.lstm = keras.layers.LSTM(hidden_dim, return_sequences=True, dtype=policy,
                                      name="lstm")

    def build(self, input_shape):
        if self.use_item_ids:
            self.item_embedding.build(input_shape["item_ids"])
        self.event_type_embedding.build(input_shape["event_types"])
        if self.text_projection_dim:
            self.text_projection.build(input_shape["text_embeddings"])
        self.lstm.build((None, None, self.embedding_dim * self.use_item_ids + 8
                         + self.text_projection_dim))
        self.built = True

    def _event_features(self, inputs):
        """The LSTM input of each stream event (any leading shape)."""
        parts = [self.event_type_embedding(inputs["event_types"])]
        if self.use_item_ids:
            parts.insert(0, self.item_embedding(inputs["item_ids"]))
        if self.text_projection_dim:
            parts.append(self.text_projection(
                ops.cast(inputs["text_embeddings"], self.compute_dtype)))
        return ops.concatenate(parts, axis=-1)

    def step(self, inputs, states):
        """One other-domain event per row (inference): ``inputs`` with ``item_ids``,
        ``event_types`` ``[batch]`` (and ``text_embeddings`` ``[batch, text_dim]``), ``states``
        the LSTM's ``[h, c]``. Returns ``(output, [h, c])``: ``output`` is what ``call`` gives
        at every main position that sees this event as the latest one. Rows with item id 0
        keep their state."""
        return lstm_step(self.lstm.cell, self._event_features(inputs), states,
                         ops.not_equal(inputs["item_ids"], 0))

    def call(self, inputs, training=None):
        x = self.input_dropout(self._event_features(inputs), training=training)
        states = self.lstm(x, mask=ops.not_equal(inputs["item_ids"], 0), training=training)
        lengths = ops.cast(inputs["lengths"], "int32")
        index = ops.clip(lengths - 1, 0, ops.shape(states)[1] - 1)
        picked = ops.take_along_axis(states, ops.expand_dims(index, -1), axis=1)
        visible = ops.cast(ops.expand_dims(lengths > 0, -1), picked.dtype)
        return picked * visible

    def compute_output_shape(self, input_shape):
        return (*input_shape["lengths"], self.hidden_dim)

    def get_config(self):
        return {**super().get_config(), "num_items": self.num_items,
                "num_event_types": self.num_event_types, "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim, "text_projection_dim": self.text_projection_dim,
                "dropout": self.dropout, "use_item_ids": self.use_item_ids}

"""In-graph preparation of serving requests: raw ids and timestamps -> model input tensors.

Everything here is core TensorFlow (hash-table lookups, sorts, gathers), so an exported
SavedModel runs in TF Serving without tensorflow-text, keras-hub or recsys_tf. The rules for bad
input live here, in one place:

- ``""`` is padding (left, right or in between: requests are compacted, order kept);
- an id that is not in the vocabulary maps to OOV (index 1);
- a history longer than the training ``max_length`` keeps its most recent events (time features
  are computed before the cut, as in training);
- an empty history is a row of padding; the model's output on it is the documented default.

The time features match :func:`recsys_tf.data.time_features.time_features` (UTC hour and
weekday, ``log1p`` of the seconds since the user's previous event in *any* domain, 0 for the
first event), shifted by one so that 0 is padding, as in :mod:`recsys_tf.data.vocabularies`.

Example::

    lookup = IdLookup(vocabularies.item_id)
    ids = lookup(tf.constant([["item-a", "", "unknown"]]))     # [[i_a, 0, 1]]
"""

from __future__ import annotations

import tensorflow as tf

from recsys_tf.data.time_features import EPOCH_WEEKDAY, SECONDS_PER_DAY, SECONDS_PER_HOUR
from recsys_tf.data.vocabulary import NUM_RESERVED, OOV_INDEX, Vocabulary


class IdLookup(tf.Module):
    """String id -> vocabulary index (``""`` -> 0 padding, unknown -> 1 OOV), and back.

    Args:
        vocabulary: the run's :class:`~recsys_tf.data.vocabulary.Vocabulary`.
    """

    def __init__(self, vocabulary: Vocabulary, name: str | None = None):
        super().__init__(name=name or f"{vocabulary.name}_lookup")
        tokens = list(vocabulary.tokens)
        self.table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(tokens or ["\0"], tf.string),
                tf.range(NUM_RESERVED, NUM_RESERVED + max(len(tokens), 1), dtype=tf.int64)),
            default_value=OOV_INDEX)
        # Index -> id; the reserved rows read "" so that padding never looks like an item.
        self.tokens = tf.Variable([""] * NUM_RESERVED + tokens, trainable=False,
                                  name="tokens", dtype=tf.string)

    def __call__(self, ids: tf.Tensor) -> tf.Tensor:
        """int32 indexes of ``ids`` (any shape)."""
        index = tf.cast(self.table.lookup(ids), tf.int32)
        return tf.where(tf.equal(ids, ""), tf.zeros_like(index), index)

    def token(self, index: tf.Tensor) -> tf.Tensor:
        """The id strings of ``index`` (any shape); ``""`` for padding and OOV."""
        return tf.gather(self.tokens, index)


def compact(valid: tf.Tensor, *tensors: tf.Tensor) -> tuple[tf.Tensor, ...]:
    """Moves the valid entries of each row ``[batch, length]`` to the front, order kept.

    Returns ``(valid, *tensors)`` reordered the same way.
    """
    order = tf.argsort(tf.cast(tf.logical_not(valid), tf.int32), axis=1, stable=True)
    return tuple(tf.gather(t, order, batch_dims=1) for t in (valid, *tensors))


def keep_recent(valid: tf.Tensor, max_length: int, *tensors: tf.Tensor
                ) -> tuple[tf.Tensor, ...]:
    """The last ``max_length`` valid entries of compacted rows, followed by at least one
    padding column (so a model never sees a zero-length sequence).

    Returns ``(valid, *tensors)`` with ``min(length + 1, max_length)`` columns; padding entries
    are zero.
    """
    batch, length = tf.shape(valid)[0], tf.shape(valid)[1]
    padded = [tf.concat([t, tf.zeros((batch, 1), t.dtype)], axis=1) for t in (valid, *tensors)]
    width = tf.minimum(length + 1, max_length)
    count = tf.reduce_sum(tf.cast(valid, tf.int32), axis=1, keepdims=True)
    start = tf.maximum(count - max_length, 0)
    index = start + tf.range(width)[tf.newaxis, :]
    keep = index < count
    out = []
    for t in padded:
        picked = tf.gather(t, tf.minimum(index, length), batch_dims=1)
        out.append(tf.where(keep, picked, tf.zeros_like(picked)))
    return tuple(out)


def hours_and_weekdays(timestamps: tf.Tensor, valid: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """UTC hour + 1 and weekday + 1 (Monday = 1) of int64 unix seconds; 0 where not valid."""
    hour = tf.math.floormod(tf.math.floordiv(timestamps, SECONDS_PER_HOUR), 24) + 1
    day = tf.math.floordiv(timestamps, SECONDS_PER_DAY) + EPOCH_WEEKDAY
    weekday = tf.math.floormod(day, 7) + 1
    zero = tf.zeros_like(hour)
    return (tf.cast(tf.where(valid, hour, zero), tf.int32),
            tf.cast(tf.where(valid, weekday, zero), tf.int32))


def log_gap(seconds: tf.Tensor) -> tf.Tensor:
    """``log1p(max(seconds, 0))`` as float32 (the model's gap feature)."""
    return tf.cast(tf.math.log1p(tf.cast(tf.maximum(seconds, 0), tf.float64)), tf.float32)


def history_log_gaps(timestamps: tf.Tensor, valid: tf.Tensor,
                     other_timestamps: tf.Tensor | None = None,
                     other_valid: tf.Tensor | None = None) -> tf.Tensor:
    """Log seconds since the user's previous event, for compacted rows ``[batch, length]``.

    The previous event is the previous entry of the row or, when given, the latest event of the
    other domain at or before this one (the training data measures gaps across domains). The
    first event of a user has gap 0.
    """
    lowest = tf.constant(tf.int64.min, tf.int64)
    previous = tf.concat([tf.fill((tf.shape(timestamps)[0], 1), lowest), timestamps[:, :-1]],
                         axis=1)
    if other_timestamps is not None:
        # The latest other-domain event at or before each event: a binary search in the row's
        # sorted other timestamps, O(batch · (length + other length)) memory, never
        # [batch, length, other length] (a long request must not exhaust a server).
        highest = tf.constant(tf.int64.max, tf.int64)
        other = tf.sort(tf.where(other_valid, other_timestamps, highest), axis=1)
        other = tf.concat([tf.fill((tf.shape(other)[0], 1), lowest), other], axis=1)
        at_or_before = tf.searchsorted(other, timestamps, side="right") - 1  # >= 0: lowest
        previous = tf.maximum(previous, tf.gather(other, at_or_before, batch_dims=1))
    gap = tf.where(previous == lowest, tf.zeros_like(timestamps), timestamps - previous)
    return tf.where(valid, log_gap(gap), 0.0)


def mask_items(scores: tf.Tensor, ids: tf.Tensor, value: float) -> tf.Tensor:
    """``scores`` ``[batch, num_items]`` with ``value`` written at every non-padding id of
    each row of ``ids`` ``[batch, width]`` (one scatter; repeated ids are harmless)."""
    where = tf.where(ids > 0)
    indices = tf.stack([where[:, 0], tf.cast(tf.gather_nd(ids, where), tf.int64)], axis=1)
    return tf.tensor_scatter_nd_update(
        scores, indices, tf.fill(tf.shape(indices)[:1], tf.cast(value, scores.dtype)))

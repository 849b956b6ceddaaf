"""Reserved places for new items in a top-k list: the exposure setting for items without
training events.

An item that never occurred in training reaches a user only through its text (the item tower's
text→id mapper and text path), and warm items with trained ids outscore it almost always. A
stated exposure budget gives new items ``slots`` of the ``k`` places: if fewer than ``slots``
new items made the list on their score, the lowest-scored warm items leave it and the best
remaining new items (by the same score) take their places, at the end of the list. A list that
already holds ``slots`` new items is unchanged, so a list holds *at least* ``min(slots, new
items left)`` new items — exactly that many when no new item scored into it by itself.

:func:`merge_new_item_slots` is the one implementation: the serving signatures call it on the
catalogue's top-k, and :func:`new_item_slot_ranks` measures it offline (the warm cost and the
cold gain of each budget, ``recsys-tf bench cold-start``).

Example:

>>> import numpy as np
>>> top = (np.array([[5., 4., 3.]]), np.array([[10, 11, 12]]))   # three warm items
>>> new = (np.array([[2., 1., 0.]]), np.array([[20, 21, 22]]))   # the best new items
>>> values, items = merge_new_item_slots(*top, np.zeros((1, 3), bool), *new, slots=2)
>>> items.numpy().tolist()
[[10, 20, 21]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from recsys_tf.data.history_mask import HistoryMask

# The export's setting: places of a top-10 kept for new items. The largest whose validation
# cost on warm targets stays within a 3% NDCG@10 budget in `recsys-tf bench cold-start`
# (benchmarks/results/cold-start.md); a catalogue without new items is unaffected.
DEFAULT_SLOTS = 1


def merge_new_item_slots(top_values, top_indices, top_is_new, new_values, new_indices,
                         slots) -> tuple[tf.Tensor, tf.Tensor]:
    """``(values, indices)`` ``[b, k]``: the top-k list with at least ``slots`` new items.

    Args:
        top_values, top_indices: ``[b, k]`` the best ``k`` allowed items per row, sorted
            (``-inf`` = fewer allowed items than ``k``).
        top_is_new: ``[b, k]`` booleans: which of them are new items.
        new_values, new_indices: ``[b, k]`` the best ``k`` allowed *new* items per row, sorted
            by the same score (``-inf`` = fewer new items).
        slots: places reserved for new items, a scalar or ``[b]`` (clipped to ``[0, k]``).
    """
    top_values = tf.convert_to_tensor(top_values)
    new_values = tf.cast(new_values, top_values.dtype)
    k = tf.shape(top_values)[1]
    negative_infinity = tf.constant(float("-inf"), top_values.dtype)
    slots = tf.clip_by_value(tf.cast(slots, tf.int32), 0, k)
    slots = tf.broadcast_to(slots, tf.shape(top_values)[:1])[:, tf.newaxis]
    top_is_new = tf.cast(top_is_new, tf.bool) & (top_values > negative_infinity)
    # The new items already in the list are the first `present` of the new items' own top-k.
    present = tf.reduce_sum(tf.cast(top_is_new, tf.int32), axis=1, keepdims=True)
    available = tf.reduce_sum(tf.cast(new_values > negative_infinity, tf.int32), axis=1,
                              keepdims=True)
    needed = tf.maximum(0, tf.minimum(slots, available) - present)
    is_warm = ~top_is_new & (top_values > negative_infinity)
    warm_from_end = tf.cumsum(tf.cast(is_warm, tf.int32), axis=1, reverse=True)
    dropped = is_warm & (warm_from_end <= needed)
    position = tf.range(k)[tf.newaxis, :]
    added = (position >= present) & (position < present + needed)
    # (With tied scores the two top-k lists may break ties apart: never add an item twice.)
    added &= ~tf.reduce_any(tf.cast(new_indices, tf.int64)[:, :, tf.newaxis]
                            == tf.cast(top_indices, tf.int64)[:, tf.newaxis, :], axis=2)
    # The reserved places go to the end of the list: rank the joined list by score, with the
    # added new items below every kept item.
    kept_values = tf.where(dropped, negative_infinity, top_values)
    order = tf.concat([tf.where(dropped, 0, 2 * k - position),
                       tf.where(added, k - position, 0)], axis=1)
    joined_values = tf.concat([kept_values, tf.where(added, new_values, negative_infinity)], 1)
    joined_indices = tf.concat([tf.cast(top_indices, tf.int64),
                                tf.cast(new_indices, tf.int64)], 1)
    chosen = tf.math.top_k(order, k=k).indices
    return (tf.gather(joined_values, chosen, batch_dims=1),
            tf.cast(tf.gather(joined_indices, chosen, batch_dims=1), top_indices.dtype))


def new_item_slot_ranks(score_fn, examples: dict[str, np.ndarray], *, candidate_mask: np.ndarray,
                        new_items: np.ndarray, slots: Sequence[int],
                        history: HistoryMask | None = None, k: int = 10,
                        batch_size: int = 1024) -> dict[int, np.ndarray]:
    """``{s: ranks}`` for each budget ``s`` in ``slots``: 0-based positions of the targets in
    the served top-``k`` lists with ``s`` places for ``new_items`` (``[num_items]`` booleans),
    ``k`` where the target is not in its list (one scoring pass for all budgets).
    :func:`~recsys_tf.evaluation.ranking_metrics.ranking_metrics` of them gives HR@c and
    NDCG@c for ``c <= k`` (not MRR). History and non-candidates are excluded as in
    :func:`~recsys_tf.evaluation.full_ranking.compute_ranks`."""
    count = len(examples["target"])
    num_items = len(candidate_mask)
    new_items = np.asarray(new_items, bool) & np.asarray(candidate_mask, bool)
    ranks = {int(s): np.full(count, k, np.int64) for s in slots}
    for start in range(0, count, batch_size):
        rows = slice(start, min(start + batch_size, count))
        batch = {name: values[rows] for name, values in examples.items()}
        scores = np.array(score_fn(batch), np.float32)
        excluded = np.broadcast_to(~np.asarray(candidate_mask, bool), scores.shape).copy()
        if history is not None:
            excluded |= history.dense(rows, num_items)
        scores[excluded] = -np.inf
        top = tf.math.top_k(scores, k=k)
        new = tf.math.top_k(np.where(new_items, scores, -np.inf), k=k)
        top_is_new = tf.gather(new_items, top.indices)
        for budget, budget_ranks in ranks.items():
            _, lists = merge_new_item_slots(top.values, top.indices, top_is_new, new.values,
                                            new.indices, budget)
            hit = lists.numpy() == batch["target"][:, None]
            budget_ranks[rows] = np.where(hit.any(axis=1), hit.argmax(axis=1), k)
    return ranks

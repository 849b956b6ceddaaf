"""Reserved places for new items in a top-k list: the exposure setting for items without
training events.

An item that never occurred in training reaches a user only through its text (the item tower's
text→id mapper and text path), and warm items with trained ids outscore it almost always. A
stated exposure budget gives new items ``slots`` of the ``k`` places: if fewer than ``slots``
new items made the list on their score, the lowest-scored warm items leave it and the best
other new items take their places, at the end of the list. New items are ranked for those
places by :func:`new_item_scores`: the model's score plus ``title_weight`` times the cosine of
their title with the user's last item's (a new item is most often a variant or a companion of
what the user just took; ``recsys-tf bench cold-start`` chooses the weight on validation).
Two rules keep the places for new items that can be the next one:

- a new item whose title *is* the last item's (cosine ≥ :data:`DUPLICATE_TITLE_COSINE`) is the
  same product listed again, not a next item: it gets no place (on Beauty, 11% of test users
  have such a twin among the new items and it is never their target; the model's own score
  puts it first for 0.2% of them, the rule for none);
- with ``min_similarity``, a new item gets a place only if its title cosine with the last item
  reaches it: the places go to the users whose last item has a close new relative, and the
  others keep their warm list (a budget spent where text is confident);
- with ``offset`` (:func:`earned_slots`), a new item gets a place only if its score plus
  ``offset`` reaches the score of the warm item it would push out (the first new item against
  the last warm item, the second against the one before): the offset puts the new-item score
  on the warm items' scale, so a list whose tail the model is sure of stays whole and a weak
  tail gives way (on Beauty this finds more new targets for the same warm cost than places
  for everyone or a least similarity; ``recsys-tf bench cold-start``).

A list that already holds ``slots`` new items is unchanged, so without an offset a list holds
*at least* ``min(slots, eligible new items left)`` new items — exactly that many when no new
item scored into it by itself.

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
>>> earned_slots(*top, np.zeros((1, 3), bool), *new, slots=2, offset=1.5).numpy().tolist()
[1]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.evaluation.full_ranking import scored_batches

# The export's setting, chosen in `recsys-tf bench cold-start` (benchmarks/results/cold-start.md)
# on validation: of the (places, least similarity, offset) settings whose cost on warm targets
# stays within a 3% NDCG@10 budget, the one that finds the most new targets. Up to 3 places of
# a top 10 ...
DEFAULT_SLOTS = 3
# ... for new items with any title (the least cosine with the user's last item's; -1: any) ...
DEFAULT_MIN_SIMILARITY = -1.0
# ... where a new item's score plus this offset reaches the warm item it pushes out (in the
# model's score units, log-odds, so chosen for a model: here the benchmark's Beauty models;
# ALWAYS: in every list). A catalogue without new items is unaffected.
ALWAYS = float("inf")
DEFAULT_OFFSET = -18.0
# The weight of the last item's title similarity when ranking new items for those places,
# chosen on validation in the same benchmark.
DEFAULT_TITLE_WEIGHT = 32.0
# Titles this close are the same text: the same product listed again under another id.
DUPLICATE_TITLE_COSINE = 0.999


def last_item_similarity(item_text, last_items) -> tf.Tensor:
    """``[b, n]`` float32: the cosine of every item's text (``item_text`` ``[n, d]``, unit rows)
    with the text of each row's last item (``last_items`` ``[b]``)."""
    item_text = tf.cast(item_text, tf.float32)
    return tf.matmul(tf.gather(item_text, last_items), item_text, transpose_b=True)


def new_item_scores(scores, similarity, title_weight, min_similarity=-1.0):
    """``scores`` ``[b, n]`` plus ``title_weight`` times ``similarity`` ``[b, n]``
    (:func:`last_item_similarity`): how :func:`merge_new_item_slots`' new items are ranked.
    Items that may not take a place score ``-inf``: the last item's title twins (cosine ≥
    :data:`DUPLICATE_TITLE_COSINE`) and those under ``min_similarity``."""
    scores = tf.convert_to_tensor(scores)
    similarity = tf.cast(similarity, scores.dtype)
    eligible = ((similarity < DUPLICATE_TITLE_COSINE)
                & (similarity >= tf.cast(min_similarity, scores.dtype)))
    return tf.where(eligible, scores + tf.cast(title_weight, scores.dtype) * similarity,
                    tf.constant(float("-inf"), scores.dtype))


def _list_parts(top_values, top_indices, top_is_new, new_values, new_indices):
    """``(top_values, new_values, present [b, 1], fresh [b, k], is_warm [b, k])``: the number
    of new items already in each list, the new items that could join it (not in it, allowed)
    and its warm items."""
    top_values = tf.convert_to_tensor(top_values)
    new_values = tf.cast(new_values, top_values.dtype)
    negative_infinity = tf.constant(float("-inf"), top_values.dtype)
    top_is_new = tf.cast(top_is_new, tf.bool) & (top_values > negative_infinity)
    present = tf.reduce_sum(tf.cast(top_is_new, tf.int32), axis=1, keepdims=True)
    in_list = tf.reduce_any(tf.cast(new_indices, tf.int64)[:, :, tf.newaxis]
                            == tf.cast(top_indices, tf.int64)[:, tf.newaxis, :], axis=2)
    fresh = ~in_list & (new_values > negative_infinity)
    is_warm = ~top_is_new & (top_values > negative_infinity)
    return top_values, new_values, present, fresh, is_warm


def earned_slots(top_values, top_indices, top_is_new, new_values, new_indices, slots,
                 offset=ALWAYS) -> tf.Tensor:
    """``[b]`` int32: the places of :func:`merge_new_item_slots` each list earns under
    ``offset``: the new items already in it plus, in order, each new item whose value plus
    ``offset`` reaches the warm item it would push out (the n-th new item against the n-th
    warm item from the end), at most ``slots`` in all. ``offset`` = :data:`ALWAYS` (inf):
    ``slots`` for every list. Arguments as :func:`merge_new_item_slots`."""
    top_values, new_values, present, fresh, is_warm = _list_parts(
        top_values, top_indices, top_is_new, new_values, new_indices)
    k = tf.shape(top_values)[1]
    infinity = tf.constant(float("inf"), top_values.dtype)
    # The n-th candidate (best first) against the n-th weakest warm item.
    joining = tf.sort(tf.where(fresh, new_values, -infinity), axis=1, direction="DESCENDING")
    leaving = tf.sort(tf.where(is_warm, top_values, infinity), axis=1)
    # A missing candidate (-inf) never joins, even with an infinite offset (NaN compares False).
    beats = joining + tf.cast(offset, top_values.dtype) >= leaving
    joined = tf.reduce_sum(tf.math.cumprod(tf.cast(beats, tf.int32), axis=1), axis=1)
    slots = tf.broadcast_to(tf.clip_by_value(tf.cast(slots, tf.int32), 0, k),
                            tf.shape(top_values)[:1])
    return tf.minimum(slots, present[:, 0] + joined)


def merge_new_item_slots(top_values, top_indices, top_is_new, new_values, new_indices,
                         slots) -> tuple[tf.Tensor, tf.Tensor]:
    """``(values, indices)`` ``[b, k]``: the top-k list with at least ``slots`` new items.

    Args:
        top_values, top_indices: ``[b, k]`` the best ``k`` allowed items per row, sorted
            (``-inf`` = fewer allowed items than ``k``).
        top_is_new: ``[b, k]`` booleans: which of them are new items.
        new_values, new_indices: ``[b, k]`` the best ``k`` allowed *new* items per row, sorted
            by their new-item score (:func:`new_item_scores`; ``-inf`` = fewer new items). An
            added item's value in the result is that score.
        slots: places reserved for new items, a scalar or ``[b]`` (clipped to ``[0, k]``;
            :func:`earned_slots` gives them under an offset).
    """
    top_values, new_values, present, fresh, is_warm = _list_parts(
        top_values, top_indices, top_is_new, new_values, new_indices)
    k = tf.shape(top_values)[1]
    negative_infinity = tf.constant(float("-inf"), top_values.dtype)
    slots = tf.clip_by_value(tf.cast(slots, tf.int32), 0, k)
    slots = tf.broadcast_to(slots, tf.shape(top_values)[:1])[:, tf.newaxis]
    # The candidates for the places: the best new items not already in the list.
    available = tf.reduce_sum(tf.cast(fresh, tf.int32), axis=1, keepdims=True)
    needed = tf.maximum(0, tf.minimum(slots - present, available))
    warm_from_end = tf.cumsum(tf.cast(is_warm, tf.int32), axis=1, reverse=True)
    dropped = is_warm & (warm_from_end <= needed)
    added = fresh & (tf.cumsum(tf.cast(fresh, tf.int32), axis=1) <= needed)
    position = tf.range(k)[tf.newaxis, :]
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
                        item_text: np.ndarray | None = None,
                        title_weights: Sequence[float] = (0.0,),
                        min_similarities: Sequence[float] = (-1.0,),
                        offsets: Sequence[float] = (ALWAYS,),
                        history: HistoryMask | None = None, k: int = 10,
                        batch_size: int = 1024
                        ) -> dict[tuple[int, float, float, float], np.ndarray]:
    """``{(s, w, m, d): ranks}`` for each budget ``s`` in ``slots``, title weight ``w`` in
    ``title_weights``, least similarity ``m`` in ``min_similarities`` (both need
    ``item_text``) and offset ``d`` in ``offsets``: 0-based positions of the targets in the
    served top-``k`` lists with up to ``s`` places for ``new_items`` (``[num_items]``
    booleans) ranked by :func:`new_item_scores` and earned under ``d``
    (:func:`earned_slots`), ``k`` where the target is not in its list (one scoring pass for
    all). :func:`~recsys_tf.evaluation.ranking_metrics.ranking_metrics` of them gives HR@c and
    NDCG@c for ``c <= k`` (not MRR). History and non-candidates are excluded as in
    :func:`~recsys_tf.evaluation.full_ranking.compute_ranks`."""
    count = len(examples["target"])
    new_items = np.asarray(new_items, bool) & np.asarray(candidate_mask, bool)
    if item_text is None and (any(title_weights) or any(m > -1 for m in min_similarities)):
        raise ValueError("`title_weights` other than 0 and `min_similarities` above -1 need "
                         "`item_text`.")
    settings = [(float(w), float(m)) for w in title_weights for m in min_similarities]
    ranks = {(int(s), w, m, float(d)): np.full(count, k, np.int64)
             for s in slots for w, m in settings for d in offsets}
    for rows, batch, scores, excluded in scored_batches(score_fn, examples, candidate_mask,
                                                        history, batch_size):
        scores = np.where(excluded, -np.inf, scores).astype(np.float32)
        top = tf.math.top_k(scores, k=k)
        top_is_new = tf.gather(new_items, top.indices)
        last_items = np.take_along_axis(
            batch["item_ids"], np.maximum(batch["history_length"] - 1, 0)[:, None], 1)[:, 0]
        similarity = None if item_text is None else last_item_similarity(item_text, last_items)
        for weight, least in settings:
            ranked = (scores if similarity is None else
                      new_item_scores(scores, similarity, weight, least).numpy())
            new = tf.math.top_k(np.where(new_items & ~excluded, ranked, -np.inf), k=k)
            # Lists are merged row by row: each row's list with p places is that of the
            # merge with p places for every row, so one merge per p serves every offset.
            position = np.stack([_target_positions(
                merge_new_item_slots(top.values, top.indices, top_is_new, new.values,
                                     new.indices, places)[1], batch["target"], k)
                for places in range(max(slots) + 1)], axis=1)
            for offset in offsets:
                # Every budget earns the same places up to its own number of them.
                most = earned_slots(top.values, top.indices, top_is_new, new.values,
                                    new.indices, max(slots), offset).numpy()
                for budget in slots:
                    earned = np.minimum(most, budget)
                    ranks[int(budget), weight, least, float(offset)][rows] = np.take_along_axis(
                        position, earned[:, None], axis=1)[:, 0]
    return ranks


def _target_positions(lists: tf.Tensor, targets: np.ndarray, k: int) -> np.ndarray:
    """``[b]``: each target's 0-based position in its row of ``lists`` ``[b, k]``, else ``k``."""
    hit = lists.numpy() == targets[:, None]
    return np.where(hit.any(axis=1), hit.argmax(axis=1), k)

"""Full-ranking ranks and top-k computed in TensorFlow, over blocks of the catalogue.

:func:`~recsys_tf.evaluation.full_ranking.compute_ranks` builds a host array of float64 scores
``[batch, num_items]`` per batch: 80 GB for 1,000 targets against 10M items. Here the scores
of a batch are made one block of ``block_size`` items at a time, on the device that runs the
graph, in float32: memory is ``O(batch × block)``, whatever the catalogue.

The rule is the host one (:func:`~recsys_tf.evaluation.ranking_metrics.target_ranks`): a
target's rank is the number of other allowed items scoring ``>=`` it (ties count against the
target); items outside the candidate mask and the target's prior history are not ranked, the
target always is; a NaN target score ranks last. The target's own score is read from the same
matrix product that scores its competitors, so ties are ties on both paths. Top-k lists leave
out the same items and keep the ``k`` best by a running merge of each block's top-k.

Example::

    ranker = BlockRanker(model, block_size=65536)
    ranks, top = ranker.ranks(examples, history=prepared.test_history, k=10)
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from recsys_tf.data.history_mask import HistoryMask

DEFAULT_BLOCK_SIZE = 65536


def block_ranks(user_vectors, targets, history_items, history_splits, *, score,
                item_vectors, num_items: int, block_size: int, k: int = 0, last_items=None):
    """Ranks ``[b]`` (int64) and, with ``k`` > 0, top-k ``(scores [b, k], items [b, k])``.

    Args:
        user_vectors: ``[b, d]`` float32, from ``score.user_vectors``.
        targets: ``[b]`` int32 item ids.
        history_items, history_splits: the targets' prior-history items as a ragged row
            partition (``values``, ``row_splits``); they are not ranked (the target is).
        score: the model's :class:`~recsys_tf.layers.RetrievalScore` (the formula, the
            candidate mask and the transition prior).
        item_vectors: ``[num_items, d]`` item vectors (``score.item_vectors``).
        num_items: catalogue size.
        block_size: items scored at once.
        k: top-k length (0: ranks only).
        last_items: ``[b]`` each user's last item, for the transition prior.
    """
    targets = tf.cast(targets, tf.int32)
    batch = tf.shape(targets)[0]
    history = tf.RaggedTensor.from_row_splits(tf.cast(history_items, tf.int32),
                                              tf.cast(history_splits, tf.int64))
    history_rows = tf.cast(history.value_rowids(), tf.int32)
    target_scores = _target_scores(user_vectors, targets, score=score,
                                   item_vectors=item_vectors, last_items=last_items,
                                   num_items=num_items, block_size=block_size)
    ranks = tf.zeros([batch], tf.int64)
    top_scores = tf.fill([batch, k], float("-inf"))
    top_items = tf.zeros([batch, k], tf.int32)
    for first in range(0, num_items, block_size):
        width = min(block_size, num_items - first)
        scores = score(user_vectors, item_vectors[first:first + width], last_items=last_items,
                       exclude_non_candidates=True, first_item=first)
        local = history.values - first
        inside = (local >= 0) & (local < width)
        excluded = tf.scatter_nd(
            tf.stack([tf.boolean_mask(history_rows, inside), tf.boolean_mask(local, inside)],
                     axis=1), tf.ones([tf.reduce_sum(tf.cast(inside, tf.int32))], tf.bool),
            [batch, width])
        own = tf.equal(first + tf.range(width)[None, :], targets[:, None])
        # Non-candidates score -inf and never reach a target's (finite or NaN) score.
        beats = (scores >= target_scores[:, None]) & ~excluded & ~own
        ranks += tf.reduce_sum(tf.cast(beats, tf.int64), axis=1)
        if k:
            shown = tf.where(excluded, float("-inf"), scores)
            values, items = tf.math.top_k(shown, k=min(k, width))
            merged_scores = tf.concat([top_scores, values], axis=1)
            merged_items = tf.concat([top_items, items + first], axis=1)
            best = tf.math.top_k(merged_scores, k=k)
            top_scores = best.values
            top_items = tf.gather(merged_items, best.indices, batch_dims=1)
    ranks = tf.where(tf.math.is_nan(target_scores), tf.cast(num_items - 1, tf.int64), ranks)
    return (ranks, (top_scores, top_items)) if k else (ranks, None)


def _target_scores(user_vectors, targets, *, score, item_vectors, last_items, num_items,
                   block_size):
    """Each row's score of its own target, read from the matrix product of the target's block,
    the product that scores its competitors."""
    out = tf.zeros(tf.shape(targets), tf.float32)
    for first in range(0, num_items, block_size):
        width = min(block_size, num_items - first)
        inside = (targets >= first) & (targets < first + width)
        if not bool(tf.executing_eagerly()) or bool(tf.reduce_any(inside)):
            scores = score(user_vectors, item_vectors[first:first + width],
                           last_items=last_items, first_item=first)
            local = tf.clip_by_value(targets - first, 0, width - 1)
            out = tf.where(inside, tf.gather(scores, local, batch_dims=1), out)
    return out


class BlockRanker:
    """:func:`block_ranks` for a :class:`~recsys_tf.models.TwoTowerModel` on evaluation
    examples, batch by batch, as :func:`~recsys_tf.evaluation.full_ranking.compute_ranks` does
    on the host (the query read at each example's last history position, the transition prior
    from its last item).

    Args:
        model: the trained model.
        block_size: items scored at once (memory ``batch × block_size`` floats).
    """

    def __init__(self, model, block_size: int = DEFAULT_BLOCK_SIZE):
        if block_size < 1:
            raise ValueError(f"`block_size` must be >= 1. Received: {block_size}")
        self.model = model
        self.block_size = block_size
        self.num_items = model.config.num_items
        self._functions = {}

    def _function(self, k: int):
        if k not in self._functions:
            model, score = self.model, self.model.retrieval_score

            @tf.function(reduce_retracing=True)
            def run(features, last, targets, history_items, history_splits):
                outputs = model.query_model(features, training=False)
                query = tf.gather(outputs["query_embedding"], last, batch_dims=1)
                interest = outputs.get("interest")
                if interest is not None:
                    interest = tf.gather(interest, last, batch_dims=1)
                return block_ranks(
                    score.user_vectors(query, interest), targets, history_items,
                    history_splits, score=score, item_vectors=model.catalogue_vectors(),
                    num_items=self.num_items, block_size=self.block_size, k=k,
                    last_items=tf.gather(features["item_ids"], last, batch_dims=1))

            self._functions[k] = run
        return self._functions[k]

    def ranks(self, examples: dict[str, np.ndarray], *, history: HistoryMask | None = None,
              batch_size: int = 1024, k: int = 0):
        """``ranks`` ``[n]`` int64, or with ``k`` > 0 ``(ranks, top_items [n, k])``."""
        run = self._function(k)
        count = len(examples["target"])
        ranks = np.zeros(count, np.int64)
        top = np.zeros((count, k), np.int64)
        names = self.model.input_names
        for start in range(0, count, batch_size):
            stop = min(start + batch_size, count)
            batch = {name: examples[name][start:stop] for name in names}
            last = np.maximum(examples["history_length"][start:stop] - 1, 0).astype(np.int32)
            if history is None:
                items, splits = np.zeros(0, np.int32), np.zeros(stop - start + 1, np.int64)
            else:
                lo, hi = history.offsets[start], history.offsets[stop]
                items = history.items[lo:hi].astype(np.int32)
                splits = history.offsets[start:stop + 1] - lo
            rows, best = run(batch, last, examples["target"][start:stop].astype(np.int32),
                             items, splits)
            ranks[start:stop] = rows.numpy()
            if k:
                top[start:stop] = best[1].numpy()
        return (ranks, top) if k else ranks

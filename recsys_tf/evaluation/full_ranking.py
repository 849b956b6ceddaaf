"""Full-ranking evaluation of a model (or a baseline) on evaluation examples."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.evaluation.ranking_metrics import ranking_metrics, target_ranks

ScoreFn = Callable[[dict[str, np.ndarray]], np.ndarray]
HOST_SCORES = 2**25  # scores per host batch at most (256 MB of float64)


def evaluate_full_ranking(score_fn: ScoreFn, examples: dict[str, np.ndarray], *,
                          candidate_mask: np.ndarray, history: HistoryMask | None = None,
                          batch_size: int = 1024, ks: tuple[int, ...] = (10,)
                          ) -> dict[str, float]:
    """Ranks every target against the whole catalogue (minus masked items), batch by batch.

    Args:
        score_fn: batch of example features -> ``[batch, num_items]`` scores.
        examples: from :func:`~recsys_tf.data.examples.evaluation_examples` (needs ``target``).
        candidate_mask: ``[num_items]`` booleans of rankable items (false: padding, OOV, other
            domains).
        history: per-target prior-history items to exclude (the target is kept).
        batch_size: targets per batch.
        ks: cut-offs.

    Returns:
        ``hr@k``, ``ndcg@k``, ``mrr``, ``count``.
    """
    ranks = compute_ranks(score_fn, examples, candidate_mask=candidate_mask, history=history,
                          batch_size=batch_size)
    return ranking_metrics(ranks, ks)


def compute_ranks(score_fn: ScoreFn, examples: dict[str, np.ndarray], *,
                  candidate_mask: np.ndarray, history: HistoryMask | None = None,
                  batch_size: int = 1024) -> np.ndarray:
    """0-based pessimistic ranks of the targets (see :func:`evaluate_full_ranking`)."""
    count = len(examples["target"])
    ranks = np.zeros(count, np.int64)
    for rows, batch, scores, excluded in scored_batches(score_fn, examples, candidate_mask,
                                                        history, batch_size):
        ranks[rows] = target_ranks(scores, batch["target"], excluded)
    return ranks


def scored_batches(score_fn: ScoreFn, examples: dict[str, np.ndarray],
                   candidate_mask: np.ndarray, history: HistoryMask | None, batch_size: int):
    """Yields ``(rows, batch, scores, excluded)`` per batch of ``examples``: the batch's
    ``[b, num_items]`` scores (float64) and the items its ranking leaves out (non-candidates
    and, with ``history``, each target's prior history). Batches hold at most
    :data:`HOST_SCORES` scores (fewer targets than ``batch_size`` on a large catalogue)."""
    count = len(examples["target"])
    num_items = len(candidate_mask)
    batch_size = max(1, min(batch_size, HOST_SCORES // max(num_items, 1)))
    for start in range(0, count, batch_size):
        rows = slice(start, min(start + batch_size, count))
        batch = {k: v[rows] for k, v in examples.items()}
        scores = np.asarray(score_fn(batch), np.float64)
        excluded = np.broadcast_to(~np.asarray(candidate_mask, bool), scores.shape).copy()
        if history is not None:
            excluded |= history.dense(rows, num_items)
        yield rows, batch, scores, excluded


def popularity_scores(counts: np.ndarray) -> ScoreFn:
    """The most-popular baseline: the same score vector (training counts) for every user."""
    counts = np.asarray(counts, np.float64)

    def score(batch: dict[str, np.ndarray]) -> np.ndarray:
        return np.broadcast_to(counts, (len(batch["target"]), len(counts)))

    return score


def popularity_position_scores(counts: np.ndarray):
    """Most-popular after every position: ``batch -> [batch, length, num_items]`` (the same
    list whatever the user did; the drift reports' reference)."""
    counts = np.asarray(counts, np.float64)

    def score(batch: dict[str, np.ndarray]) -> np.ndarray:
        return np.broadcast_to(counts, (*batch["item_ids"].shape, len(counts)))

    return score

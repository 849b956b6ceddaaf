"""Full-ranking metrics from target ranks: HR@K, NDCG@K, MRR (pessimistic ties, masking)."""

from __future__ import annotations

import numpy as np

NEG_INF = -np.inf


def target_ranks(scores: np.ndarray, targets: np.ndarray,
                 excluded: np.ndarray | None = None) -> np.ndarray:
    """0-based rank of each target among the allowed items, ties counted against the target.

    Args:
        scores: ``[n, num_items]``.
        targets: ``[n]`` target item indices.
        excluded: optional ``[n, num_items]`` (or ``[num_items]``) booleans: items that are not
            ranked (history, padding, other domains). The target itself is always kept.

    Returns:
        ``[n]`` int64: the number of allowed items other than the target scoring ``>=`` it.

    Example:

    >>> scores = np.array([[0.0, 0.5, 0.9, 0.5]])
    >>> int(target_ranks(scores, np.array([1]))[0])  # item 2 above, item 3 tied: rank 2
    2
    >>> int(target_ranks(scores, np.array([1]), np.array([[0, 0, 1, 0]], bool))[0])
    1
    """
    scores = np.asarray(scores, np.float64)
    rows = np.arange(len(targets))
    target_scores = scores[rows, targets]
    beats = scores >= target_scores[:, None]
    beats[rows, targets] = False
    if excluded is not None:
        beats &= ~np.broadcast_to(excluded, scores.shape)
    # A NaN target score ranks last; NaN competitors never beat it.
    nan_target = np.isnan(target_scores)
    ranks = beats.sum(axis=1).astype(np.int64)
    ranks[nan_target] = scores.shape[1] - 1
    return ranks


def user_ndcg(ranks: np.ndarray, k: int) -> np.ndarray:
    """Each user's NDCG@k from 0-based ranks (one relevant item): ``1 / log2(rank + 2)`` inside
    the top ``k``, else 0.

    >>> user_ndcg(np.array([0, 1, 20]), 10).round(4).tolist()
    [1.0, 0.6309, 0.0]
    """
    ranks = np.asarray(ranks)
    return np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)


def ranking_metrics(ranks: np.ndarray, ks: tuple[int, ...] = (10,)) -> dict[str, float]:
    """``hr@k``, ``ndcg@k`` for each ``k`` and ``mrr`` from 0-based ranks (one relevant item).

    Example:

    >>> metrics = ranking_metrics(np.array([0, 1, 20]), ks=(10,))
    >>> round(metrics["hr@10"], 4), round(metrics["ndcg@10"], 4), round(metrics["mrr"], 4)
    (0.6667, 0.5436, 0.5159)
    """
    ranks = np.asarray(ranks)
    if not len(ranks):
        return {**{f"{m}@{k}": float("nan") for k in ks for m in ("hr", "ndcg")},
                "mrr": float("nan"), "count": 0}
    out: dict[str, float] = {}
    for k in ks:
        hit = ranks < k
        out[f"hr@{k}"] = float(hit.mean())
        out[f"ndcg@{k}"] = float(user_ndcg(ranks, k).mean())
    out["mrr"] = float((1.0 / (ranks + 1.0)).mean())
    out["count"] = len(ranks)
    return out

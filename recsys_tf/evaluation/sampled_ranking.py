"""The sampled protocol: each target ranked against N seeded negatives from its own domain.

The SASRec / BERT4Rec papers rank the target against 100 sampled items, the cross-domain
literature against 999. Negatives are drawn uniformly, without replacement, from the items of
the target's domain that are neither the target nor in the user's prior history (the usual
"items the user has not interacted with"). Full ranking (:mod:`full_ranking`) is the stricter
protocol; the sampled one is reported for comparison with published numbers.

Example::

    negatives = sample_negatives(examples["target"], history, item_domains,
                                 candidate_mask, num_negatives=100, seed=0)
    ranks = compute_sampled_ranks(score_fn, examples, negatives)
    ranking_metrics(ranks, ks=(10,))
"""

from __future__ import annotations

import numpy as np

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.evaluation.full_ranking import ScoreFn


def sample_negatives(targets: np.ndarray, history: HistoryMask | None,
                     item_domains: np.ndarray, candidate_mask: np.ndarray, *,
                     num_negatives: int, seed: int = 0) -> np.ndarray:
    """``[n, num_negatives]`` negative item indices per target (seeded, reproducible).

    Args:
        targets: ``[n]`` target item indices.
        history: prior-history items of each target (excluded); None excludes nothing.
        item_domains: ``[num_items]`` domain index of each item.
        candidate_mask: ``[num_items]`` rankable items (false: PAD, OOV).
        num_negatives: N.
        seed: the sample's seed.

    Raises:
        ValueError: when a target's domain has fewer than N eligible items.
    """
    targets = np.asarray(targets, np.int64)
    item_domains = np.asarray(item_domains)
    candidate_mask = np.asarray(candidate_mask, bool)
    rng = np.random.default_rng(seed)
    pools = {domain: np.flatnonzero(candidate_mask & (item_domains == domain))
             for domain in np.unique(item_domains[targets])}
    out = np.zeros((len(targets), num_negatives), np.int64)
    for row, target in enumerate(targets):
        pool = pools[item_domains[target]]
        blocked = {int(target)}
        if history is not None:
            lo, hi = history.offsets[row], history.offsets[row + 1]
            blocked.update(history.items[lo:hi].tolist())
        available = len(pool) - sum(1 for item in blocked if item_domains[item]
                                    == item_domains[target] and candidate_mask[item])
        if available < num_negatives:
            raise ValueError(f"Target {row} (item {target}): its domain has {available} "
                             f"eligible items, fewer than num_negatives={num_negatives}.")
        out[row] = _draw(rng, pool, np.fromiter(blocked, np.int64), num_negatives)
    return out


def _draw(rng: np.random.Generator, pool: np.ndarray, blocked: np.ndarray,
          count: int) -> np.ndarray:
    """``count`` distinct items of ``pool`` outside ``blocked``, in draw order (rejection
    sampling: blocked items are few against the pool)."""
    chosen = np.zeros(0, np.int64)
    while len(chosen) < count:
        draws = pool[rng.integers(0, len(pool), 2 * count)]
        draws = np.concatenate([chosen, draws])
        _, first = np.unique(draws, return_index=True)
        draws = draws[np.sort(first)]
        chosen = draws[~np.isin(draws, blocked)][:count]
    return chosen


def sampled_ranks(scores: np.ndarray, targets: np.ndarray,
                  negatives: np.ndarray) -> np.ndarray:
    """0-based rank of each target among its negatives, ties counted against the target.

    Example:

    >>> scores = np.array([[0.1, 0.5, 0.9, 0.5]])
    >>> int(sampled_ranks(scores, np.array([1]), np.array([[0, 3]]))[0])   # item 3 ties
    1
    """
    scores = np.asarray(scores, np.float64)
    rows = np.arange(len(targets))
    target_scores = scores[rows, targets]
    negative_scores = np.take_along_axis(scores, np.asarray(negatives), axis=1)
    ranks = (negative_scores >= target_scores[:, None]).sum(axis=1).astype(np.int64)
    ranks[np.isnan(target_scores)] = negatives.shape[1]
    return ranks


def compute_sampled_ranks(score_fn: ScoreFn, examples: dict[str, np.ndarray],
                          negatives: np.ndarray, *, batch_size: int = 1024) -> np.ndarray:
    """Sampled-protocol ranks of every target, scoring ``batch_size`` targets at a time."""
    count = len(examples["target"])
    ranks = np.zeros(count, np.int64)
    for start in range(0, count, batch_size):
        rows = slice(start, min(start + batch_size, count))
        batch = {k: v[rows] for k, v in examples.items()}
        ranks[rows] = sampled_ranks(score_fn(batch), batch["target"], negatives[rows])
    return ranks

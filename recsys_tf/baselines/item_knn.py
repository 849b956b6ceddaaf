"""Item-to-item co-occurrence (item-KNN) recommender for next-item prediction."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp


@dataclasses.dataclass(frozen=True)
class ItemKNN:
    """Cosine-normalised co-occurrence of items within ``window`` steps of one sequence.

    ``sim(i, j) = C_ij / sqrt(n_i · n_j)`` where ``C_ij`` counts the times ``j`` follows ``i``
    within ``window`` events, or ``i`` follows ``j`` (symmetric), and ``n_i`` the occurrences
    of ``i``. Only each item's ``neighbours`` most similar items are kept. A user's score for
    item ``j`` is ``Σ_h decay^age(h) · sim(h, j)`` over the last ``recent`` history items
    (age 0 = the latest event), so the most recent events weigh most. Items the neighbourhood
    does not reach are ordered by training popularity (a 1e-6-scaled back-off term), so an
    empty or unseen history gets the most-popular list instead of all-tied scores.

    Built by :meth:`fit` from training examples (``item_ids`` and next-item ``targets``
    ``[n, length]``, 0 = padding). Use :meth:`scorer` as an evaluation ``ScoreFn``.

    Example:

    >>> train = {"item_ids": np.array([[2, 3, 4]]), "targets": np.array([[3, 4, 2]])}
    >>> knn = ItemKNN(window=1).fit(train, num_items=5)
    >>> batch = {"item_ids": np.array([[2, 0, 0]]), "history_length": np.array([1])}
    >>> knn.scorer()(batch).round(2).tolist()   # 3 follows 2; 2 follows 4
    [[0.0, 0.0, 0.0, 0.71, 0.71]]
    """

    window: int = 3
    recent: int = 10
    decay: float = 0.8
    neighbours: int = 200
    similarity: sp.csr_matrix | None = dataclasses.field(default=None, repr=False)
    popularity: np.ndarray | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self):
        if self.window < 1 or self.recent < 1 or self.neighbours < 1:
            raise ValueError("`window`, `recent` and `neighbours` must be >= 1.")
        if not 0 < self.decay <= 1:
            raise ValueError(f"`decay` must be in (0, 1]. Received: {self.decay}")

    def fit(self, examples: dict[str, np.ndarray], num_items: int) -> ItemKNN:
        """The fitted recommender (a new object; this one is frozen)."""
        items, targets = np.asarray(examples["item_ids"]), np.asarray(examples["targets"])
        rows, cols = [], []
        length = items.shape[1]
        for distance in range(1, self.window + 1):
            # item_ids[:, t] is followed at distance d by targets[:, t + d - 1]
            first = items[:, :length - distance + 1]
            second = targets[:, distance - 1:]
            valid = (first > 0) & (second > 0) & (first != second)
            rows.append(first[valid])
            cols.append(second[valid])
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        counts = sp.coo_matrix((np.ones(len(rows)), (rows, cols)),
                               shape=(num_items, num_items)).tocsr()
        counts = counts + counts.T
        # Each event once: every input position, plus each row's last target.
        lengths = (targets > 0).sum(axis=1)
        last = targets[np.arange(len(targets)), np.maximum(lengths - 1, 0)][lengths > 0]
        occurrences = np.bincount(np.concatenate([items[items > 0], last]),
                                  minlength=num_items).astype(np.float64)
        norm = 1.0 / np.sqrt(np.maximum(occurrences, 1.0))
        similarity = sp.diags(norm) @ counts @ sp.diags(norm)
        popularity = np.bincount(targets[targets > 0], minlength=num_items).astype(np.float64)
        return dataclasses.replace(
            self, similarity=_top_per_row(similarity.tocsr(), self.neighbours),
            popularity=popularity / max(popularity.max(), 1.0))

    def scorer(self):
        """``batch -> [batch, num_items]`` scores from ``item_ids`` and ``history_length``."""
        if self.similarity is None:
            raise ValueError("Call `fit` first.")
        similarity, back_off = self.similarity, 1e-6 * self.popularity

        def score(batch: dict[str, np.ndarray]) -> np.ndarray:
            items = np.asarray(batch["item_ids"])
            lengths = np.asarray(batch["history_length"])
            age = lengths[:, None] - 1 - np.arange(items.shape[1])[None, :]
            use = (age >= 0) & (age < self.recent) & (items > 0)
            row, col = np.nonzero(use)
            weights = sp.coo_matrix((self.decay ** age[row, col], (row, items[row, col])),
                                    shape=(len(items), similarity.shape[0])).tocsr()
            return np.asarray((weights @ similarity).todense()) + back_off

        return score

    def position_scorer(self):
        """``batch -> [batch, length, num_items]``: the scores after every position."""
        score = self.scorer()

        def scores(batch: dict[str, np.ndarray]) -> np.ndarray:
            items = np.asarray(batch["item_ids"])
            return np.stack([score({"item_ids": items,
                                    "history_length": np.full(len(items), p + 1)})
                             for p in range(items.shape[1])], axis=1)

        return scores


def _top_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keeps the ``k`` largest entries of each row."""
    matrix.sort_indices()
    data, indices, indptr = [], [], [0]
    for row in range(matrix.shape[0]):
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        values, columns = matrix.data[lo:hi], matrix.indices[lo:hi]
        if len(values) > k:
            keep = np.argpartition(-values, k - 1)[:k]
            values, columns = values[keep], columns[keep]
        data.append(values)
        indices.append(columns)
        indptr.append(indptr[-1] + len(values))
    return sp.csr_matrix((np.concatenate(data), np.concatenate(indices), np.asarray(indptr)),
                         shape=matrix.shape)

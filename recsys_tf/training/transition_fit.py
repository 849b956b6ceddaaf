"""Fills a trained model's transition prior and chooses its two weights on validation.

The towers train without the prior. Afterwards, :func:`fit_transition_prior` counts the
training transitions into the model's :class:`~recsys_tf.layers.TransitionPrior` and picks the
weights ``(a, b)`` of ``a · log(1 + n) + b · n / N`` from a grid by validation NDCG@10 (the
early-stopping metric; full ranking, history masked, ties against the target). The towers
are trained as without the prior so that they keep learning the transitions training has few
or none of; the prior then adds only what the counts know (docs/experiments.md, "Transition
prior"). The grid includes ``(0, 0)``, and ties go
to the weaker prior, so the fit never lowers validation NDCG@10.

The grid search scores the catalogue once: a prior adds to at most ``max_successors`` items per
example, so the target's rank under any ``(a, b)`` follows from its own base score, its last
item's successors' base scores and the ten best other base scores (:class:`PriorRanking`).

Example::

    result = fit_transition_prior(model, prepared)     # sets the prior's weights
    result.log_count, result.share, result.valid_ndcg
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.data.transitions import transition_table
from recsys_tf.evaluation.model_scores import model_scorer
from recsys_tf.layers.transition_prior import transition_bonus

LOG_COUNT_GRID = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
SHARE_GRID = (0.0, 1.0, 3.0, 10.0, 30.0)
CUTOFF = 10


@dataclasses.dataclass(frozen=True)
class PriorRanking:
    """What decides each target's rank within the top :data:`CUTOFF` once a prior is added.

    Attributes:
        target_base: ``[n]`` the target's score without the prior.
        successor_base: ``[n, k]`` base scores of the last item's successors (``-inf`` where the
            successor is the target, padding, or excluded from the ranking).
        counts, totals: ``[n, k]`` / ``[n]`` the successors' counts and the last item's total.
        target_count: ``[n]`` the count of the (last item -> target) transition.
        others: ``[n, CUTOFF]`` the best base scores of the other allowed items (not the target,
            not a successor), ``-inf`` where fewer.
    """

    target_base: np.ndarray
    successor_base: np.ndarray
    counts: np.ndarray
    totals: np.ndarray
    target_count: np.ndarray
    others: np.ndarray

    def ranks(self, log_count: float, share: float) -> np.ndarray:
        """0-based ranks, exact below :data:`CUTOFF` (larger ranks come out >= it)."""
        def prior(counts, totals):
            return np.asarray(transition_bonus(counts, totals, log_count, share))

        target = self.target_base + prior(self.target_count, self.totals)
        successors = self.successor_base + prior(self.counts, self.totals[:, None])
        return ((successors >= target[:, None]).sum(1)
                + (self.others >= target[:, None]).sum(1)).astype(np.int64)


def prior_ranking(score_fn, examples: dict[str, np.ndarray], *, candidate_mask: np.ndarray,
                  history: HistoryMask | None, successors: np.ndarray, counts: np.ndarray,
                  totals: np.ndarray, batch_size: int = 1024) -> PriorRanking:
    """Scores ``examples`` once with ``score_fn`` (no prior) and keeps what
    :meth:`PriorRanking.ranks` needs; ``successors``/``counts``/``totals`` are the prior's
    tables (:class:`~recsys_tf.data.transitions.TransitionTable`)."""
    count, num_items = len(examples["target"]), len(candidate_mask)
    parts = []
    for start in range(0, count, batch_size):
        rows = slice(start, min(start + batch_size, count))
        batch = {k: v[rows] for k, v in examples.items()}
        scores = np.asarray(score_fn(batch), np.float64)
        n = len(scores)
        index = np.arange(n)
        excluded = np.broadcast_to(~np.asarray(candidate_mask, bool), scores.shape).copy()
        if history is not None:
            excluded |= history.dense(rows, num_items)
        target = batch["target"]
        excluded[index, target] = False
        scores[excluded] = -np.inf
        last = batch["item_ids"][index, np.maximum(batch["history_length"] - 1, 0)]
        mine, my_counts = successors[last], counts[last]
        is_target = mine == target[:, None]
        successor_base = np.where(is_target | (my_counts == 0), -np.inf,
                                  scores[index[:, None], mine])
        target_base = scores[index, target].copy()
        scores[index, target] = -np.inf
        scores[index[:, None], mine] = -np.inf
        others = -np.sort(-np.partition(scores, -CUTOFF, axis=1)[:, -CUTOFF:], axis=1)
        parts.append((target_base, successor_base, my_counts, totals[last],
                      (my_counts * is_target).sum(1), others))
    return PriorRanking(*(np.concatenate(arrays) for arrays in zip(*parts, strict=True)))


def ndcg_at_cutoff(ranks: np.ndarray) -> float:
    return float(np.where(ranks < CUTOFF, 1.0 / np.log2(ranks + 2.0), 0.0).mean())


@dataclasses.dataclass(frozen=True)
class TransitionFit:
    """The chosen weights, their validation NDCG@10, and the whole grid's."""

    log_count: float
    share: float
    valid_ndcg: float
    without_prior_ndcg: float
    grid: dict[str, float]
    dropped_transitions: int
    transitions: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def fit_transition_prior(model, prepared, *, batch_size: int = 1024,
                         log_count_grid=LOG_COUNT_GRID, share_grid=SHARE_GRID) -> TransitionFit:
    """Fills the model's transition prior from ``prepared.train`` and sets the grid's best
    weights by validation NDCG@10 (ties: the first in grid order, i.e. the weaker prior)."""
    layer = model.retrieval_score.transitions
    table = transition_table(prepared.train, prepared.num_items, layer.max_successors)
    layer.set_table(table)
    layer.set_weights_to(log_count=0.0, share=0.0)
    ranking = prior_ranking(model_scorer(model), prepared.valid,
                            candidate_mask=prepared.candidate_mask,
                            history=prepared.valid_history, successors=table.successors,
                            counts=table.counts, totals=table.totals, batch_size=batch_size)
    grid = {(a, b): ndcg_at_cutoff(ranking.ranks(a, b))
            for a, b in itertools.product(log_count_grid, share_grid)}
    (a, b), best = max(grid.items(), key=lambda item: item[1])
    layer.set_weights_to(log_count=a, share=b)
    return TransitionFit(log_count=a, share=b, valid_ndcg=best,
                         without_prior_ndcg=ndcg_at_cutoff(ranking.ranks(0.0, 0.0)),
                         grid={f"{a},{b}": value for (a, b), value in grid.items()},
                         dropped_transitions=table.dropped,
                         transitions=int(table.totals.sum()))

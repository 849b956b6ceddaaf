"""A model's full-ranking metrics, ranked on the host for small catalogues and on the device,
a block of the catalogue at a time, above :data:`HOST_RANKING_MAX_ITEMS`.

Both paths give the same ranks (:mod:`~recsys_tf.evaluation.device_ranks`; tested): the host
path (:func:`~recsys_tf.evaluation.full_ranking.evaluate_full_ranking`) is quicker on a small
catalogue, the device path holds ``batch × block`` floats whatever the catalogue. Validation
during training (:class:`~recsys_tf.training.ranking_validation.RankingValidation`) and the
test report (:func:`~recsys_tf.evaluation.run_report.evaluate_prepared`) rank through it.

Example::

    ranking = ModelRanking(model, prepared.candidate_mask)
    ranking.metrics(prepared.test, history=prepared.test_history, ks=(10, 20))["ndcg@10"]
"""

from __future__ import annotations

import numpy as np

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.evaluation.device_ranks import BlockRanker
from recsys_tf.evaluation.full_ranking import evaluate_full_ranking
from recsys_tf.evaluation.model_scores import model_scorer
from recsys_tf.evaluation.ranking_metrics import ranking_metrics

# Above this many items a model ranks on the device (the host path scores float64
# [batch, items] arrays: 0.8 GB per 1,024 targets at 100k items).
HOST_RANKING_MAX_ITEMS = 100_000


class ModelRanking:
    """Ranks ``model``'s evaluation examples against the catalogue, prior history masked.

    Args:
        model: a :class:`~recsys_tf.models.TwoTowerModel`.
        candidate_mask: ``[num_items]`` rankable items (the model's catalogue mask).
        device_above: rank with :class:`~recsys_tf.evaluation.device_ranks.BlockRanker` above
            this many items (one traced function for every call).
    """

    def __init__(self, model, candidate_mask: np.ndarray, *,
                 device_above: int = HOST_RANKING_MAX_ITEMS):
        self.candidate_mask = candidate_mask
        self.on_device = len(candidate_mask) > device_above
        self.scorer = BlockRanker(model) if self.on_device else model_scorer(model)

    def metrics(self, examples: dict[str, np.ndarray], *, history: HistoryMask | None,
                batch_size: int = 1024, ks: tuple[int, ...] = (10,)) -> dict[str, float]:
        """``hr@k``, ``ndcg@k``, ``mrr`` and ``count`` of the examples' targets."""
        if self.on_device:
            return ranking_metrics(self.scorer.ranks(examples, history=history,
                                                     batch_size=batch_size), ks)
        return evaluate_full_ranking(self.scorer, examples, candidate_mask=self.candidate_mask,
                                     history=history, batch_size=batch_size, ks=ks)

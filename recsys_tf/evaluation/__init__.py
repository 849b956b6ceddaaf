"""Evaluation: full-ranking metrics, history masking, baselines and interest-drift tracking."""

from recsys_tf.evaluation.full_ranking import (
    compute_ranks,
    evaluate_full_ranking,
    popularity_scores,
)
from recsys_tf.evaluation.history_mask import HistoryMask
from recsys_tf.evaluation.ranking_metrics import ranking_metrics, target_ranks

__all__ = ["HistoryMask", "compute_ranks", "evaluate_full_ranking", "popularity_scores",
           "ranking_metrics", "target_ranks"]

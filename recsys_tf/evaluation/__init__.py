"""Evaluation: full-ranking metrics, baselines and interest-drift tracking."""

from recsys_tf.evaluation.full_ranking import (
    compute_ranks,
    evaluate_full_ranking,
    popularity_scores,
)
from recsys_tf.evaluation.ranking_metrics import ranking_metrics, target_ranks

__all__ = ["compute_ranks", "evaluate_full_ranking", "popularity_scores",
           "ranking_metrics", "target_ranks"]

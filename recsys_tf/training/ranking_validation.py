"""Validation by full ranking at the end of each epoch (feeds early stopping)."""

from __future__ import annotations

import keras
import numpy as np

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.evaluation.device_ranks import BlockRanker
from recsys_tf.evaluation.full_ranking import evaluate_full_ranking
from recsys_tf.evaluation.model_scores import model_scorer
from recsys_tf.evaluation.ranking_metrics import ranking_metrics

# Above this many items validation ranks on the device, a block of the catalogue at a time
# (the host path holds float64 [batch, items] arrays: 0.8 GB per 1,024 targets at 100k items).
HOST_RANKING_MAX_ITEMS = 100_000


class RankingValidation(keras.callbacks.Callback):
    """Adds ``val_hr@10``, ``val_ndcg@10`` and ``val_mrr`` to the epoch logs.

    Targets are ranked against the whole catalogue with the user's prior history masked out
    (the target kept), ties counted against the target: on the host, or for catalogues of more
    than ``device_above`` items by :class:`~recsys_tf.evaluation.device_ranks.BlockRanker`
    (the same ranks; memory ``batch × block``).
    """

    def __init__(self, examples: dict[str, np.ndarray], history: HistoryMask,
                 candidate_mask: np.ndarray, batch_size: int = 1024,
                 device_above: int = HOST_RANKING_MAX_ITEMS):
        super().__init__()
        self.examples = examples
        self.history = history
        self.candidate_mask = candidate_mask
        self.batch_size = batch_size
        self.on_device = len(candidate_mask) > device_above

    def on_train_begin(self, logs=None):
        # One traced function for the whole run.
        self.scorer = BlockRanker(self.model) if self.on_device else model_scorer(self.model)

    def on_epoch_end(self, epoch, logs=None):
        if self.on_device:
            metrics = ranking_metrics(self.scorer.ranks(
                self.examples, history=self.history, batch_size=self.batch_size), (10,))
        else:
            metrics = evaluate_full_ranking(self.scorer, self.examples,
                                            candidate_mask=self.candidate_mask,
                                            history=self.history, batch_size=self.batch_size)
        if logs is not None:
            for key in ("hr@10", "ndcg@10", "mrr"):
                logs[f"val_{key}"] = metrics[key]

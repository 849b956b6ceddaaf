"""Validation by full ranking at the end of each epoch (feeds early stopping)."""

from __future__ import annotations

import keras
import numpy as np

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.evaluation.full_ranking import evaluate_full_ranking
from recsys_tf.evaluation.model_scores import model_scorer


class RankingValidation(keras.callbacks.Callback):
    """Adds ``val_hr@10``, ``val_ndcg@10`` and ``val_mrr`` to the epoch logs.

    Targets are ranked against the whole catalogue with the user's prior history masked out
    (the target kept), ties counted against the target.
    """

    def __init__(self, examples: dict[str, np.ndarray], history: HistoryMask,
                 candidate_mask: np.ndarray, batch_size: int = 1024):
        super().__init__()
        self.examples = examples
        self.history = history
        self.candidate_mask = candidate_mask
        self.batch_size = batch_size

    def on_train_begin(self, logs=None):
        self.scorer = model_scorer(self.model)  # one traced function for the whole run

    def on_epoch_end(self, epoch, logs=None):
        metrics = evaluate_full_ranking(self.scorer, self.examples,
                                        candidate_mask=self.candidate_mask,
                                        history=self.history, batch_size=self.batch_size)
        if logs is not None:
            for key in ("hr@10", "ndcg@10", "mrr"):
                logs[f"val_{key}"] = metrics[key]

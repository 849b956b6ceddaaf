"""Validation by full ranking at the end of each epoch (feeds early stopping)."""

from __future__ import annotations

import keras
import numpy as np

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.evaluation.model_ranking import HOST_RANKING_MAX_ITEMS, ModelRanking


class RankingValidation(keras.callbacks.Callback):
    """Adds ``val_hr@10``, ``val_ndcg@10`` and ``val_mrr`` to the epoch logs.

    Targets are ranked against the whole catalogue with the user's prior history masked out
    (the target kept), ties counted against the target: on the host, or for catalogues of more
    than ``device_above`` items on the device
    (:class:`~recsys_tf.evaluation.model_ranking.ModelRanking`: the same ranks; memory
    ``batch × block``).
    """

    def __init__(self, examples: dict[str, np.ndarray], history: HistoryMask,
                 candidate_mask: np.ndarray, batch_size: int = 1024,
                 device_above: int = HOST_RANKING_MAX_ITEMS):
        super().__init__()
        self.examples = examples
        self.history = history
        self.candidate_mask = candidate_mask
        self.batch_size = batch_size
        self.device_above = device_above

    def on_train_begin(self, logs=None):
        # One traced function for the whole run.
        self.ranking = ModelRanking(self.model, self.candidate_mask,
                                    device_above=self.device_above)

    def on_epoch_end(self, epoch, logs=None):
        metrics = self.ranking.metrics(self.examples, history=self.history,
                                       batch_size=self.batch_size)
        if logs is not None:
            for key in ("hr@10", "ndcg@10", "mrr"):
                logs[f"val_{key}"] = metrics[key]

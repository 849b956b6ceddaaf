"""Scores of a trained model for evaluation examples (last valid position of each history)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from recsys_tf.evaluation.full_ranking import ScoreFn


def model_scorer(model) -> ScoreFn:
    """``batch -> [batch, num_items]`` scores of a :class:`~recsys_tf.models.TwoTowerModel`,
    read at each example's last history position (``history_length - 1``).

    An example with an empty history is scored from the all-padding input (a learned default).
    """
    names = model.input_names

    @tf.function(reduce_retracing=True)
    def scores(features, last):
        outputs = model.query_model(features, training=False)
        query = tf.gather(outputs["query_embedding"], last, batch_dims=1)
        interest = outputs.get("interest")
        if interest is not None:
            interest = tf.gather(interest, last, batch_dims=1)
        return model.score(query, interest)

    def score(batch: dict[str, np.ndarray]) -> np.ndarray:
        last = np.maximum(batch["history_length"] - 1, 0).astype(np.int32)
        return scores({k: batch[k] for k in names}, last).numpy()

    return score

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
        return model.score(query, interest,
                           last_items=tf.gather(features["item_ids"], last, batch_dims=1))

    def score(batch: dict[str, np.ndarray]) -> np.ndarray:
        last = np.maximum(batch["history_length"] - 1, 0).astype(np.int32)
        return scores({k: batch[k] for k in names}, last).numpy()

    return score


def model_position_scorer(model):
    """``batch -> [batch, length, num_items]`` scores after every position, from one forward
    pass (the towers are causal, so position ``p`` has seen events ``0..p`` only)."""
    names = model.input_names

    @tf.function(reduce_retracing=True)
    def scores(features):
        outputs = model.query_model(features, training=False)
        query = outputs["query_embedding"]
        interest = outputs.get("interest")
        flat_interest = None
        if interest is not None:
            flat_interest = tf.reshape(interest, (-1, tf.shape(interest)[-1]))
        flat = model.score(tf.reshape(query, (-1, tf.shape(query)[-1])), flat_interest,
                           last_items=tf.reshape(features["item_ids"], (-1,)))
        return tf.reshape(flat, (tf.shape(query)[0], tf.shape(query)[1], -1))

    def score(batch: dict[str, np.ndarray]) -> np.ndarray:
        return scores({k: batch[k] for k in names}).numpy()

    return score

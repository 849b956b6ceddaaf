"""Scores of a trained model for evaluation examples (last valid position of each history).

Each model's scoring ``tf.function`` is built once and kept while the model lives, so a job
that scores the same model many times (every epoch's validation, the transition fit, the run
report) traces it once per input shape, not once per call.
"""

from __future__ import annotations

import weakref

import numpy as np
import tensorflow as tf

from recsys_tf.evaluation.full_ranking import ScoreFn

# model -> {"last": tf.function, "positions": tf.function}; the functions hold the model by a
# weak reference only, so an entry goes when its model does.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def model_scorer(model) -> ScoreFn:
    """``batch -> [batch, num_items]`` scores of a :class:`~recsys_tf.models.TwoTowerModel`,
    read at each example's last history position (``history_length - 1``).

    An example with an empty history is scored from the all-padding input (a learned default).
    """
    names, scores = model.input_names, _compiled(model, "last", _last_position_scores)

    def score(batch: dict[str, np.ndarray]) -> np.ndarray:
        last = np.maximum(batch["history_length"] - 1, 0).astype(np.int32)
        return scores({k: batch[k] for k in names}, last).numpy()

    score.model = model  # the scorer keeps its model alive; the cache does not
    return score


def model_position_scorer(model):
    """``batch -> [batch, length, num_items]`` scores after every position, from one forward
    pass (the towers are causal, so position ``p`` has seen events ``0..p`` only)."""
    names, scores = model.input_names, _compiled(model, "positions", _every_position_scores)

    def score(batch: dict[str, np.ndarray]) -> np.ndarray:
        return scores({k: batch[k] for k in names}).numpy()

    score.model = model
    return score


def _compiled(model, kind: str, build):
    per_model = _COMPILED.setdefault(model, {})
    if kind not in per_model:
        per_model[kind] = build(weakref.ref(model))
    return per_model[kind]


def _last_position_scores(model_ref):
    @tf.function(reduce_retracing=True)
    def scores(features, last):
        model = model_ref()
        outputs = model.query_model(features, training=False)
        query = tf.gather(outputs["query_embedding"], last, batch_dims=1)
        interest = outputs.get("interest")
        if interest is not None:
            interest = tf.gather(interest, last, batch_dims=1)
        return model.score(query, interest,
                           last_items=tf.gather(features["item_ids"], last, batch_dims=1))

    return scores


def _every_position_scores(model_ref):
    @tf.function(reduce_retracing=True)
    def scores(features):
        model = model_ref()
        outputs = model.query_model(features, training=False)
        query = outputs["query_embedding"]
        interest = outputs.get("interest")
        flat_interest = None
        if interest is not None:
            flat_interest = tf.reshape(interest, (-1, tf.shape(interest)[-1]))
        flat = model.score(tf.reshape(query, (-1, tf.shape(query)[-1])), flat_interest,
                           last_items=tf.reshape(features["item_ids"], (-1,)))
        return tf.reshape(flat, (tf.shape(query)[0], tf.shape(query)[1], -1))

    return scores

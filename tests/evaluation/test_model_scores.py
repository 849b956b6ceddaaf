import gc
import weakref

import numpy as np

from recsys_tf.evaluation import model_scores
from recsys_tf.evaluation.model_scores import model_position_scorer, model_scorer
from recsys_tf.models import TwoTowerModel
from tests.models.fixtures import NUM_ITEMS, batch, catalogue, tiny_config


def build():
    model = TwoTowerModel(tiny_config())
    model.set_catalogue(**catalogue())
    return model


def examples():
    x, _ = batch()
    return {**x, "history_length": (x["item_ids"] != 0).sum(axis=1)}


def test_scores_are_the_last_positions_of_the_every_position_scores():
    model, data = build(), examples()
    last = model_scorer(model)(data)
    every = model_position_scorer(model)(data)
    picked = every[np.arange(len(last)), data["history_length"] - 1]
    np.testing.assert_allclose(last, picked, rtol=1e-5, atol=1e-5)


def test_a_model_is_traced_once_however_many_scorers_are_made():
    """Every epoch's validation makes a new scorer; it must not retrace (TensorFlow warns about
    frequent retracing after five)."""
    model, data = build(), examples()
    first = model_scorer(model)(data)
    for _ in range(6):
        np.testing.assert_array_equal(model_scorer(model)(data), first)
    assert model_scores._COMPILED[model]["last"].experimental_get_tracing_count() == 1


def test_scores_follow_the_weights():
    model, data = build(), examples()
    scorer = model_scorer(model)
    before = scorer(data)
    for variable in model.query_model.trainable_variables:
        variable.assign(variable * 0.5)
    assert not np.allclose(scorer(data), before)


def test_a_scorer_keeps_its_model_alive():
    """``model_scorer(load())`` holds the only reference to the model."""
    data = examples()
    scorer = model_scorer(build())
    gc.collect()
    assert scorer(data).shape == (len(data["item_ids"]), NUM_ITEMS)


def test_the_cache_does_not_keep_a_model_alive():
    model = build()
    model_scorer(model)(examples())
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None

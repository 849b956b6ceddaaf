"""The folded serving step against the towers' own step methods (the reference)."""

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.export.folded_step import FoldedEventStep
from recsys_tf.export.tower_states import TowerStates
from recsys_tf.models import TwoTowerModel
from tests.models.fixtures import NUM_ITEMS, catalogue, tiny_config


def model_and_text(**overrides):
    model = TwoTowerModel(tiny_config(**overrides))
    values = catalogue()
    model.set_catalogue(**values)
    return model, tf.constant(values["text_embeddings"])


def events(batch: int, seed: int):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, NUM_ITEMS, batch).astype("int32")
    ids[0] = 0                                     # padding: the state must not move
    return {"item_ids": ids, "event_types": rng.integers(0, 4, batch).astype("int32"),
            "hours": rng.integers(0, 25, batch).astype("int32"),
            "weekdays": rng.integers(0, 8, batch).astype("int32"),
            "log_gaps": rng.uniform(0, 12, batch).astype("float32")}


@pytest.mark.parametrize("overrides", [
    {},                                                     # behaviour + content + cross + topics
    {"use_cross_domain": False, "use_time_features": False},
    {"use_content": False, "use_topic_interest": False},
    {"use_behaviour": False, "use_cross_domain": False},
])
def test_folded_steps_equal_the_tower_steps(overrides):
    model, text = model_and_text(**overrides)
    towers = model.towers()
    folded, reference = TowerStates(towers, text), TowerStates(towers, text, fold=False)
    assert isinstance(folded.folded, FoldedEventStep) and reference.folded is None
    rng = np.random.default_rng(1)
    state = tf.constant(rng.normal(scale=0.5, size=(7, folded.size)).astype("float32"))
    expected = actual = state
    for seed in range(5):                          # a few events in a row
        expected = reference.step(expected, events(7, seed))
        actual = folded.step(actual, events(7, seed))
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(actual[0], state[0])      # row 0 only saw padding


def test_a_non_default_lstm_activation_falls_back_to_the_tower_steps():
    model, text = model_and_text()
    model.query_model.get_layer("content_tower").lstm.cell.activation = tf.nn.relu
    assert TowerStates(model.towers(), text).folded is None

import keras
import numpy as np
import pytest

from recsys_tf.layers import BehaviourTower
from tests.keras_harness import assert_padding_invariant, run_layer_test, run_serialization_test
from tests.layers.fixtures import NUM_EVENT_TYPES, NUM_ITEMS, sequence_batch


def make(**kwargs):
    return BehaviourTower(NUM_ITEMS, NUM_EVENT_TYPES, embedding_dim=8, hidden_dim=6,
                          feature_dim=4, **kwargs)


def test_layer_and_weights():
    # item, event type, hour, weekday embeddings, gap dense (2), LSTM (3)
    run_layer_test(make(), sequence_batch(), expected_output_shape=(3, 5, 6),
                   expected_num_trainable_weights=9)


def test_without_time_features_ignores_them():
    tower = make(use_time_features=False)
    batch = sequence_batch()
    shuffled = {**batch, "hours": batch["hours"][::-1], "log_gaps": batch["log_gaps"] * 9}
    np.testing.assert_allclose(tower(batch), tower(shuffled))
    assert len(tower.trainable_weights) == 5


def test_padding_invariance():
    tower = make()
    assert_padding_invariant(tower, sequence_batch(), sequence_keys=list(sequence_batch()))


def test_outputs_are_causal():
    """Changing a later event never changes an earlier position's state."""
    tower = make()
    batch = sequence_batch()
    changed = {k: v.copy() for k, v in batch.items()}
    changed["item_ids"][0, 4] = 9  # was 7
    a, b = np.asarray(tower(batch)), np.asarray(tower(changed))
    np.testing.assert_allclose(a[0, :4], b[0, :4], atol=1e-6)
    assert not np.allclose(a[0, 4], b[0, 4])


def test_serialization(tmp_path):
    run_serialization_test(make(dropout=0.1), sequence_batch(), tmp_path)


@pytest.mark.parametrize("kwargs", [{"num_items": 0}, {"dropout": 1.0}, {"hidden_dim": -2}])
def test_bad_arguments(kwargs):
    values = {"num_items": NUM_ITEMS, "num_event_types": 3, **kwargs}
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        BehaviourTower(**values)


def test_shared_item_embedding_is_used_and_checked():
    table = keras.layers.Embedding(NUM_ITEMS, 8)
    tower = make(item_embedding=table)
    tower(sequence_batch())
    assert tower.item_embedding is table
    assert any(w is table.embeddings for w in tower.trainable_weights)
    with pytest.raises(ValueError, match=r"`item_embedding` must be an Embedding\(10, 8\)"):
        BehaviourTower(10, NUM_EVENT_TYPES, embedding_dim=8, item_embedding=table)

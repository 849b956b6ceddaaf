import numpy as np
import pytest

from recsys_tf.layers import CrossDomainTower
from tests.keras_harness import assert_padding_invariant, run_layer_test, run_serialization_test
from tests.layers.fixtures import NUM_EVENT_TYPES, NUM_ITEMS, TEXT_DIM, text_table


def stream():
    ids = np.array([[4, 5, 6, 0], [7, 0, 0, 0]], "int32")
    return {"item_ids": ids, "event_types": (ids > 0).astype("int32") * 2,
            "lengths": np.array([[0, 1, 3, 3, 0], [1, 1, 0, 0, 0]], "int32"),
            "text_embeddings": text_table()[ids]}


def make(**kwargs):
    return CrossDomainTower(NUM_ITEMS, NUM_EVENT_TYPES, embedding_dim=4, hidden_dim=5, **kwargs)


def test_layer_and_weights():
    # item, event type, text projection (2), LSTM (3)
    run_layer_test(make(text_projection_dim=3), stream(), expected_output_shape=(2, 5, 5),
                   expected_num_trainable_weights=7)


def test_reads_the_state_after_the_visible_events():
    tower = make()
    inputs = stream()
    out = np.asarray(tower(inputs))
    full = np.asarray(tower.lstm(tower.input_dropout(np.concatenate(
        [tower.item_embedding(inputs["item_ids"]),
         tower.event_type_embedding(inputs["event_types"])], -1)),
        mask=inputs["item_ids"] != 0))
    np.testing.assert_allclose(out[0, 0], 0)             # nothing visible yet
    np.testing.assert_allclose(out[0, 1], full[0, 0], atol=1e-6)
    np.testing.assert_allclose(out[0, 2], full[0, 2], atol=1e-6)
    np.testing.assert_allclose(out[1, 0], full[1, 0], atol=1e-6)


def test_future_stream_events_do_not_leak():
    tower = make()
    inputs = stream()
    changed = {k: v.copy() for k, v in inputs.items()}
    changed["item_ids"][0, 1:3] = [9, 9]                 # events visible only from position 2
    a, b = np.asarray(tower(inputs)), np.asarray(tower(changed))
    np.testing.assert_allclose(a[0, :2], b[0, :2], atol=1e-6)
    assert not np.allclose(a[0, 2], b[0, 2])


def test_padding_invariance():
    tower = make(text_projection_dim=3)
    inputs = stream()
    assert_padding_invariant(tower, inputs, sequence_keys=["lengths"])
    longer = {k: np.concatenate([v, np.zeros((2, 2, *v.shape[2:]), v.dtype)], axis=1)
              if k != "lengths" else v for k, v in inputs.items()}   # a longer padded stream
    np.testing.assert_allclose(tower(longer), tower(inputs), atol=1e-6)


def test_serialization(tmp_path):
    run_serialization_test(make(text_projection_dim=3), stream(), tmp_path)


def test_text_only_stream_has_no_id_table():
    tower = make(text_projection_dim=3, use_item_ids=False)
    # event type, text projection (2), LSTM (3)
    run_layer_test(tower, stream(), expected_output_shape=(2, 5, 5),
                   expected_num_trainable_weights=6)
    inputs = stream()
    other_ids = {**inputs, "item_ids": np.where(inputs["item_ids"] > 0, 9, 0)}
    # the same text under other ids gives the same states: only text and event types count
    np.testing.assert_allclose(tower(other_ids), tower(inputs), atol=1e-6)
    with pytest.raises(ValueError, match="use_item_ids"):
        make(use_item_ids=False)


def test_text_dim_checked():
    with pytest.raises(ValueError, match="text_projection_dim"):
        make(text_projection_dim=-1)
    assert TEXT_DIM == stream()["text_embeddings"].shape[-1]


@pytest.mark.parametrize("use_item_ids", [True, False])
def test_step_by_step_equals_the_sequence_pass(use_item_ids):
    tower = make(text_projection_dim=3, use_item_ids=use_item_ids)
    inputs = stream()
    full = np.asarray(tower(inputs))
    states = [np.zeros((2, 5), "float32")] * 2
    outputs = []
    for j in range(inputs["item_ids"].shape[1]):
        event = {k: inputs[k][:, j] for k in ("item_ids", "event_types", "text_embeddings")}
        output, states = tower.step(event, states)
        outputs.append(np.asarray(states[0]))
    # row 0 sees 3 events at main position 2, row 1 sees 1 event at position 0
    np.testing.assert_allclose(full[0, 2], outputs[2][0], atol=1e-5)
    np.testing.assert_allclose(full[1, 0], outputs[0][1], atol=1e-5)
    np.testing.assert_allclose(full[1, 1], outputs[3][1], atol=1e-5)   # padding keeps the state

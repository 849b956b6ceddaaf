import numpy as np

from recsys_tf.layers import ContentTower
from tests.keras_harness import assert_padding_invariant, run_layer_test, run_serialization_test
from tests.layers.fixtures import TEXT_DIM, sequence_batch, text_table


def inputs():
    ids = sequence_batch()["item_ids"]
    return text_table()[ids], ids != 0


def test_layer_and_weights():
    text, mask = inputs()
    # projection (2) + LSTM (3)
    run_layer_test(ContentTower(hidden_dim=6, projection_dim=4), text,
                   call_kwargs={"mask": mask}, expected_output_shape=(3, 5, 6),
                   expected_num_trainable_weights=5)


def test_padding_invariance():
    tower = ContentTower(hidden_dim=6, projection_dim=4)
    text, mask = inputs()
    assert_padding_invariant(lambda x: tower(x["text"], mask=x["mask"]),
                             {"text": text, "mask": mask}, sequence_keys=["text", "mask"])


def test_same_text_same_state():
    """Two items with identical text are indistinguishable to the content tower."""
    tower = ContentTower(hidden_dim=6, projection_dim=4)
    text = np.repeat(np.random.default_rng(0).normal(size=(1, 1, TEXT_DIM)), 4, axis=1)
    out = np.asarray(tower(text.astype("float32"), mask=np.ones((1, 4), bool)))
    assert not np.allclose(out[0, 0], out[0, 1])  # the LSTM state accumulates
    swapped = np.asarray(tower(text[:, ::-1].astype("float32"), mask=np.ones((1, 4), bool)))
    np.testing.assert_allclose(out, swapped, atol=1e-6)


def test_serialization(tmp_path):
    text, mask = inputs()
    run_serialization_test(ContentTower(hidden_dim=6, projection_dim=4, dropout=0.2), text,
                           tmp_path, call_kwargs={"mask": mask})

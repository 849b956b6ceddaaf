import numpy as np
import pytest

from recsys_tf.layers import InterestFusion
from tests.keras_harness import run_layer_test, run_serialization_test


def towers():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(2, 4, 5)).astype("float32"),
            rng.normal(size=(2, 4, 3)).astype("float32")]


@pytest.mark.parametrize("mode, weights", [("gated", 8), ("concat", 4)])
def test_layer_and_weights(mode, weights):
    run_layer_test(InterestFusion(output_dim=6, mode=mode), towers(),
                   expected_output_shape=(2, 4, 6), expected_num_trainable_weights=weights)


def test_positions_are_independent():
    fusion = InterestFusion(output_dim=6)
    a, b = towers()
    out = np.asarray(fusion([a, b]))
    part = np.asarray(fusion([a[:, :2], b[:, :2]]))
    np.testing.assert_allclose(out[:, :2], part, atol=1e-6)


def test_single_tower():
    out = InterestFusion(output_dim=3)(towers()[:1])
    assert tuple(out.shape) == (2, 4, 3)


@pytest.mark.parametrize("mode", ["gated", "concat"])
def test_serialization(tmp_path, mode):
    run_serialization_test(InterestFusion(output_dim=6, mode=mode, dropout=0.1), towers(),
                           tmp_path)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        InterestFusion(mode="sum")

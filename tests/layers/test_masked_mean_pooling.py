import keras
import numpy as np

from recsys_tf.layers import MaskedMeanPooling


def test_matches_numpy_reference_and_ignores_padding():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    expected = np.stack([x[i, mask[i]].mean(0) for i in range(3)])
    np.testing.assert_allclose(MaskedMeanPooling()(x, mask=mask), expected, rtol=1e-6)
    # padding invariance: more padding with any values changes nothing
    padded = np.concatenate([x, rng.normal(size=(3, 4, 4)).astype("float32") * 100], axis=1)
    padded_mask = np.concatenate([mask, np.zeros((3, 4), bool)], axis=1)
    np.testing.assert_allclose(MaskedMeanPooling()(padded, mask=padded_mask), expected,
                               rtol=1e-5, atol=1e-6)


def test_all_padding_gives_zeros_not_nan():
    out = MaskedMeanPooling()(np.ones((1, 3, 2), "float32"), mask=np.zeros((1, 3), bool))
    assert np.all(np.asarray(out) == 0)


def test_serialization_round_trip(tmp_path):
    inputs = keras.Input((None, 4))
    mask = keras.Input((None,), dtype="bool")
    model = keras.Model([inputs, mask], MaskedMeanPooling(name="pool")(inputs, mask=mask))
    layer = model.get_layer("pool")
    assert MaskedMeanPooling.from_config(layer.get_config()).get_config() == layer.get_config()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32")
    m = np.array([[1, 1, 0], [1, 0, 0]], bool)
    np.testing.assert_allclose(loaded([x, m]), model([x, m]), rtol=1e-6)

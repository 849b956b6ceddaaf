import keras
import numpy as np
import pytest

from recsys_tf.models import LogisticRegression
from tests.keras_harness import run_serialization_test


def test_recovers_known_coefficients():
    """Data drawn from a known logistic model: the fitted β are close to the true ones."""
    rng = np.random.default_rng(0)
    beta0, beta = -0.5, np.array([1.5, -2.0, 0.0])
    x = rng.normal(size=(20000, 3)).astype("float32")
    y = (rng.random(20000) < 1 / (1 + np.exp(-(beta0 + x @ beta)))).astype("float32")
    keras.utils.set_random_seed(0)
    model = LogisticRegression(num_features=3)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    model.fit(x, y, epochs=15, batch_size=500, verbose=0)
    fitted0, fitted = model.coefficients
    assert fitted0 == pytest.approx(beta0, abs=0.1)
    np.testing.assert_allclose(fitted, beta, atol=0.1)


def test_probability_formula():
    model = LogisticRegression(num_features=2)
    model.get_layer("logit").set_weights([np.array([[1.0], [-1.0]], "float32"),
                                          np.array([0.5], "float32")])
    p = float(np.asarray(model(np.array([[2.0, 1.0]], "float32")))[0, 0])
    assert p == pytest.approx(1 / (1 + np.exp(-1.5)), rel=1e-6)


def test_serialization(tmp_path):
    run_serialization_test(LogisticRegression(num_features=4, l2=0.01),
                           np.ones((2, 4), "float32"), tmp_path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_features"):
        LogisticRegression(num_features=0)

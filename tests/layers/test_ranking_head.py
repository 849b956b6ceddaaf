import keras
import numpy as np

from recsys_tf.layers import RankingHead
from tests.keras_harness import run_layer_test, run_serialization_test


def pair(n=64, dim=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, dim)).astype("float32"), rng.normal(size=(n, dim)).astype("float32")


def test_layer():
    run_layer_test(RankingHead(hidden_dim=5), pair(), expected_output_shape=(64, 1),
                   expected_num_trainable_weights=4)


def test_learns_clicks_from_the_dot_product():
    """Labels = [qᵀe > 0]: a BCE-trained head separates them."""
    query, item = pair(n=2000, seed=1)
    labels = ((query * item).sum(1) > 0).astype("float32")
    q_in, e_in = keras.Input((4,)), keras.Input((4,))
    model = keras.Model([q_in, e_in], RankingHead(hidden_dim=16)((q_in, e_in)))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    keras.utils.set_random_seed(0)
    model.fit([query, item], labels, epochs=15, batch_size=100, verbose=0)
    test_q, test_e = pair(n=500, seed=2)
    predicted = np.asarray(model([test_q, test_e]))[:, 0] > 0.5
    assert (predicted == ((test_q * test_e).sum(1) > 0)).mean() > 0.9


def test_serialization(tmp_path):
    run_serialization_test(RankingHead(hidden_dim=5, dropout=0.1), pair(), tmp_path)

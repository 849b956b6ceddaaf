import numpy as np

from recsys_tf.losses import full_softmax_cross_entropy


def reference(logits, labels, mask=None):
    logits = logits.astype(np.float64).copy()
    if mask is not None:
        logits[:, ~mask] = -np.inf
    log_z = np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1)) + logits.max(1)
    return np.mean(log_z - logits[np.arange(len(labels)), labels])


def test_matches_numpy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(7, 11)).astype("float32") * 3
    labels = rng.integers(2, 11, 7)
    mask = np.arange(11) >= 2
    np.testing.assert_allclose(full_softmax_cross_entropy(logits, labels, mask),
                               reference(logits, labels, mask), rtol=1e-5)
    np.testing.assert_allclose(full_softmax_cross_entropy(logits, labels),
                               reference(logits, labels), rtol=1e-5)


def test_weights_skip_padded_rows():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4, 5)).astype("float32")
    labels = np.array([1, 2, 0, 0])
    weighted = full_softmax_cross_entropy(logits, labels, weights=np.array([1, 1, 0, 0]))
    np.testing.assert_allclose(weighted, reference(logits[:2], labels[:2]), rtol=1e-5)


def test_empty_batch_is_zero_not_nan():
    assert float(full_softmax_cross_entropy(np.zeros((0, 5), "float32"),
                                            np.zeros(0, "int32"))) == 0.0

import numpy as np
import tensorflow as tf

from recsys_tf.losses import (
    full_softmax_cross_entropy,
    log_q_correction,
    remove_accidental_hits,
    sampled_softmax_cross_entropy,
)


def test_log_q_correction_closed_form():
    q = np.array([0.5, 0.25, 0.25], "float32")
    out = log_q_correction(np.zeros((1, 3), "float32"), q, np.array([[0, 1, 2]]), num_samples=4)
    np.testing.assert_allclose(out, [[-np.log(2.0), 0.0, 0.0]], atol=1e-6)


def test_accidental_hits_are_removed():
    out = np.asarray(remove_accidental_hits(np.zeros((2, 3), "float32"), np.array([5, 7]),
                                            np.array([7, 5, 5])))
    assert out[0, 0] == 0 and out[0, 1] < -1e8 and out[0, 2] < -1e8
    assert out[1, 0] < -1e8 and out[1, 1] == 0 and out[1, 2] == 0


def test_closed_form():
    pos, neg = np.array([1.0], "float32"), np.array([[0.0, 2.0]], "float32")
    expected = np.log(np.exp(1) + 1 + np.exp(2)) - 1
    np.testing.assert_allclose(sampled_softmax_cross_entropy(pos, neg), expected, rtol=1e-6)


def test_corrected_gradient_approaches_full_softmax():
    """With logQ correction, popularity-sampled negatives give (nearly) the full softmax's
    gradient with respect to the logits; without it, popular items are over-penalised."""
    rng = np.random.default_rng(0)
    num_items, samples = 200, 20000
    logits = tf.Variable(rng.normal(size=(5, num_items)).astype("float32"))
    labels = rng.integers(0, num_items, 5)
    q = rng.pareto(1.5, num_items) + 0.01
    q = (q / q.sum()).astype("float32")
    negatives = rng.choice(num_items, size=samples, p=q / q.sum())

    others = np.ones((5, num_items), bool)
    others[np.arange(5), labels] = False

    def gradient(loss_fn):  # on the non-target items, where the sampling acts
        with tf.GradientTape() as tape:
            loss = loss_fn()
        return tape.gradient(loss, logits).numpy()[others]

    def sampled(correct):
        positive = tf.gather(logits, labels, batch_dims=1)
        negative = tf.gather(logits, negatives, axis=1)
        if correct:
            positive = log_q_correction(positive, q, labels, samples)
            negative = log_q_correction(negative, q, negatives[None], samples)
        return sampled_softmax_cross_entropy(
            positive, remove_accidental_hits(negative, labels, negatives))

    full = gradient(lambda: full_softmax_cross_entropy(tf.identity(logits), labels))
    cosine = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    assert cosine(gradient(lambda: sampled(True)), full) > 0.95   # measured 0.969
    assert cosine(gradient(lambda: sampled(False)), full) < 0.7    # measured 0.530

import numpy as np
import pytest

from recsys_tf.layers import TopicInterestHead
from tests.keras_harness import assert_padding_invariant, run_layer_test, run_serialization_test
from tests.layers.fixtures import sequence_batch, text_table


def inputs():
    ids = sequence_batch()["item_ids"]
    return text_table()[ids], ids != 0


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def numpy_interest(head, text, alpha):
    """S0 §3.8: u_0 = uniform, u_t = (1 - α) u_{t-1} + α softmax(x_t W + b), step by step."""
    w, b = (np.asarray(v) for v in head.topic_logits.weights)
    u = np.full((text.shape[0], w.shape[1]), 1 / w.shape[1])
    out = []
    for t in range(text.shape[1]):
        u = (1 - alpha) * u + alpha * softmax(text[:, t] @ w + b)
        out.append(u)
    return np.stack(out, axis=1)


def test_layer():
    text, mask = inputs()
    run_layer_test(TopicInterestHead(num_topics=3, alpha=0.3), text, call_kwargs={"mask": mask},
                   expected_output_shape=(3, 5, 3), expected_num_trainable_weights=2)


@pytest.mark.parametrize("alpha", [0.1, 0.5, 1.0])
def test_matches_the_recursive_update(alpha):
    head = TopicInterestHead(num_topics=4, alpha=alpha)
    text, mask = inputs()
    out = np.asarray(head(text, mask=mask))
    expected = numpy_interest(head, text, alpha)
    valid = mask.astype(bool)
    np.testing.assert_allclose(out[valid], expected[valid], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[valid].sum(-1), 1.0, atol=1e-5)


def test_online_update_equals_batch():
    """``update`` (the O(1) serving step) continues the sequence exactly."""
    head = TopicInterestHead(num_topics=4, alpha=0.2)
    text = text_table()[None, 2:8]
    full = np.asarray(head(text, mask=np.ones((1, 6), bool)))
    u = np.asarray(head.initial_interest(1))
    for t in range(6):
        u = np.asarray(head.update(u, text[:, t]))
    np.testing.assert_allclose(u, full[:, -1], atol=1e-6)


def test_score_is_u_dot_c():
    """r = uᵀc on the worked example of S0 §3.8.4 (which prints 0.318 for r_1; the sum it
    writes out, 0.42·0.6 + 0.33·0.3 + 0.25·0.1, is 0.376)."""
    u = np.array([[0.42, 0.33, 0.25]], "float32")
    c = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.4, 0.2, 0.4]], "float32")
    np.testing.assert_allclose(TopicInterestHead.score(u, c), [[0.376, 0.324, 0.334]], atol=1e-6)


def test_padding_invariance():
    head = TopicInterestHead(num_topics=3)
    text, mask = inputs()
    assert_padding_invariant(lambda x: head(x["text"], mask=x["mask"]),
                             {"text": text, "mask": mask}, sequence_keys=["text", "mask"])


def test_serialization(tmp_path):
    text, mask = inputs()
    run_serialization_test(TopicInterestHead(num_topics=3, alpha=0.25), text, tmp_path,
                           call_kwargs={"mask": mask})


def test_bad_alpha():
    with pytest.raises(ValueError, match="alpha"):
        TopicInterestHead(num_topics=2, alpha=0.0)

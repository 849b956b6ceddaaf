import numpy as np
import pytest

from recsys_tf.data.transitions import transition_table
from recsys_tf.layers import RetrievalScore
from tests.keras_harness import run_layer_test, run_serialization_test

NUM_ITEMS, DIM, TOPICS = 6, 4, 3


def vectors(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(5, DIM)).astype("float32"),          # q
            rng.dirichlet(np.ones(TOPICS), 5).astype("float32"),   # u
            rng.normal(size=(NUM_ITEMS, DIM)).astype("float32"),   # e
            rng.dirichlet(np.ones(TOPICS), NUM_ITEMS).astype("float32"))  # c


def test_scores_are_q_e_plus_w_u_c():
    q, u, e, c = vectors()
    score = RetrievalScore(NUM_ITEMS, use_interest=True)
    score.interest_weight.assign(0.7)
    users, items = np.asarray(score.user_vectors(q, u)), np.asarray(score.item_vectors(e, c))
    out = run_layer_test(score, users, call_kwargs={"item_vectors": items},
                         expected_output_shape=(5, NUM_ITEMS), run_training_step=False)
    np.testing.assert_allclose(out, q @ e.T + 0.7 * u @ c.T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(score.pair_scores(users, items[[1, 2, 3, 4, 5]]),
                               out[np.arange(5), [1, 2, 3, 4, 5]], rtol=1e-5, atol=1e-6)


def test_without_interest_the_topics_are_ignored():
    q, u, e, c = vectors()
    score = RetrievalScore(NUM_ITEMS)
    assert score.interest_weight is None and not score.trainable_weights
    np.testing.assert_allclose(score(score.user_vectors(q, u), score.item_vectors(e, c)),
                               q @ e.T, rtol=1e-5, atol=1e-6)


def test_the_prior_and_the_candidate_mask():
    q, _, e, _ = vectors()
    train = {"item_ids": np.array([[2, 3, 2, 4]]), "targets": np.array([[3, 2, 4, 5]])}
    score = RetrievalScore(NUM_ITEMS, max_successors=2)
    score.transitions.set_table(transition_table(train, NUM_ITEMS, 2))
    score.transitions.set_weights_to(log_count=1.0, share=2.0)
    score.set_candidates(np.array([False, False, True, True, True, False]))
    last = np.array([2, 0, 3, 4, 2])
    base = q @ e.T
    with_prior = np.asarray(score(q, e, last_items=last))
    # item 2 was followed by 3 and 4 once each: log 2 + 2 · 1/2 on both.
    np.testing.assert_allclose(with_prior[0] - base[0], [0, 0, 0, 1 + np.log(2), 1 + np.log(2),
                                                         0], atol=1e-5)
    np.testing.assert_allclose(with_prior[1], base[1], atol=1e-6)  # no last item: no prior
    masked = np.asarray(score(q, e, last_items=last, exclude_non_candidates=True))
    assert np.isneginf(masked[:, [0, 1, 5]]).all()
    np.testing.assert_allclose(masked[:, 2:5], with_prior[:, 2:5])
    pairs = score.pair_scores(q, e[[3, 4, 2, 5, 4]], item_ids=np.array([3, 4, 2, 5, 4]),
                              last_items=last)
    np.testing.assert_allclose(pairs, with_prior[np.arange(5), [3, 4, 2, 5, 4]], rtol=1e-5)
    with pytest.raises(ValueError, match="item_ids"):
        score.pair_scores(q, e[:5], last_items=last)


def test_serialises(tmp_path):
    q, u, e, c = vectors()
    score = RetrievalScore(NUM_ITEMS, use_interest=True, max_successors=3)
    score.interest_weight.assign(1.5)
    users, items = score.user_vectors(q, u), score.item_vectors(e, c)
    loaded = run_serialization_test(score, np.asarray(users), tmp_path,
                                    call_kwargs={"item_vectors": np.asarray(items)})
    assert loaded is not None


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_items"):
        RetrievalScore(0)
    with pytest.raises(ValueError, match="max_successors"):
        RetrievalScore(3, max_successors=-1)

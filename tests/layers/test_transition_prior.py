import numpy as np
import pytest

from recsys_tf.data.transitions import transition_table
from recsys_tf.layers import TransitionPrior
from tests.keras_harness import run_layer_test, run_serialization_test

NUM_ITEMS = 10


def training_data(seed=0):
    rng = np.random.default_rng(seed)
    items = rng.integers(2, NUM_ITEMS, (30, 5)).astype("int32")
    targets = rng.integers(2, NUM_ITEMS, (30, 5)).astype("int32")
    targets[:, -1] = 0                                   # padded positions are not counted
    return {"item_ids": items, "targets": targets}


def filled(train=None, max_successors=NUM_ITEMS):
    prior = TransitionPrior(NUM_ITEMS, max_successors)
    prior.set_table(transition_table(train or training_data(), NUM_ITEMS, max_successors))
    prior.set_weights_to(log_count=0.7, share=2.5)
    return prior


def reference(train, last_items, a=0.7, b=2.5):
    """``a log(1 + n(l, i)) + b n(l, i) / N(l)`` from a dense count matrix."""
    counts = np.zeros((NUM_ITEMS, NUM_ITEMS))
    valid = train["targets"] > 0
    np.add.at(counts, (train["item_ids"][valid], train["targets"][valid]), 1)
    totals = np.maximum(counts.sum(1, keepdims=True), 1)
    return (a * np.log1p(counts) + b * counts / totals)[last_items]


def test_adds_the_weighted_counts_of_the_last_item():
    train = training_data()
    logits = np.random.default_rng(1).normal(size=(4, NUM_ITEMS)).astype("float32")
    last = np.array([3, 0, 9, 3])
    out = run_layer_test(filled(train), logits, call_kwargs={"last_items": last},
                         expected_output_shape=(4, NUM_ITEMS), expected_num_trainable_weights=0)
    expected = logits + reference(train, last)
    expected[1] = logits[1]                              # no last item: nothing added
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_truncated_rows_keep_their_most_frequent_successors():
    train = training_data()
    full, cut = filled(train), filled(train, max_successors=2)
    last = np.arange(2, NUM_ITEMS)
    zeros = np.zeros((len(last), NUM_ITEMS), "float32")
    wide, narrow = np.asarray(full(zeros, last)), np.asarray(cut(zeros, last))
    kept = narrow != 0
    assert (kept.sum(1) <= 2).all()
    np.testing.assert_allclose(narrow[kept], wide[kept], rtol=1e-6)
    # The kept ones are the row's highest values.
    for row in range(len(last)):
        assert narrow[row][kept[row]].min() >= np.sort(wide[row])[-2] - 1e-6


def test_pair_scores_are_the_scattered_scores():
    prior, last = filled(), np.array([3, 0, 9, 3, 5])
    items = np.array([4, 6, 2, 3, 5])
    dense = np.asarray(prior(np.zeros((5, NUM_ITEMS), "float32"), last))
    np.testing.assert_allclose(prior.pair_scores(last, items), dense[np.arange(5), items],
                               rtol=1e-6)


def test_off_until_its_weights_are_set_and_checked():
    prior = TransitionPrior(NUM_ITEMS, NUM_ITEMS)
    prior.set_table(transition_table(training_data(), NUM_ITEMS, NUM_ITEMS))
    logits = np.ones((2, NUM_ITEMS), "float32")
    np.testing.assert_array_equal(prior(logits, np.array([3, 4])), logits)
    with pytest.raises(ValueError, match=">= 0"):
        prior.set_weights_to(log_count=-1.0, share=0.0)


def test_table_shape_checked():
    with pytest.raises(ValueError, match="shape"):
        TransitionPrior(NUM_ITEMS, 3).set_table(transition_table(training_data(), NUM_ITEMS, 4))


def test_serialization_keeps_the_table(tmp_path):
    logits = np.zeros((2, NUM_ITEMS), "float32")
    run_serialization_test(filled(), logits, tmp_path,
                           call_kwargs={"last_items": np.array([4, 5])})

"""block_top_k and top_k_excluding against tf.math.top_k: same values and indices, ties
included."""

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.export import request_features as rf
from recsys_tf.export.catalogue_top_k import POOLED_EXCLUSION_WIDTH, block_top_k, top_k_excluding


@pytest.mark.parametrize(("n", "k"), [(1, 1), (7, 7), (10, 3), (97, 1), (400, 10),
                                      (12_103, 10), (12_103, 60)])
def test_block_top_k_equals_top_k_with_ties_and_minus_infinity(n, k):
    rng = np.random.default_rng(n + k)
    scores = rng.integers(0, 6, size=(5, n)).astype(np.float32)  # many ties
    scores[1] = -np.inf                                           # a row of -inf only
    scores[2, rng.random(n) < 0.9] = -np.inf                      # fewer finite scores than k
    scores[3] = rng.normal(size=n)
    expected = tf.math.top_k(scores, k=k)
    values, indices = block_top_k(tf.constant(scores), k)
    np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())


def test_block_top_k_takes_k_as_a_tensor_inside_a_graph_of_unknown_shapes():
    scores = np.random.default_rng(0).normal(size=(3, 1000)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32),
                                  tf.TensorSpec([], tf.int32)])
    def top(s, k):
        return block_top_k(s, k)

    for k in (1, 13, 1000):
        values, indices = top(tf.constant(scores), tf.constant(k))
        expected = tf.math.top_k(scores, k=k)
        np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
        np.testing.assert_array_equal(values.numpy(), expected.values.numpy())


def test_a_tie_goes_to_the_lower_index_even_when_its_block_has_the_lower_maximum():
    # Blocks of 2 (n=10, k=2): block 4 (max 5) also holds a 3 at index 9; block 0 (max 3)
    # holds the 3 at index 1, which tf.math.top_k picks.
    scores = np.zeros((1, 10), np.float32)
    scores[0, [1, 8, 9]] = [3.0, 5.0, 3.0]
    values, indices = block_top_k(tf.constant(scores), 2)
    np.testing.assert_array_equal(indices.numpy(), [[8, 1]])
    np.testing.assert_array_equal(values.numpy(), [[5.0, 3.0]])


@pytest.mark.parametrize("width", [3, POOLED_EXCLUSION_WIDTH + 1])
def test_top_k_excluding_equals_top_k_of_the_masked_scores(width):
    # Integer scores (many ties), padding and repeated ids among the excluded: the pooled form
    # (narrow lists) and the scatter (wide ones) give top_k(mask_items(...))'s values and
    # indices.
    rng = np.random.default_rng(width)
    scores = tf.constant(rng.integers(0, 20, size=(6, 400)).astype(np.float32))
    ids = rng.integers(0, 400, size=(6, width))
    ids[:, -1] = ids[:, 0]
    ids[::2, 1] = 0
    expected = tf.math.top_k(rf.mask_items(scores, tf.constant(ids), -np.inf), k=7)
    values, indices = top_k_excluding(scores, tf.constant(ids), k=7)
    np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())


def test_top_k_excluding_scores_minus_infinity_when_fewer_than_k_are_left():
    scores = tf.constant([[0.0, 3.0, 1.0, 2.0]])
    values, indices = top_k_excluding(scores, tf.constant([[1, 3, 0]]), k=3)
    np.testing.assert_array_equal(values.numpy(), [[1.0, 0.0, -np.inf]])
    np.testing.assert_array_equal(indices.numpy()[:, :2], [[2, 0]])

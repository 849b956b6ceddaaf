import numpy as np
import pytest

from recsys_tf.evaluation import ranking_metrics, target_ranks


def reference_rank(scores, target, excluded):
    """Pessimistic rank by sorting: position of the target after all items scoring >= it."""
    allowed = [i for i in range(len(scores)) if i == target or not excluded[i]]
    ordered = sorted(allowed, key=lambda i: (-scores[i], i != target))  # target after ties
    ordered = [i for i in ordered if i != target]
    return sum(1 for i in ordered if scores[i] >= scores[target])


def test_matches_sorting_reference_with_ties_and_masks():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, (50, 12)).astype(float)   # many ties
    targets = rng.integers(0, 12, 50)
    excluded = rng.random((50, 12)) < 0.3
    ranks = target_ranks(scores, targets, excluded)
    expected = [reference_rank(s, t, e) for s, t, e in zip(scores, targets, excluded,
                                                          strict=True)]
    np.testing.assert_array_equal(ranks, expected)


def test_target_is_kept_even_when_in_history():
    scores = np.array([[0.1, 0.9, 0.5]])
    assert target_ranks(scores, np.array([1]), np.array([[False, True, False]]))[0] == 0


def test_hand_computed_metrics():
    m = ranking_metrics(np.array([0, 3, 9, 10]), ks=(10,))
    assert m["hr@10"] == pytest.approx(0.75)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / np.log2(5) + 1 / np.log2(11)) / 4)
    assert m["mrr"] == pytest.approx((1 + 1 / 4 + 1 / 10 + 1 / 11) / 4)


def test_k_larger_than_catalogue():
    scores = np.array([[0.3, 0.2, 0.1]])
    ranks = target_ranks(scores, np.array([2]))
    m = ranking_metrics(ranks, ks=(10, 20))
    assert m["hr@10"] == m["hr@20"] == 1.0
    assert m["ndcg@20"] == pytest.approx(1 / np.log2(4))


def test_constant_scores_rank_last():
    """All ties: pessimistic counting puts the target behind every other allowed item."""
    assert target_ranks(np.zeros((1, 100)), np.array([7]))[0] == 99


def test_nan_target_ranks_last():
    scores = np.array([[np.nan, 1.0, 2.0]])
    assert target_ranks(scores, np.array([0]))[0] == 2


def test_empty():
    assert ranking_metrics(np.array([], int))["count"] == 0

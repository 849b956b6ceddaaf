import numpy as np
import pytest

from recsys_tf.evaluation.sampled_ranking import sample_negatives, sampled_ranks


class _History:
    """A HistoryMask stand-in: CSR items per target."""

    def __init__(self, rows):
        self.items = np.array([i for row in rows for i in row], np.int64)
        self.offsets = np.cumsum([0] + [len(row) for row in rows])


def test_negatives_come_from_the_targets_domain_outside_history_seeded():
    domains = np.array([0, 0] + [1] * 10 + [2] * 10)  # items 2..11: domain 1, 12..21: domain 2
    mask = np.arange(22) >= 2
    targets = np.array([3, 15])
    history = _History([[4, 5, 13], [14, 16]])
    negatives = sample_negatives(targets, history, domains, mask, num_negatives=7, seed=3)
    assert negatives.shape == (2, 7)
    for row, target in enumerate(targets):
        assert len(set(negatives[row])) == 7
        assert (domains[negatives[row]] == domains[target]).all()
        assert target not in negatives[row]
    assert not {4, 5} & set(negatives[0]) and not {14, 16} & set(negatives[1])
    again = sample_negatives(targets, history, domains, mask, num_negatives=7, seed=3)
    np.testing.assert_array_equal(negatives, again)
    # All 7 eligible items of domain 1 (10 - target - 2 history) are drawn.
    assert set(negatives[0]) == set(range(2, 12)) - {3, 4, 5}
    with pytest.raises(ValueError, match="fewer than num_negatives=8"):
        sample_negatives(targets, history, domains, mask, num_negatives=8, seed=3)


def test_sampled_ranks_hand_computed_with_ties():
    scores = np.array([[0.0, 0.0, 0.5, 0.9, 0.5, 0.1],
                       [0.0, 0.0, 0.3, 0.2, 0.1, 0.0]])
    negatives = np.array([[3, 4, 5], [3, 4, 5]])
    # row 0: target 2 (0.5) vs 0.9 (above), 0.5 (tie: against), 0.1 -> rank 2
    # row 1: target 2 (0.3) above all -> rank 0
    np.testing.assert_array_equal(sampled_ranks(scores, np.array([2, 2]), negatives), [2, 0])


def test_sampled_ranks_match_full_ranking_restricted_to_the_sample():
    from recsys_tf.evaluation.ranking_metrics import target_ranks

    rng = np.random.default_rng(1)
    scores = rng.integers(0, 6, (30, 40)).astype(float)
    targets = rng.integers(0, 40, 30)
    negatives = np.stack([rng.choice(np.setdiff1d(np.arange(40), [t]), 10, replace=False)
                          for t in targets])
    excluded = np.ones((30, 40), bool)
    np.put_along_axis(excluded, negatives, False, axis=1)
    np.testing.assert_array_equal(sampled_ranks(scores, targets, negatives),
                                  target_ranks(scores, targets, excluded))

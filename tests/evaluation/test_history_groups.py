"""History groups: every example lands in exactly one bucket, counted as a loop would."""

import numpy as np

from recsys_tf.evaluation.history_groups import (
    GROUPED,
    HISTORY_BUCKETS,
    bucket_label,
    history_groups,
    ranks_by_group,
)


def test_buckets_partition_the_examples_by_their_earlier_target_events():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 13, size=200)
    item_ids = np.zeros((200, 12), np.int32)
    for row, length in enumerate(lengths):
        item_ids[row, :length] = rng.integers(1, 50, size=length)
    cross = np.where(rng.random((200, 4)) < 0.2, 7, 0)
    groups = history_groups({"item_ids": item_ids, "cross_item_ids": cross})

    buckets = [groups[bucket_label(low, high)] for low, high in HISTORY_BUCKETS]
    assert (np.sum(buckets, axis=0) == 1).all()
    for row, length in enumerate(lengths):
        expected = next(bucket_label(low, high) for low, high in HISTORY_BUCKETS
                        if low <= length and (high is None or length <= high))
        assert groups[expected][row]
    np.testing.assert_array_equal(groups["target events ≤ 3"], lengths <= 3)
    np.testing.assert_array_equal(groups["other domain: any"], (cross != 0).any(axis=1))
    np.testing.assert_array_equal(groups["other domain: none"], ~groups["other domain: any"])


def test_single_domain_examples_have_no_other_domain_groups():
    groups = history_groups({"item_ids": np.array([[1, 2, 0, 0]])})
    assert not any(label.startswith("other domain") for label in groups)
    assert groups["target events 2–3"].tolist() == [True]


def test_group_ranks_are_the_full_ranks_of_its_members():
    ranks = {"full": np.array([3, 0, 12, 5]), "sampled_100": np.array([1, 0, 2, 1])}
    grouped = ranks_by_group(ranks, {"short": np.array([True, False, False, True]),
                                     "empty": np.zeros(4, bool)})
    assert grouped[GROUPED + "short"].tolist() == [3, 5]
    assert GROUPED + "empty" not in grouped
    assert grouped["sampled_100"] is ranks["sampled_100"]

"""In-graph request preparation against the NumPy data pipeline."""

import numpy as np
import tensorflow as tf

from recsys_tf.data.time_features import time_features
from recsys_tf.data.vocabulary import Vocabulary
from recsys_tf.export import request_features as rf


def test_id_lookup_maps_padding_unknown_and_back():
    lookup = rf.IdLookup(Vocabulary(["a", "b"], name="item_id"))
    ids = lookup(tf.constant([["b", "", "zz", "a"]])).numpy()
    assert ids.tolist() == [[3, 0, 1, 2]]
    assert lookup.token(tf.constant(ids)).numpy().astype(str).tolist() == [["b", "", "", "a"]]


def test_compact_and_keep_recent():
    valid = tf.constant([[False, True, False, True, True], [False] * 5])
    values = tf.constant([[9, 1, 9, 2, 3], [9] * 5])
    valid, values = rf.compact(valid, values)
    assert values.numpy()[0, :3].tolist() == [1, 2, 3]
    kept_valid, kept = rf.keep_recent(valid, 2, values)
    assert kept.numpy().tolist() == [[2, 3], [0, 0]]
    assert kept_valid.numpy().tolist() == [[True, True], [False, False]]
    _, wide = rf.keep_recent(valid, 10, values)  # at least one padding column
    assert wide.numpy().tolist() == [[1, 2, 3, 0, 0, 0], [0] * 6]


def test_time_features_match_the_data_pipeline():
    rng = np.random.default_rng(0)
    stamps = np.sort(rng.integers(1_500_000_000, 1_700_000_000, size=12))
    hour, weekday, gaps = time_features(np.zeros(12, np.int64), stamps)
    valid = tf.ones((1, 12), tf.bool)
    got_hour, got_weekday = rf.hours_and_weekdays(tf.constant(stamps[None]), valid)
    got_gaps = rf.history_log_gaps(tf.constant(stamps[None]), valid)
    np.testing.assert_array_equal(got_hour.numpy()[0], hour + 1)
    np.testing.assert_array_equal(got_weekday.numpy()[0], weekday + 1)
    np.testing.assert_allclose(got_gaps.numpy()[0], gaps, rtol=1e-6)


def test_gaps_count_events_of_the_other_domain():
    # Main events at 100 and 400, another-domain event at 300: gaps 0 and log1p(100);
    # an other-domain event at the same second as a main event gives gap 0.
    main = tf.constant([[100, 400]], tf.int64)
    other = tf.constant([[300, 100, 0]], tf.int64)
    gaps = rf.history_log_gaps(main, tf.ones((1, 2), tf.bool), other,
                               tf.constant([[True, True, False]]))
    np.testing.assert_allclose(gaps.numpy(), [[0.0, np.log1p(100)]], rtol=1e-6)


def test_mask_items_overwrites_every_non_padding_id_of_its_row():
    scores = tf.reshape(tf.range(10, dtype=tf.float32), (2, 5))
    masked = rf.mask_items(scores, tf.constant([[2, 2, 0], [4, 1, 0]]), -np.inf).numpy()
    np.testing.assert_array_equal(masked, [[0, 1, -np.inf, 3, 4],
                                           [5, -np.inf, 7, 8, -np.inf]])


def test_gaps_across_domains_match_a_dense_reference_and_stay_linear_in_memory():
    rng = np.random.default_rng(0)
    for _ in range(20):
        batch, length, other_length = 3, rng.integers(1, 9), rng.integers(1, 9)
        times = np.sort(rng.integers(0, 100, (batch, length)), axis=1)
        valid = rng.random((batch, length)) < 0.8
        other, other_valid = rng.integers(0, 100, (batch, other_length)), \
            rng.random((batch, other_length)) < 0.7
        expected = np.zeros((batch, length), np.float32)
        for b in range(batch):
            for i in range(length):
                before = [times[b, i - 1]] if i else []
                before += [o for o, ok in zip(other[b], other_valid[b], strict=True)
                           if ok and o <= times[b, i]]
                if valid[b, i] and before:
                    expected[b, i] = np.log1p(times[b, i] - max(before))
        got = rf.history_log_gaps(tf.constant(times, tf.int64), tf.constant(valid),
                                  tf.constant(other, tf.int64), tf.constant(other_valid))
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    # 16k events per domain: the old [batch, length, other length] form needed 2.3 GB here.
    long = tf.range(16_000, dtype=tf.int64)[tf.newaxis] * 7
    gaps = rf.history_log_gaps(long, tf.ones_like(long, tf.bool), long + 3,
                               tf.ones_like(long, tf.bool))
    np.testing.assert_allclose(gaps.numpy()[0, 1:], np.log1p(4.0), rtol=1e-6)

import numpy as np

from recsys_tf.data.time_features import time_features


def test_hour_weekday_and_gap_against_hand_computed_values():
    # 2024-03-04 was a Monday; 13:30 UTC.
    monday = 1_709_559_000
    users = np.array([0, 0, 0, 1])
    times = np.array([monday, monday + 60, monday + 86_400 * 6, monday])
    hour, weekday, log_gap = time_features(users, times)
    assert hour.tolist() == [13, 13, 13, 13]
    assert weekday.tolist() == [0, 0, 6, 0]
    np.testing.assert_allclose(log_gap, np.log1p([0, 60, 86_400 * 6 - 60, 0]), rtol=1e-6)


def test_agrees_with_pandas_datetime():
    times = np.random.default_rng(0).integers(0, 2_000_000_000, 500)
    hour, weekday, _ = time_features(np.arange(500), times)
    stamps = np.array(times, dtype="datetime64[s]").astype("datetime64[ns]")
    import pandas as pd

    index = pd.DatetimeIndex(stamps)
    assert (hour == index.hour).all() and (weekday == index.day_of_week).all()

import numpy as np
import pandas as pd
import pytest

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.splits import leave_one_out, make_split, predefined_split, temporal_split


def make_log(rows, **kwargs):
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "domain"])
    return EventLog.from_frames(frame, **kwargs)


LOG = make_log([("u1", "a", 1, "A"), ("u1", "b", 2, "B"), ("u1", "c", 3, "A"),
                ("u1", "d", 4, "A"), ("u1", "e", 5, "B"), ("u1", "f", 6, "A"),
                ("u2", "a", 1, "A"), ("u2", "b", 2, "A")])


def test_leave_one_out_last_is_test_second_last_is_valid():
    split = leave_one_out(LOG)
    assert split.test.values.tolist() == [["u1", 5]]
    assert split.valid.values.tolist() == [["u1", 4]]
    # u1 trains on positions < 4; u2 has two events: trains on both, not evaluated.
    assert split.train.tolist() == [True] * 4 + [False, False] + [True, True]
    assert split.info["users_without_targets"] == 1


def test_leave_one_out_with_target_domain_keeps_other_domain_as_history():
    split = leave_one_out(LOG, target_domain="A")
    assert split.test.values.tolist() == [["u1", 5]]
    assert split.valid.values.tolist() == [["u1", 3]]
    assert split.train[:6].tolist() == [True, True, True, False, False, False]


def test_targets_never_in_training_and_in_time_order():
    split = leave_one_out(LOG)
    keys = pd.MultiIndex.from_frame(LOG.events[["user_id", "position"]])
    for targets in (split.valid, split.test):
        rows = keys.isin(pd.MultiIndex.from_frame(targets))
        assert rows.sum() == len(targets) and not split.train[rows].any()
    merged = split.valid.merge(split.test, on="user_id", suffixes=("_v", "_t"))
    assert (merged["position_v"] < merged["position_t"]).all()


def test_temporal_split_uses_global_cutoffs():
    split = temporal_split(LOG, valid_start=3, test_start=5)
    assert split.train.tolist() == [True, True, False, False, False, False, True, True]
    assert split.valid.values.tolist() == [["u1", 2]]
    assert split.test.values.tolist() == [["u1", 4]]


def test_predefined_split_uses_roles_and_last_event():
    roles = pd.Series({"u1": "test", "u2": "train"})
    log = make_log(LOG.events[["user_id", "item_id", "timestamp", "domain"]].values.tolist(),
                   predefined_split=roles)
    split = predefined_split(log)
    assert split.test.values.tolist() == [["u1", 5]]
    assert split.valid.empty
    assert split.train.tolist() == [False] * 6 + [True, True]
    assert predefined_split(log, target_domain="B").info["test_targets_outside_domain"] == 1


def test_errors_are_clear():
    with pytest.raises(ValueError, match="no predefined split"):
        predefined_split(LOG)
    with pytest.raises(ValueError, match="not in the data's domains"):
        leave_one_out(LOG, target_domain="Z")
    with pytest.raises(ValueError, match="protocol"):
        make_split(LOG, "random")
    assert isinstance(make_split(LOG, "leave-one-out").train, np.ndarray)

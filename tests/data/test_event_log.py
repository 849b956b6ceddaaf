import numpy as np
import pandas as pd

from recsys_tf.data.event_log import EventLog


def test_sorted_by_user_and_time_ties_in_input_order():
    log = EventLog.from_frames(pd.DataFrame({
        "user_id": ["u2", "u1", "u1", "u1"], "item_id": ["x", "c", "a", "b"],
        "timestamp": [5, 30, 10, 10]}))
    assert log.events[["user_id", "item_id", "position"]].values.tolist() == [
        ["u1", "a", 0], ["u1", "b", 1], ["u1", "c", 2], ["u2", "x", 0]]
    np.testing.assert_allclose(log.events["log_gap"], np.log1p([0, 0, 20, 0]), rtol=1e-6)


def test_items_and_users_are_completed_and_counted():
    events = pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["a", "zzz"],
                           "timestamp": [1, 2], "domain": ["books", "books"]})
    items = pd.DataFrame({"item_id": ["a", "b", "a"], "text": ["Alpha", None, "dup"]})
    users = pd.DataFrame({"user_id": ["u1"], "age": ["31"]})
    log = EventLog.from_frames(events, items, users)
    assert log.items["item_id"].tolist() == ["a", "b", "zzz"]
    assert log.items["text"].tolist() == ["Alpha", "", ""]
    assert log.items["domain"].tolist() == ["books", "default", "books"]
    assert log.report.dropped == {"duplicate_item": 1}
    assert log.report.altered["item_added_without_metadata"] == 1
    assert log.report.altered["item_text_missing"] == 1
    assert log.report.altered["user_added_without_features"] == 1
    assert log.users.set_index("user_id")["age"].to_dict() == {"u1": "31", "u2": np.nan}


def test_without_timestamps_has_no_time_features():
    log = EventLog.from_frames(pd.DataFrame({"user_id": ["u", "u"], "item_id": ["a", "b"],
                                             "timestamp": [0, 1]}), has_timestamps=False)
    assert log.events["hour"].tolist() == [-1, -1]
    assert log.events["log_gap"].tolist() == [0.0, 0.0]

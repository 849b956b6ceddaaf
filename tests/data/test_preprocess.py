import pandas as pd
import pytest

from recsys_tf.data.ingest import read_events
from recsys_tf.data.preprocess import MissingPolicy, PreprocessConfig, clean_events
from recsys_tf.data.report import DataError, DataReport


def clean(frame, **config):
    report = DataReport()
    raw = read_events(pd.DataFrame(frame))
    out = clean_events(raw, PreprocessConfig(**config), report)
    assert len(raw) == len(out) + report.total_dropped  # nothing lost without a count
    return out, report


def test_types_and_default_fills_are_counted():
    out, report = clean({"user_id": [" u1 ", "u2"], "item_id": ["a", "b"],
                         "timestamp": ["100", "2020-01-01T00:00:00Z"]})
    assert out["user_id"].tolist() == ["u1", "u2"]
    assert out["timestamp"].tolist() == [100, 1_577_836_800]
    assert out["timestamp"].dtype == "int64" and out["value"].dtype == "float64"
    assert out["event_type"].tolist() == ["interaction"] * 2
    assert report.altered == {"filled_event_type": 2, "filled_domain": 2, "filled_value": 2}


def test_missing_policy_drop_and_fill_per_column():
    frame = {"user_id": ["u", "u", "u"], "item_id": ["a", "b", "c"], "timestamp": [1, 2, 3],
             "event_type": ["view", None, "click"], "value": [1.0, 2.0, None]}
    out, report = clean(frame, missing={"event_type": "drop", "value": "fill:0"})
    assert out["item_id"].tolist() == ["a", "c"]
    assert out["value"].tolist() == [1.0, 0.0]
    assert report.dropped == {"missing_event_type": 1}
    assert report.altered["filled_value"] == 1


def test_ids_and_timestamps_cannot_be_filled():
    with pytest.raises(ValueError, match="can only be dropped"):
        PreprocessConfig(missing={"user_id": "fill:x"})
    with pytest.raises(ValueError, match="drop' or 'fill:VALUE"):
        MissingPolicy.parse("mean")


def test_invalid_timestamps_are_dropped_or_raise_with_location():
    frame = {"user_id": ["u"] * 5, "item_id": list("abcde"),
             "timestamp": ["10", "-5", "1e30", "soon", "nan"]}
    out, report = clean(frame)
    assert out["item_id"].tolist() == ["a"]
    assert report.dropped == {"invalid_timestamp": 3, "missing_timestamp": 1}
    with pytest.raises(DataError, match=r"<DataFrame>:1: column 'timestamp': invalid value '-5'"):
        clean(frame, invalid="raise")


def test_timestamp_units():
    out, _ = clean({"user_id": ["u"], "item_id": ["a"], "timestamp": [1_700_000_000_123]},
                   timestamp_unit="ms")
    assert out["timestamp"].tolist() == [1_700_000_000]


def test_duplicates_and_bursts():
    frame = {"user_id": ["u"] * 6, "item_id": ["a", "a", "a", "a", "b", "a"],
             "timestamp": [100, 100, 101, 102, 103, 200]}
    out, report = clean(frame, burst_window_s=1.0)
    # 100 duplicate dropped; 101 and 102 are bursts of 'a' (<= 1 s after the previous 'a').
    assert list(zip(out["item_id"], out["timestamp"], strict=True)) == [
        ("a", 100), ("b", 103), ("a", 200)]
    assert report.dropped == {"duplicate": 1, "burst": 2}
    out, report = clean(frame, burst_window_s=0, deduplicate=False)
    assert len(out) == 6 and report.dropped == {}


def test_abnormal_user_activity():
    frame = {"user_id": ["bot"] * 5 + ["human"], "item_id": list("abcdef"),
             "timestamp": [10, 20, 30, 40, 50, 60]}
    out, report = clean(frame, max_events_per_user=3)
    assert out["user_id"].tolist() == ["human"]
    assert report.dropped == {"abnormal_user_activity": 5}


def test_non_numeric_value():
    out, report = clean({"user_id": ["u", "u"], "item_id": ["a", "b"], "timestamp": [1, 2],
                         "value": ["4.5", "five"]})
    assert out["value"].tolist() == [4.5]
    assert report.dropped == {"invalid_value": 1}

import pandas as pd
import pytest

from recsys_tf.data.ingest import EventColumns, read_events, read_table
from recsys_tf.data.report import DataError, DataReport
from tests.conftest import write

CSV = "uid,iid,ts,kind\nu1,a,10,view\nu1,b,20,click\nu2,a,30,view\n"


def test_mapping_renames_to_canonical_columns(tmp_path):
    path = write(tmp_path, "e.csv", CSV)
    raw = read_events(path, EventColumns(user_id="uid", item_id="iid", timestamp="ts",
                                         event_type="kind"))
    assert raw[["user_id", "item_id", "timestamp", "event_type"]].values.tolist() == [
        ["u1", "a", "10", "view"], ["u1", "b", "20", "click"], ["u2", "a", "30", "view"]]
    assert raw["domain"].isna().all() and raw["value"].isna().all()
    assert raw["_row"].tolist() == [2, 3, 4]  # line numbers, header is line 1


def test_csv_parquet_and_dataframe_give_the_same_events(tmp_path):
    columns = EventColumns(user_id="uid", item_id="iid", timestamp="ts", event_type="kind")
    frame = pd.read_csv(write(tmp_path, "e.csv", CSV))
    frame.to_parquet(tmp_path / "e.parquet")
    canonical = ["user_id", "item_id", "timestamp", "event_type"]
    from_csv = read_events(tmp_path / "e.csv", columns)[canonical]
    from_parquet = read_events(tmp_path / "e.parquet", columns)[canonical]
    from_frame = read_events(frame, columns)[canonical]
    pd.testing.assert_frame_equal(from_csv, from_parquet)
    pd.testing.assert_frame_equal(from_csv, from_frame)


def test_missing_required_column_names_file_and_mapping(tmp_path):
    path = write(tmp_path, "e.csv", "user,item_id,timestamp\nu,a,1\n")
    with pytest.raises(DataError, match=r"e\.csv.*user_id \(looked for 'user_id'\).*found"):
        read_events(path)


def test_from_assignments_parses_and_validates():
    assert EventColumns.from_assignments(["user_id=uid", "domain="]) == EventColumns(
        user_id="uid", domain=None)
    with pytest.raises(ValueError, match="CANONICAL=SOURCE"):
        EventColumns.from_assignments(["uid"])


def test_malformed_lines_are_counted_with_line_numbers(tmp_path):
    path = write(tmp_path, "e.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n")
    report = DataReport()
    table = read_table(path, report=report)
    assert table["a"].tolist() == ["1", "8"]
    assert table["_row"].tolist() == [2, 4]
    assert report.dropped == {"malformed_line": 1}
    assert report.examples["malformed_line"][0].startswith(f"{path}:3")


def test_malformed_line_raises_with_line_number_when_asked(tmp_path):
    path = write(tmp_path, "e.csv", "a,b,c\n1,2,3\n4,5,6,7\n")
    with pytest.raises(DataError, match=r"e\.csv:3: malformed line"):
        read_table(path, bad_lines="raise")


def test_empty_and_undecodable_files_give_clear_errors(tmp_path):
    with pytest.raises(DataError, match="file is empty"):
        read_table(write(tmp_path, "empty.csv", ""))
    with pytest.raises(DataError, match=r"bad\.csv:3: not valid utf-8 at byte"):
        read_table(write(tmp_path, "bad.csv", b"a,b\n1,2\n\xff\xfe,3\n"))
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "absent.csv")

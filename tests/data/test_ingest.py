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


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 100])
def test_reading_in_chunks_gives_read_tables_rows_lines_and_report(tmp_path, chunk_rows):
    from recsys_tf.data.ingest import iter_table

    path = tmp_path / "events.csv"
    path.write_text('a,b,c\n1,2,3\n4,5,6,7\n\n"x\ny",8,9\n10,11\n12,13,14\n,,\n15,16,17\n'
                    '"p\nq\nr",1,2\n18,19,20,21\n22,23,24\n')
    whole, chunked = DataReport(), DataReport()
    expected = read_table(path, report=whole)
    frames = list(iter_table(path, chunk_rows=chunk_rows, report=chunked))
    pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), expected)
    assert expected["_row"].tolist() == [2, 5, 7, 8, 10, 11, 15]
    assert whole.examples["malformed_line"] == [f"{path}:3 (expected 3 fields, saw 4)",
                                                f"{path}:14 (expected 3 fields, saw 4)"]
    assert chunked.to_dict() == whole.to_dict()

"""Files from the hostile probe of issue #35: each gives a clear error naming the file and line,
or a counted drop; none shifts columns or loses a row silently."""

from __future__ import annotations

import gzip
import os

import pytest

from recsys_tf.data.ingest import read_table
from recsys_tf.data.loaders import load_dataset, load_events_csv
from recsys_tf.data.report import DataError, DataReport

HEADER = "user_id,item_id,timestamp\n"


def write(tmp_path, text, name="events.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_extra_field_on_the_first_row_is_a_counted_drop_not_a_column_shift(tmp_path):
    path = write(tmp_path, HEADER + "u1,a,10,EXTRA\nu1,b,20\nu2,c,30,X\nu2,d,40\n")
    report = DataReport()
    frame = read_table(path, report=report)
    assert frame["user_id"].tolist() == ["u1", "u2"]          # not the item ids
    assert frame["timestamp"].tolist() == ["20", "40"]
    assert frame["_row"].tolist() == [3, 5]
    assert report.dropped == {"malformed_line": 2}
    assert any(":2 (more fields" in e for e in report.examples["malformed_line"])


def test_movielens_u_data_with_an_extra_first_field_keeps_its_timestamps(tmp_path):
    lines = ["1\t1\t5\t874965758\tX"] + [f"{u}\t{i}\t4\t87496{u}{i:03d}"
                                          for u in range(1, 4) for i in range(1, 7)]
    (tmp_path / "u.data").write_text("\n".join(lines) + "\n")
    (tmp_path / "u.item").write_text("".join(f"{i}|Movie {i} (1995)|01-Jan-1995||url|"
                                             + "|".join(["0"] * 19) + "\n" for i in range(1, 7)),
                                     encoding="latin-1")
    log = load_dataset("movielens", tmp_path)
    assert len(log.events) == 18
    assert log.report.dropped.get("malformed_line") == 1
    assert "missing_timestamp" not in log.report.dropped


def test_an_unbalanced_quote_names_the_line_where_it_opens(tmp_path):
    rows = [f"u{i % 7},i{i},{1_600_000_000 + i}" for i in range(300)]
    rows[10] = 'u1,"open,1600000010'
    rows[110] = 'u1,close",1600000110'
    path = write(tmp_path, HEADER + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"events\.csv:12: field 'item_id' runs over 101 lines"):
        load_events_csv(path)


def test_duplicate_column_names_are_refused(tmp_path):
    path = write(tmp_path, "user_id,item_id,timestamp,item_id\nu1,a,10,b\n")
    with pytest.raises(DataError, match=r"events\.csv:1: .*\['item_id'\] more than once"):
        read_table(path)


def test_compressed_unknown_encoding_and_unreadable_files(tmp_path):
    packed = tmp_path / "events.csv.gz"
    packed.write_bytes(gzip.compress((HEADER + "u1,a,10\n").encode()))
    with pytest.raises(DataError, match="gzip-compressed; decompress it first"):
        read_table(packed)
    path = write(tmp_path, HEADER + "u1,a,10\n")
    with pytest.raises(DataError, match="unknown text encoding 'klingon'"):
        read_table(path, encoding="klingon")
    if os.geteuid() != 0:  # root reads anything
        path.chmod(0)
        with pytest.raises(DataError, match="cannot read the file"):
            read_table(path)


def test_a_bad_movielens_genre_index_names_the_file(tmp_path):
    (tmp_path / "u.data").write_text("1\t1\t5\t874965758\n")
    (tmp_path / "u.item").write_text("1|M (1995)|01-Jan-1995||url|" + "|".join(["0"] * 19)
                                     + "\n")
    (tmp_path / "u.genre").write_text("unknown|0\nAction|one\n")
    with pytest.raises(DataError, match=r"u\.genre:2: genre index 'one' is not a number"):
        load_dataset("movielens", tmp_path)


def test_a_non_numeric_cross_domain_item_index_names_the_file(tmp_path):
    (tmp_path / "items.csv").write_text("item_index,domain,asin,title\n0,Food,a,x\n"
                                        "zero,Kitchen,b,y\n")
    (tmp_path / "train.txt").write_text("0 1\n")
    with pytest.raises(DataError, match=r"items\.csv:3: item_index 'zero' is not a number"):
        load_dataset("cross-domain", tmp_path)


def test_a_closed_quoted_line_break_is_kept_and_later_rows_keep_their_line_numbers(tmp_path):
    path = write(tmp_path, HEADER + 'u1,"a title\nover two lines",10\nu1,b,20\nu2,c,x\n')
    report = DataReport()
    frame = read_table(path, report=report)
    assert frame["item_id"].tolist() == ["a title\nover two lines", "b", "c"]
    assert frame["_row"].tolist() == [2, 4, 5]   # the file lines each record starts on

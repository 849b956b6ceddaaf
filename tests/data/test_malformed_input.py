"""Property-based tests: malformed event files give a clear error or counted drops, never a bare
traceback and never a silently lost row."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recsys_tf.data.loaders import load_events_csv
from recsys_tf.data.report import DataError

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# Fields without CSV structure characters, so that one text line is one record.
junk = st.text(alphabet=st.characters(blacklist_characters=',"\n\r',
                                      blacklist_categories=("Cs",)), max_size=8)
ids = st.one_of(st.text(string.ascii_letters + string.digits, min_size=1, max_size=6),
                st.integers(0, 10**6).map(str), junk)
timestamps = st.one_of(
    st.integers(0, 4_000_000_000).map(str),                       # valid
    st.sampled_from(["nan", "NaN", "", "-1", "-1700000000", "1e30", "inf",
                     "99999999999999999999999", "2023-02-30", "yesterday"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr), junk)
good_row = st.tuples(ids, ids, st.integers(1_600_000_000, 1_700_000_000).map(str))
any_row = st.one_of(
    good_row,
    st.tuples(ids, ids, timestamps),
    st.lists(junk, min_size=0, max_size=6).map(tuple),           # wrong column count
)


@st.composite
def event_files(draw):
    rows = draw(st.lists(any_row, max_size=25))
    if rows and draw(st.booleans()):                                 # duplicate events
        rows += draw(st.lists(st.sampled_from(rows), max_size=5))
    lines = [",".join(row) for row in rows]
    text = "user_id,item_id,timestamp\n" + "\n".join(lines)
    if lines and draw(st.booleans()):                                # truncated last line
        text = text[: len(text) - draw(st.integers(0, len(lines[-1])))]
    elif draw(st.booleans()):
        text += "\n"
    return text


def data_lines(text: str) -> int:
    return len(text.split("\n")[1:]) - (1 if text.endswith("\n") else 0)


@SETTINGS
@given(text=event_files())
def test_every_line_is_an_event_or_a_counted_drop(tmp_path, text):
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    log = load_events_csv(path)
    assert len(log.events) + log.report.total_dropped == data_lines(text)
    events = log.events
    assert events["timestamp"].between(0, 7_258_118_400).all()
    assert not events[["user_id", "item_id"]].isna().any().any()
    assert (events["user_id"].str.strip() != "").all()


@SETTINGS
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_give_a_log_or_a_clear_error(tmp_path, data):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"user_id,item_id,timestamp\n" + data)
    try:
        log = load_events_csv(path)
    except DataError as error:
        assert "junk.csv" in str(error)
    else:
        assert len(log.events) <= data.count(b"\n") + 1


@SETTINGS
@given(header=st.text(max_size=40))
def test_bad_headers_name_the_missing_columns(tmp_path, header):
    path = tmp_path / "h.csv"
    path.write_text(header.replace("\r", "") + "\n", encoding="utf-8")
    try:
        load_events_csv(path)
    except DataError as error:
        assert "h.csv" in str(error)


def test_empty_file_and_users_with_one_event(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match=r"empty\.csv: file is empty"):
        load_events_csv(tmp_path / "empty.csv")
    (tmp_path / "one.csv").write_text("user_id,item_id,timestamp\nu1,a,5\nu2,b,6\nu2,c,7\n")
    log = load_events_csv(tmp_path / "one.csv")
    assert len(log.events) == 3 and log.report.total_dropped == 0


def test_truncated_last_line_is_counted(tmp_path):
    (tmp_path / "t.csv").write_text("user_id,item_id,timestamp\nu1,a,5\nu1,b")
    log = load_events_csv(tmp_path / "t.csv")
    assert len(log.events) == 1
    assert log.report.dropped == {"missing_timestamp": 1}
    assert log.report.examples["missing_timestamp"] == [f"{tmp_path / 't.csv'}:3"]

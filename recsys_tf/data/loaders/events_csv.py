"""Generic event-log loader: a CSV (or Parquet) file with a header, plus optional item and user
tables. Default column names are ``user_id, item_id, timestamp`` and optional
``event_type, domain, value``; rename with :class:`~recsys_tf.data.ingest.EventColumns`.

Example:

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
>>> _ = path.write_text("uid,item_id,timestamp\\nu1,a,1700000000\\nu1,b,1700000100\\n")
>>> log = load_events_csv(path, EventColumns(user_id="uid"))
>>> len(log.events), log.num_users
(2, 1)
"""

from __future__ import annotations

from pathlib import Path

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.ingest import EventColumns, ItemColumns, read_events, read_items, read_users
from recsys_tf.data.preprocess import PreprocessConfig
from recsys_tf.data.report import DataReport


def load_events_csv(path: str | Path, columns: EventColumns = EventColumns(), *,
                    items: str | Path | None = None, item_columns: ItemColumns = ItemColumns(),
                    users: str | Path | None = None,
                    config: PreprocessConfig = PreprocessConfig(), sep: str = ",",
                    encoding: str = "utf-8", bad_lines: str = "drop") -> EventLog:
    """Loads events from a CSV/Parquet file (+ optional item catalogue and user table).

    Args:
        path: events file (``.csv``, ``.tsv``, ``.txt`` or ``.parquet``).
        columns: which source column holds each canonical field.
        items: optional catalogue file (``item_id, text, category, domain`` by default).
        item_columns: column mapping of the catalogue.
        users: optional user table (``user_id`` + feature columns).
        config: cleaning rules.
        sep: field separator of text files.
        encoding: text encoding.
        bad_lines: ``"drop"`` lines with the wrong number of fields (counted) or ``"raise"``.
    """
    report = DataReport()
    options = {"sep": sep, "encoding": encoding}
    raw = read_events(path, columns, report=report, bad_lines=bad_lines, **options)
    item_table = read_items(items, item_columns, report=report, **options) if items else None
    user_table = read_users(users, **options) if users else None
    return EventLog.from_frames(raw, item_table, user_table, config=config, report=report,
                                name=Path(path).stem)

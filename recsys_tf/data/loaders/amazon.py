"""Amazon sequence loader: ``user_sequence.txt`` (``user asin asin ...``, oldest first) and an
optional ``items.csv`` (``asin,title``), the layout of the standard Amazon Beauty 5-core data.

No timestamps: events are ordered by file position and carry no time features.

Example (with the data beside the repository)::

    log = load_amazon("../shared/datasets/amazon-beauty")
    log.num_users, log.num_items, len(log.events)   # (22363, 12101, 198502)
"""

from __future__ import annotations

from pathlib import Path

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.ingest import ItemColumns, read_items
from recsys_tf.data.loaders.sequence_file import read_sequence_file
from recsys_tf.data.preprocess import PreprocessConfig
from recsys_tf.data.report import DataReport

SEQUENCE_FILE = "user_sequence.txt"
ITEM_FILE = "items.csv"


def load_amazon(path: str | Path, *, domain: str | None = None, event_type: str = "review",
                config: PreprocessConfig = PreprocessConfig()) -> EventLog:
    """Loads an Amazon sequence directory (or a sequence file directly).

    Args:
        path: directory holding ``user_sequence.txt`` (+ ``items.csv``), or the sequence file.
        domain: domain label of every event; defaults to the directory name.
        event_type: event type of every event.
        config: cleaning rules.
    """
    path = Path(path)
    sequence_file = path / SEQUENCE_FILE if path.is_dir() else path
    directory = sequence_file.parent
    domain = domain or directory.name or "default"
    report = DataReport()
    raw = read_sequence_file(sequence_file, report).assign(event_type=event_type, domain=domain)
    items = None
    if (directory / ITEM_FILE).is_file():
        items = read_items(directory / ITEM_FILE,
                           ItemColumns(item_id="asin", text="title", category=None, domain=None),
                           report=report)
        items["domain"] = domain
    return EventLog.from_frames(raw, items, config=config, report=report, has_timestamps=False,
                                name=directory.name or "amazon")

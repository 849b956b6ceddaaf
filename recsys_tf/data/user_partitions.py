"""An events file split into parts by user, so a log larger than memory can be prepared a
part at a time.

:func:`partition_by_user` reads a CSV events file in chunks (:func:`~recsys_tf.data.ingest.
iter_events`) and writes its raw records again as Parquet files, one set per part: every
user's records land in one part, parts hold consecutive ranges of user ids in sorted order
(the order :class:`~recsys_tf.data.event_log.EventLog` sorts users in) and at most
``part_events`` records each, except a user with more. Preparing the parts one after
another then gives, user for user, what preparing the whole log gives: every cleaning rule
(:mod:`recsys_tf.data.preprocess`) and the leave-one-out split act within a user. Records
without a user id go to the first part, where cleaning drops and counts them.

Memory: one chunk of records, plus one entry per distinct user.

Example::

    parts = partition_by_user("events.csv", EventColumns(), "tmp/parts",
                              part_events=1_000_000, report=report)
    for part in parts:
        raw = read_partition(part)     # read_events' frame of those users' records
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from recsys_tf.data.ingest import EventColumns, iter_events
from recsys_tf.data.preprocess import EVENT_COLUMNS, strip_strings
from recsys_tf.data.report import DataReport

CHUNK_ROWS = 500_000  # records parsed at once
PART_EVENTS = 1_000_000  # records per part by default (`recsys-tf data prepare --part-events`)
_SCHEMA = pa.schema([(name, pa.string()) for name in EVENT_COLUMNS] + [("_row", pa.int64())])


def partition_by_user(path: str | Path, columns: EventColumns, folder: str | Path, *,
                      part_events: int, report: DataReport, chunk_rows: int | None = None,
                      **read_options) -> list[list[Path]]:
    """Splits the events file ``path`` into parts of whole users (see the module docstring).

    Args:
        path, columns: the events file and its column mapping.
        folder: where the Parquet files go (created; the caller deletes it).
        part_events: records per part at most (a user with more gets a part alone).
        report: receives the file's malformed and blank lines.
        chunk_rows: records parsed at once (default :data:`CHUNK_ROWS`).
        read_options: ``sep``, ``encoding``, ``bad_lines`` of the file.

    Returns:
        Per part, in user order, its Parquet files (read them with :func:`read_partition`).
    """
    if part_events < 1:
        raise ValueError(f"`part_events` must be >= 1. Received: {part_events}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    chunks, counts = [], []
    chunk_rows = chunk_rows or CHUNK_ROWS
    for index, frame in enumerate(iter_events(path, columns, chunk_rows=chunk_rows,
                                              report=report, **read_options)):
        users = _user_keys(frame)
        counts.append(users[users.notna()].value_counts())
        chunk = folder / f"chunk-{index:05d}.parquet"
        pq.write_table(_to_arrow(frame), chunk)
        chunks.append(chunk)
        if len(counts) > 8:
            counts = [_add_counts(counts)]
    per_user = _add_counts(counts).sort_index()
    users = per_user.index.to_numpy(object)
    before = np.cumsum(per_user.to_numpy()) - per_user.to_numpy()
    _, part_of_user = np.unique(before // part_events, return_inverse=True)
    parts = int(part_of_user.max()) + 1 if len(users) else 1
    files: list[list[Path]] = [[] for _ in range(parts)]
    for chunk in chunks:
        frame = _from_arrow(pq.read_table(chunk, schema=_SCHEMA), source=str(path))
        keys = _user_keys(frame)
        known = keys.notna().to_numpy()
        part = np.zeros(len(frame), np.int64)
        part[known] = part_of_user[np.searchsorted(users, keys[known].to_numpy(object))]
        for index in np.unique(part):
            target = folder / f"part-{index:05d}-{chunk.stem}.parquet"
            pq.write_table(_to_arrow(frame.loc[part == index]), target)
            files[index].append(target)
        chunk.unlink()
    return files


def read_partition(files: list[Path], source: str | None = None) -> pd.DataFrame:
    """The raw records of one part (:func:`~recsys_tf.data.ingest.read_events`' columns), in
    file order; ``source`` names the events file in ``_source`` (default: the part's
    first file)."""
    if not files:
        return _from_arrow(_SCHEMA.empty_table(), source=source or "")
    return _from_arrow(pq.read_table(files, schema=_SCHEMA), source=source or str(files[0]))


def _user_keys(frame: pd.DataFrame) -> pd.Series:
    """The user id cleaning will see (stripped; missing or empty as NA)."""
    users = strip_strings(frame["user_id"])
    return users.where(users.notna() & (users != ""), None)


def _add_counts(counts: list[pd.Series]) -> pd.Series:
    if not counts:
        return pd.Series(dtype=np.int64)
    return pd.concat(counts).groupby(level=0, sort=False).sum()


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    columns = {name: frame[name].astype(object).where(frame[name].notna(), None)
               for name in EVENT_COLUMNS}
    return pa.Table.from_pydict({**{k: v.tolist() for k, v in columns.items()},
                                 "_row": frame["_row"].to_numpy(np.int64)}, schema=_SCHEMA)


def _from_arrow(table: pa.Table, *, source: str) -> pd.DataFrame:
    frame = table.to_pandas().astype({name: object for name in EVENT_COLUMNS})
    for name in EVENT_COLUMNS:
        frame[name] = frame[name].where(frame[name].notna(), pd.NA)
    frame.insert(len(EVENT_COLUMNS), "_source", source)
    return frame[[*EVENT_COLUMNS, "_source", "_row"]]

"""Reading event, item and user tables from CSV, Parquet or pandas with an explicit column mapping.

Every table is read with all columns as strings, so that type conversion happens in one place
(:mod:`recsys_tf.data.preprocess`) where failures are counted or reported with their row. Each
returned frame carries two bookkeeping columns: ``_source`` (file name, or ``<DataFrame>``) and
``_row`` (1-based line number in a text file, 0-based row index otherwise), used in error messages
and drop-report examples.

Example:

>>> import pandas as pd
>>> frame = pd.DataFrame({"uid": ["u1", "u1"], "iid": ["a", "b"], "ts": [10, 20]})
>>> raw = read_events(frame, EventColumns(user_id="uid", item_id="iid", timestamp="ts"))
>>> list(raw.columns[:3])
['user_id', 'item_id', 'timestamp']
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_tf.data.progress import open_with_progress
from recsys_tf.data.report import DataError, DataReport

Source = str | os.PathLike | pd.DataFrame

_SKIPPED_LINE = re.compile(r"Skipping line (\d+): (.*)")


@dataclasses.dataclass(frozen=True)
class EventColumns:
    """Names of the event columns in the source. ``None`` marks an optional column as absent.

    Optional columns that are absent (or ``None``) get the missing-value policy of
    :class:`~recsys_tf.data.preprocess.PreprocessConfig` (by default a fill, counted).
    """

    user_id: str = "user_id"
    item_id: str = "item_id"
    timestamp: str = "timestamp"
    event_type: str | None = "event_type"
    domain: str | None = "domain"
    value: str | None = "value"

    REQUIRED = ("user_id", "item_id", "timestamp")

    def __post_init__(self):
        for name in self.REQUIRED:
            if not getattr(self, name):
                raise ValueError(f"`{name}` column name is required. Received: {name}=None")

    @classmethod
    def from_assignments(cls, assignments: Iterable[str]) -> EventColumns:
        """Builds a mapping from ``canonical=source`` strings, e.g. ``["user_id=uid"]``."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {}
        for assignment in assignments:
            key, sep, value = assignment.partition("=")
            key = key.strip()
            if not sep or key not in fields:
                raise ValueError(
                    f"Column mapping must look like CANONICAL=SOURCE with CANONICAL one of "
                    f"{sorted(fields)}. Received: {assignment!r}")
            values[key] = value.strip() or None
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class ItemColumns:
    """Names of the item catalogue columns in the source."""

    item_id: str = "item_id"
    text: str | None = "text"
    category: str | None = "category"
    domain: str | None = "domain"


def read_table(source: Source, *, sep: str = ",", encoding: str = "utf-8",
               header: bool = True, names: list[str] | None = None,
               report: DataReport | None = None, bad_lines: str = "drop") -> pd.DataFrame:
    """Reads a CSV/TSV/Parquet file or a DataFrame into a frame of strings.

    Args:
        source: path to a ``.csv``/``.tsv``/``.txt``/``.parquet`` file, or a DataFrame.
        sep: field separator for text files (a regex such as ``"::"`` selects the python engine).
        encoding: text encoding (MovieLens needs ``"latin-1"``).
        header: whether the first line holds column names.
        names: column names for files without a header.
        report: where blank lines and lines with the wrong number of fields
            (``bad_lines="drop"``) are counted.
        bad_lines: ``"drop"`` (count them as ``malformed_line``) or ``"raise"``.

    Returns:
        A DataFrame of strings (missing values as NA) plus ``_source`` and ``_row`` columns.

    Raises:
        DataError: for a missing/empty/undecodable file, or a malformed line with
            ``bad_lines="raise"``; the message names the file and line.
    """
    if bad_lines not in ("drop", "raise"):
        raise ValueError(f"`bad_lines` must be 'drop' or 'raise'. Received: {bad_lines!r}")
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        for column in frame.columns:
            frame[column] = _as_strings(frame[column])
        frame["_source"] = "<DataFrame>"
        frame["_row"] = np.arange(len(frame), dtype=np.int64)
        frame = frame.reset_index(drop=True)
        frame.attrs["source"] = "<DataFrame>"
        return frame

    path = Path(source)
    name = str(path)
    if not path.is_file():
        raise DataError("no such file", source=name)
    if path.suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as error:  # pyarrow raises several unrelated types
            raise DataError(f"cannot read Parquet file: {error}", source=name) from error
        frame = read_table(frame).assign(_source=name)
        frame.attrs["source"] = name
        return frame
    if path.stat().st_size == 0:
        raise DataError("file is empty" + (" (expected a header line)" if header else ""),
                        source=name)

    _check_readable(path, encoding)
    if header:
        _check_header(path, name, sep, encoding)
    skipped: list[tuple[int, str]] = []
    leading: list[int] = []  # 0-based file lines dropped for extra fields before any good row
    while True:
        frame, caught = _read_csv(path, name, sep=sep, encoding=encoding, header=header,
                                  names=names, bad_lines=bad_lines, skiprows=leading)
        # More fields on the first data line than in the header: pandas would take the extra
        # leading fields as an index and shift every column. Count that line as malformed.
        if isinstance(frame.index, pd.RangeIndex) or len(frame) == 0:
            break
        line = len(leading) + (1 if header else 0)  # the first data line left (0-based)
        if bad_lines == "raise" or len(leading) >= 100:
            raise DataError(f"line {line + 1} has more fields than the "
                            f"{len(frame.columns)} columns", source=name, row=line + 1)
        leading.append(line)
    for warning in caught:
        for match in _SKIPPED_LINE.finditer(str(warning.message)):
            skipped.append((int(match.group(1)), match.group(2)))
    skipped += [(line + 1, f"more fields than the {len(frame.columns)} columns")
                for line in leading]
    report = report if report is not None else DataReport()
    frame, _ = _numbered(frame, name, header=header, sep=sep, skipped=skipped, new=skipped,
                         report=report)
    return frame


def iter_table(path: str | os.PathLike, *, chunk_rows: int, sep: str = ",",
               encoding: str = "utf-8", report: DataReport | None = None,
               bad_lines: str = "drop") -> Iterator[pd.DataFrame]:
    """Reads a CSV/TSV file with a header ``chunk_rows`` records at a time: frames like
    :func:`read_table`'s (strings, ``_source``, ``_row`` numbered by file line), so a file
    larger than memory can be read and nothing in it is lost silently.

    Lines with more fields than the header are dropped and counted as ``malformed_line``,
    blank lines as ``blank_line``, as :func:`read_table` does.

    Example::

        for frame in iter_table("events.csv", chunk_rows=1_000_000, report=report):
            ...
    """
    if bad_lines not in ("drop", "raise"):
        raise ValueError(f"`bad_lines` must be 'drop' or 'raise'. Received: {bad_lines!r}")
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataError("no such file", source=name)
    if path.suffix == ".parquet":
        raise DataError("Parquet files are read whole (read_table), not in chunks", source=name)
    if path.stat().st_size == 0:
        raise DataError("file is empty (expected a header line)", source=name)
    _check_readable(path, encoding)
    _check_header(path, name, sep, encoding)
    report = report if report is not None else DataReport()
    skipped: list[tuple[int, str]] = []
    earlier_breaks = 0
    with warnings.catch_warnings(record=True) as caught, _parse_errors(path, encoding), \
            open(path, encoding=encoding, newline="") as handle:
        warnings.simplefilter("always")
        # index_col=False: a line with extra fields is skipped with a warning rather
        # than taken as an index (read_table's leading-lines case).
        for frame in pd.read_csv(
                handle, sep=sep, header=0, dtype=str, keep_default_na=False,
                na_values=[""], skip_blank_lines=False, index_col=False,
                on_bad_lines="warn" if bad_lines == "drop" else "error",
                engine="python" if len(sep) > 1 else "c", chunksize=chunk_rows):
            new = [(int(m.group(1)), m.group(2)) for warning in caught
                   for m in _SKIPPED_LINE.finditer(str(warning.message))]
            caught.clear()
            skipped += new
            first = int(frame.index[0]) if len(frame) else 0
            frame, breaks = _numbered(frame.reset_index(drop=True), name, header=True,
                                      sep=sep, skipped=skipped, new=new, report=report,
                                      first_index=first, earlier_breaks=earlier_breaks)
            earlier_breaks += breaks
            yield frame


def _numbered(frame: pd.DataFrame, name: str, *, header: bool, sep: str,
              skipped: list[tuple[int, str]], new: list[tuple[int, str]], report: DataReport,
              first_index: int = 0, earlier_breaks: int = 0) -> tuple[pd.DataFrame, int]:
    """Gives parsed records their file line (``_row``) and source, counts the malformed
    lines ``new`` and drops blank lines (counted).

    pandas numbers a skipped line by record (a quoted field's line breaks not counted):
    ``skipped`` holds every skipped record so far, ``first_index`` is the first parsed
    record's index and ``earlier_breaks`` the line breaks inside the records before it.

    Returns:
        The frame and the line breaks inside its own records.
    """
    breaks = _line_breaks(frame, name, header, sep,
                          first_line=first_index + earlier_breaks)
    records = np.arange(len(frame), dtype=np.int64) + first_index + (2 if header else 1)
    for record, _ in sorted(skipped):
        records[records >= record] += 1
    within = np.cumsum(breaks)
    rows = records + earlier_breaks + np.concatenate([[0], within[:-1]]).astype(np.int64)
    lines = [record + earlier_breaks + (int(within[count - 1]) if count else 0)
             for record, _ in new
             for count in [int(np.searchsorted(records, record))]]
    report.drop("malformed_line", len(new),
                [f"{name}:{line} ({why})" for line, (_, why) in zip(lines, new, strict=True)])
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.astype(object).where(frame.notna(), pd.NA)  # same dtypes as DataFrame input
    frame["_source"] = name
    frame["_row"] = rows
    blank = frame.drop(columns=["_source", "_row"]).isna().all(axis=1).to_numpy()
    report.drop("blank_line", int(blank.sum()), [f"{name}:{r}" for r in rows[blank][:3]])
    frame = frame.loc[~blank].reset_index(drop=True)
    frame.attrs["source"] = name
    return frame, int(breaks.sum())


def _read_csv(path: Path, name: str, *, sep, encoding, header, names, bad_lines, skiprows):
    with _parse_errors(path, encoding), warnings.catch_warnings(record=True) as caught, \
            open_with_progress(path) as handle:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                handle, sep=sep, encoding=encoding, header=0 if header else None, names=names,
                dtype=str, keep_default_na=False, na_values=[""], skip_blank_lines=False,
                on_bad_lines="warn" if bad_lines == "drop" else "error",
                engine="python" if len(sep) > 1 else "c", skipinitialspace=False,
                skiprows=skiprows or None)
    return frame, caught


@contextlib.contextmanager
def _parse_errors(path: Path, encoding: str):
    """pandas' errors on reading ``path`` as a :class:`DataError` naming the file and line."""
    name = str(path)
    try:
        yield
    except pd.errors.EmptyDataError as error:
        raise DataError("file has no columns (empty or blank)", source=name) from error
    except pd.errors.ParserError as error:
        line = re.search(r"line (\d+)", str(error))
        raise DataError(f"malformed line: {error}", source=name,
                        row=int(line.group(1)) if line else None) from error
    except UnicodeDecodeError as error:
        offset, line = _first_undecodable(path, encoding)
        raise DataError(f"not valid {encoding} at byte {offset} ({error.reason}); pass the "
                        "file's encoding (e.g. encoding='latin-1')", source=name,
                        row=line) from error


def _check_readable(path: Path, encoding: str) -> None:
    """Refuses, naming the file, what pandas would fail on with a bare or misleading error."""
    name = str(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown text encoding {encoding!r}", source=name) from None
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise DataError(f"cannot read the file: {error.strerror}", source=name) from None
    for prefix, kind in ((b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip"), (b"BZh", "bzip2"),
                         (b"\xfd7zX", "xz")):
        if magic.startswith(prefix):
            raise DataError(f"the file is {kind}-compressed; decompress it first", source=name)


def _line_breaks(frame: pd.DataFrame, name: str, header: bool, sep: str, *,
                 first_line: int = 0) -> np.ndarray:
    """Line breaks inside each row's quoted fields (a title may hold one), to number the rows
    by file line. A field whose extra lines hold the separator is an unbalanced quote that
    swallowed whole records up to the next quote: refused, naming the line where it opens."""
    breaks = np.zeros(len(frame), np.int64)
    for column in frame.columns:
        values = frame[column]
        text = values.astype(str).where(values.notna().to_numpy(), "")
        counts = text.str.count("\n").to_numpy()
        if not counts.any():
            continue
        for index in np.flatnonzero(counts):
            continuation = str(text.iloc[index]).split("\n")[1:]
            if any(re.search(sep if len(sep) > 1 else re.escape(sep), line)
                   for line in continuation):
                line = first_line + index + (2 if header else 1) + int(breaks[:index].sum())
                raise DataError(f"field {column!r} runs over {counts[index] + 1} lines: an "
                                "unbalanced quote (a field that starts with \" must end "
                                "with \")", source=name, row=line)
        breaks += counts
    return breaks


def _check_header(path: Path, name: str, sep: str, encoding: str) -> None:
    """Refuses a header that names a column twice (pandas would rename the second)."""
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline().rstrip("\r\n")
    fields = ([f.strip().strip('"') for f in re.split(sep, first)] if len(sep) > 1
              else next(csv.reader([first], delimiter=sep), []))
    fields = [f.strip() for f in fields]
    duplicates = sorted({f for f in fields if f and fields.count(f) > 1})
    if duplicates:
        raise DataError(f"the header names column(s) {duplicates} more than once", source=name,
                        row=1)


def read_events(source: Source, columns: EventColumns = EventColumns(), *,
                report: DataReport | None = None, **read_options) -> pd.DataFrame:
    """Reads raw events and renames them to the canonical column names.

    Returns a frame with columns ``user_id, item_id, timestamp, event_type, domain, value`` (as
    strings, NA where absent) plus ``_source`` and ``_row``; clean it with
    :func:`recsys_tf.data.preprocess.clean_events`.
    """
    frame = read_table(source, report=report, **read_options)
    return _canonical(frame, columns, required=EventColumns.REQUIRED)


def iter_events(path: str | os.PathLike, columns: EventColumns = EventColumns(), *,
                chunk_rows: int, report: DataReport | None = None, **read_options
                ) -> Iterator[pd.DataFrame]:
    """:func:`read_events` of a CSV file, ``chunk_rows`` records at a time
    (:func:`iter_table`)."""
    for frame in iter_table(path, chunk_rows=chunk_rows, report=report, **read_options):
        yield _canonical(frame, columns, required=EventColumns.REQUIRED)


def read_items(source: Source, columns: ItemColumns = ItemColumns(), **read_options
               ) -> pd.DataFrame:
    """Reads an item catalogue into ``item_id, text, category, domain`` (+ bookkeeping)."""
    frame = read_table(source, **read_options)
    return _canonical(frame, columns, required=("item_id",), keep_extra=True)


def read_users(source: Source, user_id: str = "user_id", **read_options) -> pd.DataFrame:
    """Reads a user table: ``user_id`` plus every other column as a user feature."""
    frame = read_table(source, **read_options)
    _require(frame, {"user_id": user_id})
    return frame.rename(columns={user_id: "user_id"})


def _canonical(frame: pd.DataFrame, columns, *, required: tuple[str, ...],
               keep_extra: bool = False) -> pd.DataFrame:
    mapping = {f.name: getattr(columns, f.name) for f in dataclasses.fields(columns)}
    _require(frame, {k: v for k, v in mapping.items() if k in required})
    out = pd.DataFrame(index=frame.index)
    for canonical, source_name in mapping.items():
        if source_name is not None and source_name in frame.columns:
            out[canonical] = frame[source_name]
        else:
            out[canonical] = pd.Series(pd.NA, index=frame.index, dtype=object)
    if keep_extra:
        used = {v for v in mapping.values() if v is not None} | {"_source", "_row"}
        for column in frame.columns:
            if column not in used and column not in out.columns:
                out[column] = frame[column]
    out["_source"] = frame["_source"]
    out["_row"] = frame["_row"]
    return out


def _require(frame: pd.DataFrame, mapping: dict[str, str]) -> None:
    missing = [f"{canonical} (looked for '{name}')" for canonical, name in mapping.items()
               if name not in frame.columns]
    if missing:
        source = frame.attrs.get("source")
        found = [c for c in frame.columns if not c.startswith("_")]
        raise DataError(f"required column(s) missing: {', '.join(missing)}; found {found}. "
                        "Rename with a column mapping.", source=source)


def _as_strings(series: pd.Series) -> pd.Series:
    """Converts a column of any dtype to strings, keeping missing values as NA."""
    missing = series.isna()
    if pd.api.types.is_float_dtype(series) and not missing.all():
        finite = series[~missing]
        if (np.isfinite(finite) & (finite == np.floor(finite))).all() and (
                finite.abs() < 2**53).all():
            series = series.astype("Int64")
    out = series.astype(str).astype(object)
    out[missing.to_numpy()] = pd.NA
    return out


def _first_undecodable(path: Path, encoding: str) -> tuple[int, int]:
    """Byte offset and 1-based line of the first byte sequence that fails to decode."""
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        return error.start, data.count(b"\n", 0, error.start) + 1
    return 0, 1

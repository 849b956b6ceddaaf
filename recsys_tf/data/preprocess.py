"""Validation and cleaning of raw events (S0 §3.1): types, missing values, duplicates, bursts.

Every step either keeps a row, changes it (counted under ``report.altered``) or drops it
(counted under ``report.dropped``), so ``rows in == rows out + total dropped`` always holds.

Example:

>>> import pandas as pd
>>> from recsys_tf.data.ingest import read_events
>>> raw = read_events(pd.DataFrame({"user_id": ["u", "u", "u"], "item_id": ["a", "a", "b"],
...                                 "timestamp": [100, 100, "oops"]}))
>>> report = DataReport()
>>> events = clean_events(raw, PreprocessConfig(), report)
>>> len(events), report.dropped
(1, {'invalid_timestamp': 1, 'duplicate': 1})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from recsys_tf.data.report import DataError, DataReport

# Timestamps are integer seconds since the Unix epoch; anything past this (year 2200) is invalid.
MAX_TIMESTAMP_S = 7_258_118_400
_UNIT_SCALE = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_ID_COLUMNS = ("user_id", "item_id")
EVENT_COLUMNS = ("user_id", "item_id", "timestamp", "event_type", "domain", "value")
DEFAULT_MISSING = {"user_id": "drop", "item_id": "drop", "timestamp": "drop",
                   "event_type": "fill:interaction", "domain": "fill:default", "value": "fill:1.0"}


@dataclasses.dataclass(frozen=True)
class MissingPolicy:
    """What to do with a missing value: ``drop`` the row, or ``fill`` it with ``fill_value``."""

    action: str
    fill_value: str | float | None = None

    @classmethod
    def parse(cls, text: str) -> MissingPolicy:
        """Parses ``"drop"`` or ``"fill:VALUE"``."""
        action, _, value = text.partition(":")
        if action == "drop" and not value:
            return cls("drop")
        if action == "fill" and value:
            return cls("fill", value)
        raise ValueError(f"Missing-value policy must be 'drop' or 'fill:VALUE'. Received: {text!r}")


@dataclasses.dataclass(frozen=True)
class PreprocessConfig:
    """How raw events are validated and cleaned.

    Args:
        missing: per canonical column, ``"drop"`` or ``"fill:VALUE"``, overriding
            :data:`DEFAULT_MISSING` for the columns given. Ids and timestamps can only be dropped.
            Columns absent from the source count as missing in every row.
        invalid: ``"drop"`` (count) or ``"raise"`` (``DataError`` naming file, row and column)
            for values that are present but unusable (unparsable or out-of-range timestamps,
            non-numeric values).
        timestamp_unit: unit of numeric timestamps: ``s``, ``ms``, ``us`` or ``ns``. Date-time
            strings (ISO 8601) are accepted as well. Stored timestamps are integer seconds.
        deduplicate: drop exact repeats of (user, item, timestamp, event type, domain).
        burst_window_s: drop an event when the same user had the identical (item, event type,
            domain) event at most this many seconds earlier (click bursts, S0 §3.1 "malicious
            clicks"); ``0`` disables. Only applied to data with real timestamps.
        max_events_per_user: drop every event of users with more events than this (bots, crawlers);
            ``None`` disables.
    """

    missing: Mapping[str, str] = dataclasses.field(default_factory=dict)
    invalid: str = "drop"
    timestamp_unit: str = "s"
    deduplicate: bool = True
    burst_window_s: float = 1.0
    max_events_per_user: int | None = None

    def __post_init__(self):
        if self.invalid not in ("drop", "raise"):
            raise ValueError(f"`invalid` must be 'drop' or 'raise'. Received: {self.invalid!r}")
        if self.timestamp_unit not in _UNIT_SCALE:
            raise ValueError(f"`timestamp_unit` must be one of {sorted(_UNIT_SCALE)}. "
                             f"Received: {self.timestamp_unit!r}")
        if self.burst_window_s < 0:
            raise ValueError(f"`burst_window_s` must be >= 0. Received: {self.burst_window_s}")
        if self.max_events_per_user is not None and self.max_events_per_user < 1:
            raise ValueError("`max_events_per_user` must be >= 1 or None. "
                             f"Received: {self.max_events_per_user}")
        unknown = set(self.missing) - set(EVENT_COLUMNS)
        if unknown:
            raise ValueError(f"`missing` has unknown columns {sorted(unknown)}; "
                             f"expected a subset of {EVENT_COLUMNS}")
        for column in EVENT_COLUMNS:
            policy = self.policy(column)
            if column in (*_ID_COLUMNS, "timestamp") and policy.action != "drop":
                raise ValueError(f"Missing `{column}` can only be dropped. Received: "
                                 f"{self.missing[column]!r}")

    def policy(self, column: str) -> MissingPolicy:
        """The policy in force for ``column`` (the override, else the default)."""
        return MissingPolicy.parse(self.missing.get(column, DEFAULT_MISSING[column]))


def clean_events(raw: pd.DataFrame, config: PreprocessConfig, report: DataReport, *,
                 has_timestamps: bool = True) -> pd.DataFrame:
    """Converts types, applies the missing-value policy, and removes duplicates and bursts.

    Args:
        raw: output of :func:`recsys_tf.data.ingest.read_events` (strings, bookkeeping columns).
        config: the cleaning rules.
        report: receives a count (and examples) for every dropped or altered row.
        has_timestamps: ``False`` for sources whose ``timestamp`` is only an order (sequence
            files); burst cleaning is then skipped.

    Returns:
        Events with typed columns ``user_id, item_id`` (str), ``timestamp`` (int64 seconds),
        ``event_type, domain`` (str), ``value`` (float64) and the bookkeeping columns, in input
        order.
    """
    frame = raw.reset_index(drop=True)
    keep = np.ones(len(frame), dtype=bool)

    def reject(mask: np.ndarray, reason: str, column: str) -> None:
        mask = mask & keep
        if not mask.any():
            return
        if config.invalid == "raise":
            first = int(np.flatnonzero(mask)[0])
            raise DataError(f"invalid value {frame.at[first, column]!r} ({reason})",
                            source=frame.at[first, "_source"], row=int(frame.at[first, "_row"]),
                            column=column)
        report.drop(reason, int(mask.sum()), _examples(frame, mask, column))
        keep[mask] = False

    def missing(column: str, mask: np.ndarray, fill) -> None:
        mask = mask & keep
        if not mask.any():
            return
        policy = config.policy(column)
        if policy.action == "drop":
            report.drop(f"missing_{column}", int(mask.sum()), _examples(frame, mask))
            keep[mask] = False
        else:
            report.alter(f"filled_{column}", int(mask.sum()), _examples(frame, mask))
            frame.loc[mask, column] = fill(policy.fill_value)

    # --- ids: strings, whitespace stripped; empty counts as missing.
    for column in _ID_COLUMNS:
        stripped = strip_strings(frame[column])
        frame[column] = stripped
        missing(column, (stripped.isna() | (stripped == "")).to_numpy(), lambda v: v)

    # --- timestamps: numeric in `timestamp_unit`, or ISO 8601 strings; int64 seconds.
    seconds, absent, invalid = _parse_timestamps(frame["timestamp"], config.timestamp_unit)
    missing("timestamp", absent, lambda v: v)
    reject(invalid, "invalid_timestamp", "timestamp")
    frame["timestamp"] = np.where(keep, seconds, 0).astype(np.int64)

    # --- categorical columns.
    for column in ("event_type", "domain"):
        stripped = strip_strings(frame[column])
        frame[column] = stripped
        missing(column, (stripped.isna() | (stripped == "")).to_numpy(), lambda v: str(v))

    # --- value: float64.
    value_text = frame["value"]
    numeric = pd.to_numeric(value_text, errors="coerce").astype(np.float64)
    absent_value = value_text.isna().to_numpy()
    reject(~absent_value & ~np.isfinite(numeric.to_numpy()), "invalid_value", "value")
    missing("value", absent_value, lambda v: v)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(np.float64)

    frame = frame.loc[keep].reset_index(drop=True)
    frame["event_type"] = frame["event_type"].astype(str)
    frame["domain"] = frame["domain"].astype(str)
    frame["user_id"] = frame["user_id"].astype(str)
    frame["item_id"] = frame["item_id"].astype(str)

    if config.deduplicate:
        dup = frame.duplicated(["user_id", "item_id", "timestamp", "event_type", "domain"]
                               ).to_numpy()
        report.drop("duplicate", int(dup.sum()), _examples(frame, dup))
        frame = frame.loc[~dup].reset_index(drop=True)

    if has_timestamps and config.burst_window_s > 0 and len(frame):
        order = np.lexsort((frame.index.to_numpy(), frame["timestamp"].to_numpy()))
        ordered = frame.iloc[order]
        gap = ordered.groupby(["user_id", "item_id", "event_type", "domain"], sort=False
                              )["timestamp"].diff()
        burst = np.zeros(len(frame), dtype=bool)
        burst[order] = (gap <= config.burst_window_s).to_numpy()
        report.drop("burst", int(burst.sum()), _examples(frame, burst))
        frame = frame.loc[~burst].reset_index(drop=True)

    if config.max_events_per_user is not None and len(frame):
        sizes = frame.groupby("user_id")["user_id"].transform("size").to_numpy()
        heavy = sizes > config.max_events_per_user
        report.drop("abnormal_user_activity", int(heavy.sum()), _examples(frame, heavy))
        frame = frame.loc[~heavy].reset_index(drop=True)
    return frame


def strip_strings(series: pd.Series) -> pd.Series:
    """Strips surrounding whitespace from the strings of ``series`` (object dtype, NA kept)."""
    return series.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)


def _examples(frame: pd.DataFrame, mask: np.ndarray, column: str | None = None) -> list[str]:
    """``file:row`` (and the offending value of ``column``) of the first masked rows."""
    rows = frame.loc[mask, ["_source", "_row"]].head(3)
    values = frame.loc[mask, column].head(3) if column else [None] * len(rows)
    return [f"{s}:{r}" + (f" {column}={v!r}" if column else "")
            for (s, r), v in zip(rows.itertuples(index=False), values, strict=True)]


def _parse_timestamps(text: pd.Series, unit: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (seconds as float, missing mask, invalid mask) for a column of strings."""
    # Empty, and "nan"/"NA"/"null" spelled out, are missing values rather than invalid ones.
    lowered = strip_strings(text).map(lambda v: v.lower() if isinstance(v, str) else v)
    absent = (text.isna() | lowered.isin(["", "nan", "na", "null", "none"])).to_numpy(bool)
    numeric = pd.to_numeric(text, errors="coerce").astype(np.float64).to_numpy()
    seconds = numeric / _UNIT_SCALE[unit]
    needs_date = ~absent & np.isnan(numeric)
    if needs_date.any():
        dates = pd.to_datetime(text[needs_date], errors="coerce", utc=True, format="ISO8601")
        epoch = pd.Timestamp(0, tz="UTC")
        seconds[needs_date] = (dates - epoch).dt.total_seconds().to_numpy(np.float64)
    with np.errstate(invalid="ignore"):
        invalid = ~absent & ~(np.isfinite(seconds) & (seconds >= 0) & (seconds <= MAX_TIMESTAMP_S))
    seconds = np.where(invalid | absent, 0, np.floor(np.nan_to_num(seconds)))
    return seconds, absent, invalid

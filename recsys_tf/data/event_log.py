"""The canonical, cleaned event log: events, items and users of one dataset.

Columns of :attr:`EventLog.events`, one row per event, grouped by user and in time order (ties
broken by input order):

========== ======= ============================================================================
user_id    str     user identifier
item_id    str     item identifier
timestamp  int64   seconds since the Unix epoch; for sources without time (sequence files) the
                   event's position, and :attr:`EventLog.has_timestamps` is ``False``
event_type str     e.g. ``view``, ``click``, ``purchase``, ``rating``
domain     str     the catalogue/domain the item belongs to (cross-domain data has several)
value      float64 e.g. a rating; 1.0 for implicit events
position   int32   0-based index of the event in the user's sequence (all domains together)
hour       int8    hour of day (UTC), -1 without timestamps
weekday    int8    Monday = 0, -1 without timestamps
log_gap    float32 ``log1p`` seconds since the user's previous event, 0 without timestamps
========== ======= ============================================================================

:attr:`EventLog.items` has ``item_id, text, category, domain`` (+ source-specific extra columns);
:attr:`EventLog.users` has ``user_id`` plus optional feature columns.

Example:

>>> import pandas as pd
>>> log = EventLog.from_frames(pd.DataFrame({
...     "user_id": ["u1", "u1", "u2"], "item_id": ["a", "b", "a"], "timestamp": [20, 10, 5]}))
>>> log.events[["user_id", "item_id", "position"]].values.tolist()
[['u1', 'b', 0], ['u1', 'a', 1], ['u2', 'a', 0]]
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from recsys_tf.data.ingest import EventColumns, read_events, read_table
from recsys_tf.data.preprocess import PreprocessConfig, clean_events, strip_strings
from recsys_tf.data.report import DataReport
from recsys_tf.data.time_features import time_features

ITEM_COLUMNS = ("item_id", "text", "category", "domain")
UNKNOWN_CATEGORY = "unknown"


@dataclasses.dataclass(frozen=True)
class EventLog:
    """A cleaned dataset. Build it with :meth:`from_frames` or a loader in ``data.loaders``.

    Attributes:
        events: the events (see the module docstring for columns).
        items: the item catalogue, one row per item id (every item id in ``events`` is present).
        users: one row per user id in ``events`` (+ feature columns).
        report: rows dropped or altered while building the log.
        has_timestamps: ``False`` when ``timestamp`` is only an order (no time features).
        name: a label for printing.
        predefined_split: for datasets that ship their own split, ``user_id -> "train" |
            "valid" | "test"`` (for ``valid``/``test`` users the last event is the target).
        info: extra facts about the source (e.g. line counts per file).
    """

    events: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame
    report: DataReport
    has_timestamps: bool = True
    name: str = "events"
    predefined_split: pd.Series | None = None
    info: dict = dataclasses.field(default_factory=dict)

    @property
    def num_users(self) -> int:
        return int(self.events["user_id"].nunique())

    @property
    def num_items(self) -> int:
        return len(self.items)

    @property
    def domains(self) -> list[str]:
        return sorted(set(self.events["domain"]) | set(self.items["domain"]))

    @classmethod
    def from_frames(cls, events: pd.DataFrame, items: pd.DataFrame | None = None,
                    users: pd.DataFrame | None = None, *,
                    columns: EventColumns = EventColumns(),
                    config: PreprocessConfig = PreprocessConfig(),
                    report: DataReport | None = None, has_timestamps: bool = True,
                    name: str = "events", predefined_split: pd.Series | None = None,
                    info: dict | None = None) -> EventLog:
        """Cleans raw events and assembles the log.

        Args:
            events: raw events, either straight from :func:`read_events` (has ``_row``) or any
                DataFrame whose columns ``columns`` maps.
            items: optional catalogue with ``item_id`` and any of ``text, category, domain``.
            users: optional user table with ``user_id`` and feature columns.
            columns: column mapping used when ``events`` is a plain DataFrame.
            config: cleaning rules.
            report: report to add to (e.g. with malformed lines already counted).
            has_timestamps: whether ``timestamp`` is real time.
        """
        report = report if report is not None else DataReport()
        raw = events if "_row" in events.columns else read_events(events, columns)
        clean = clean_events(raw, config, report, has_timestamps=has_timestamps)
        clean["_order"] = np.arange(len(clean), dtype=np.int64)
        clean = clean.sort_values(["user_id", "timestamp", "_order"], kind="stable")
        clean = clean.drop(columns=["_source", "_row", "_order"]).reset_index(drop=True)
        user_codes = pd.factorize(clean["user_id"])[0]
        clean["position"] = clean.groupby("user_id", sort=False).cumcount().astype(np.int32)
        if has_timestamps:
            hour, weekday, log_gap = time_features(user_codes, clean["timestamp"].to_numpy())
        else:
            hour = np.full(len(clean), -1, np.int8)
            weekday = np.full(len(clean), -1, np.int8)
            log_gap = np.zeros(len(clean), np.float32)
        clean["hour"], clean["weekday"], clean["log_gap"] = hour, weekday, log_gap
        items = complete_items(items, clean, report)
        users = _complete_users(users, clean, report)
        return cls(events=clean, items=items, users=users, report=report,
                   has_timestamps=has_timestamps, name=name,
                   predefined_split=predefined_split, info=dict(info or {}))


def complete_items(items: pd.DataFrame | None, events: pd.DataFrame,
                   report: DataReport) -> pd.DataFrame:
    """One row per item id; items seen only in events are added (counted) with empty text."""
    if items is None:
        items = pd.DataFrame({"item_id": pd.Series(dtype=str)})
    elif "_row" not in items.columns:
        items = read_table(items)
    items = items.copy()
    for column in ITEM_COLUMNS:
        if column not in items.columns:
            items[column] = pd.NA
    items["item_id"] = strip_strings(items["item_id"])
    no_id = items["item_id"].isna() | (items["item_id"] == "")
    report.drop("item_missing_id", int(no_id.sum()), _item_examples(items, no_id))
    items = items.loc[~no_id]
    dup = items.duplicated("item_id").to_numpy()
    report.drop("duplicate_item", int(dup.sum()), _item_examples(items, dup))
    items = items.loc[~dup]

    event_items = events.drop_duplicates("item_id")[["item_id", "domain"]]
    unseen = event_items.loc[~event_items["item_id"].isin(items["item_id"])]
    if len(items) and len(unseen):
        report.alter("item_added_without_metadata", len(unseen), unseen["item_id"].head(3))
    items = pd.concat([items, unseen], ignore_index=True)

    no_text = items["text"].isna().to_numpy()
    if len(items) > len(unseen):
        report.alter("item_text_missing", int(no_text[: len(items) - len(unseen)].sum()),
                     _item_examples(items, no_text))
    items["text"] = items["text"].fillna("").astype(str)
    items["category"] = items["category"].fillna(UNKNOWN_CATEGORY).astype(str)
    # An item's domain comes from the catalogue, else from its events.
    domain_of = dict(zip(event_items["item_id"], event_items["domain"], strict=True))
    items["domain"] = items["domain"].fillna(items["item_id"].map(domain_of)).fillna(
        "default").astype(str)
    items["item_id"] = items["item_id"].astype(str)
    extra = [c for c in items.columns if c not in ITEM_COLUMNS and not c.startswith("_")]
    return items[list(ITEM_COLUMNS) + extra].reset_index(drop=True)


def _complete_users(users: pd.DataFrame | None, events: pd.DataFrame,
                    report: DataReport) -> pd.DataFrame:
    event_users = pd.DataFrame({"user_id": events["user_id"].drop_duplicates()})
    if users is None:
        return event_users.reset_index(drop=True)
    users = users.drop(columns=[c for c in users.columns if c.startswith("_")])
    users = users.assign(user_id=users["user_id"].astype(str).str.strip())
    dup = users.duplicated("user_id").to_numpy()
    report.drop("duplicate_user", int(dup.sum()), users.loc[dup, "user_id"].head(3))
    users = users.loc[~dup]
    unseen = ~event_users["user_id"].isin(users["user_id"])
    report.alter("user_added_without_features", int(unseen.sum()),
                 event_users.loc[unseen, "user_id"].head(3))
    return event_users.merge(users, on="user_id", how="left").reset_index(drop=True)


def _item_examples(items: pd.DataFrame, mask) -> list[str]:
    """``file:line`` of catalogue rows read from a file, else the item id."""
    chosen = items.loc[np.asarray(mask)].head(3)
    rows = chosen["_row"] if "_row" in chosen.columns else pd.Series(np.nan, chosen.index)
    return [f"{source}:{int(row)}" if pd.notna(row) else str(item) for source, row, item in
            zip(chosen.get("_source", rows), rows, chosen["item_id"], strict=True)]

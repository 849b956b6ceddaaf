"""Vocabularies of a dataset and its events encoded as integer arrays for the pipelines.

Example:

>>> import pandas as pd
>>> from recsys_tf.data.event_log import EventLog
>>> log = EventLog.from_frames(pd.DataFrame({"user_id": ["u", "u"], "item_id": ["a", "b"],
...                                          "timestamp": [1, 2]}))
>>> vocabularies = Vocabularies.build(log)
>>> encode_events(log, vocabularies).items.tolist()
[2, 3]
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.vocabulary import Vocabulary

_FIELDS = ("item_id", "event_type", "domain", "category")


@dataclasses.dataclass(frozen=True)
class Vocabularies:
    """One :class:`Vocabulary` per categorical field, plus one per user feature column.

    Items come from the whole catalogue (``log.items``), so items without training events still
    get an index (and can be recommended through their text).
    """

    item_id: Vocabulary
    event_type: Vocabulary
    domain: Vocabulary
    category: Vocabulary
    user_features: dict[str, Vocabulary] = dataclasses.field(default_factory=dict)

    @classmethod
    def build(cls, log: EventLog) -> Vocabularies:
        return cls.from_values(items=log.items, event_types=log.events["event_type"],
                               domains=log.domains, users=log.users)

    @classmethod
    def from_values(cls, *, items: pd.DataFrame, event_types: Iterable[str],
                    domains: Iterable[str], users: pd.DataFrame) -> Vocabularies:
        """The vocabularies of a log given by its parts: the item table, the events' event
        types, every domain (of events and items) and the user table."""
        features = {column: Vocabulary.build(users[column].dropna(), name=column)
                    for column in users.columns if column != "user_id"}
        return cls(item_id=Vocabulary.build(items["item_id"], "item_id"),
                   event_type=Vocabulary.build(event_types, "event_type"),
                   domain=Vocabulary.build(domains, "domain"),
                   category=Vocabulary.build(items["category"], "category"),
                   user_features=features)

    def save(self, directory: str | Path) -> None:
        """Writes ``vocabularies.json`` into ``directory``."""
        data = {name: getattr(self, name).to_json() for name in _FIELDS}
        data["user_features"] = {k: v.to_json() for k, v in self.user_features.items()}
        path = Path(directory) / "vocabularies.json"
        temporary = path.with_name(f"tmp-{path.name}")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)

    @classmethod
    def load(cls, directory: str | Path) -> Vocabularies:
        path = Path(directory) / "vocabularies.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{name: Vocabulary.from_json(data[name]) for name in _FIELDS},
                       user_features={k: Vocabulary.from_json(v)
                                      for k, v in data["user_features"].items()})
        except FileNotFoundError:
            raise ValueError(f"{path}: no such file (is {directory} a run directory?)") from None
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError,
                AttributeError) as error:
            raise ValueError(f"{path}: damaged ({type(error).__name__}: {error})") from None


@dataclasses.dataclass(frozen=True)
class EncodedEvents:
    """The events of a log as aligned integer/float arrays, grouped by user in time order.

    ``user_start[u]:user_start[u + 1]`` are the rows of the ``u``-th user (in
    ``user_ids`` order). Hours and weekdays are shifted by one so that 0 means padding/unknown.
    """

    user_ids: np.ndarray
    user_start: np.ndarray
    items: np.ndarray
    event_types: np.ndarray
    domains: np.ndarray
    hours: np.ndarray
    weekdays: np.ndarray
    log_gaps: np.ndarray
    positions: np.ndarray
    user_features: dict[str, np.ndarray]


def encode_events(log: EventLog, vocabularies: Vocabularies) -> EncodedEvents:
    """Looks up every id of ``log.events`` (unknown ids map to OOV)."""
    events = log.events
    user_change = np.flatnonzero(events["user_id"].to_numpy()[1:]
                                 != events["user_id"].to_numpy()[:-1]) + 1
    user_start = np.concatenate([[0], user_change, [len(events)]]).astype(np.int64)
    if not len(events):
        user_start = np.zeros(1, np.int64)
    user_ids = events["user_id"].to_numpy()[user_start[:-1]]
    users = log.users.set_index("user_id").reindex(user_ids)
    user_features = {name: vocab.lookup(users[name].fillna("").to_numpy())
                     for name, vocab in vocabularies.user_features.items()}
    return EncodedEvents(
        user_ids=user_ids, user_start=user_start,
        items=vocabularies.item_id.lookup(events["item_id"].to_numpy()),
        event_types=vocabularies.event_type.lookup(events["event_type"].to_numpy()),
        domains=vocabularies.domain.lookup(events["domain"].to_numpy()),
        hours=(events["hour"].to_numpy(np.int32) + 1),
        weekdays=(events["weekday"].to_numpy(np.int32) + 1),
        log_gaps=events["log_gap"].to_numpy(np.float32),
        positions=events["position"].to_numpy(np.int64),
        user_features=user_features)

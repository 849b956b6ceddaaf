"""Train/validation/test splits of an :class:`~recsys_tf.data.event_log.EventLog`.

A :class:`Split` marks the events that training may use and lists the validation and test
*target events* by ``(user_id, position)``; a target's input history is every event of the same
user with a smaller position. Three protocols:

* :func:`leave_one_out`: a user's last event is the test target, the second-last the validation
  target, training uses the events before the validation target (users with fewer than three
  events train on everything and are not evaluated, as in SASRec);
* :func:`temporal_split`: one global cutoff time for validation and one for test; training uses
  events before the first; each user's first event in each period is a target;
* :func:`predefined_split`: the dataset's own split (cross-domain ``valid.txt``/``test.txt``).

With ``target_domain`` set, targets are chosen among the events of that domain only (the other
domains stay in the history as cross-domain context).

Example:

>>> import pandas as pd
>>> from recsys_tf.data.event_log import EventLog
>>> log = EventLog.from_frames(pd.DataFrame({"user_id": ["u"] * 4, "item_id": list("abcd"),
...                                          "timestamp": [1, 2, 3, 4]}))
>>> split = leave_one_out(log)
>>> split.train.tolist(), split.valid["position"].tolist(), split.test["position"].tolist()
([True, True, False, False], [2], [3])
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from recsys_tf.data.event_log import EventLog

SPLITS = ("leave-one-out", "temporal", "predefined")


@dataclasses.dataclass(frozen=True)
class Split:
    """Which events train, and which events are validation/test targets.

    Attributes:
        train: boolean array aligned with ``log.events``: events that training may use (as input
            and as target).
        valid: target events, columns ``user_id, position``.
        test: target events, columns ``user_id, position``.
        name: the protocol.
        info: counts of users without targets, targets outside ``target_domain``, etc.
    """

    train: np.ndarray
    valid: pd.DataFrame
    test: pd.DataFrame
    name: str
    info: dict = dataclasses.field(default_factory=dict)


def make_split(log: EventLog, protocol: str, *, target_domain: str | None = None,
               **options) -> Split:
    """Dispatches to the protocol named ``protocol`` (one of :data:`SPLITS`)."""
    if protocol == "leave-one-out":
        return leave_one_out(log, target_domain=target_domain)
    if protocol == "temporal":
        return temporal_split(log, target_domain=target_domain, **options)
    if protocol == "predefined":
        return predefined_split(log, target_domain=target_domain)
    raise ValueError(f"`protocol` must be one of {SPLITS}. Received: {protocol!r}")


def leave_one_out(log: EventLog, *, target_domain: str | None = None) -> Split:
    """Last (target-domain) event = test, second-last = validation, the rest before it trains."""
    events = log.events
    candidate = _in_domain(events, target_domain)
    from_end = pd.Series(-1, index=events.index)
    from_end[candidate] = events[candidate].groupby("user_id", sort=False).cumcount(
        ascending=False)
    count = events[candidate].groupby("user_id", sort=False).size()
    evaluated = count[count >= 3].index
    is_eval_user = events["user_id"].isin(evaluated).to_numpy()
    test = events.loc[is_eval_user & (from_end == 0).to_numpy(), ["user_id", "position"]]
    valid = events.loc[is_eval_user & (from_end == 1).to_numpy(), ["user_id", "position"]]
    cutoff = events["user_id"].map(valid.set_index("user_id")["position"])
    train = (cutoff.isna() | (events["position"] < cutoff)).to_numpy()
    info = {"users_without_targets": int(events["user_id"].nunique() - len(evaluated))}
    return Split(train, valid.reset_index(drop=True), test.reset_index(drop=True),
                 "leave-one-out", info)


def temporal_split(log: EventLog, *, valid_start: float = 0.8, test_start: float = 0.9,
                   target_domain: str | None = None) -> Split:
    """Global cutoffs: train before ``valid_start``; first event per user in each later period.

    Args:
        valid_start, test_start: cutoff timestamps (seconds), or quantiles of the event times
            when both are in [0, 1].
    """
    events = log.events
    times = events["timestamp"].to_numpy()
    if 0 <= valid_start <= 1 and 0 <= test_start <= 1:
        valid_start, test_start = np.quantile(times, [valid_start, test_start]) if len(times) \
            else (0, 0)
    if not valid_start <= test_start:
        raise ValueError(f"Need valid_start <= test_start. Received: {valid_start}, {test_start}")
    candidate = _in_domain(events, target_domain)
    period_valid = candidate & (times >= valid_start) & (times < test_start)
    period_test = candidate & (times >= test_start)
    valid = events.loc[period_valid].groupby("user_id", sort=False).head(1)
    test = events.loc[period_test].groupby("user_id", sort=False).head(1)
    info = {"valid_start": float(valid_start), "test_start": float(test_start)}
    return Split(times < valid_start, valid[["user_id", "position"]].reset_index(drop=True),
                 test[["user_id", "position"]].reset_index(drop=True), "temporal", info)


def predefined_split(log: EventLog, *, target_domain: str | None = None) -> Split:
    """The dataset's own split: ``log.predefined_split`` maps users to train/valid/test."""
    if log.predefined_split is None:
        raise ValueError(f"Dataset {log.name!r} has no predefined split; use 'leave-one-out' or "
                         "'temporal'.")
    events = log.events
    role = events["user_id"].map(log.predefined_split).fillna("train").to_numpy()
    last = (events.groupby("user_id", sort=False).cumcount(ascending=False) == 0).to_numpy()
    candidate = _in_domain(events, target_domain)
    info = {}
    targets = {}
    for name in ("valid", "test"):
        chosen = (role == name) & last
        info[f"{name}_targets_outside_domain"] = int((chosen & ~candidate).sum())
        targets[name] = events.loc[chosen & candidate, ["user_id", "position"]].reset_index(
            drop=True)
    return Split(role == "train", targets["valid"], targets["test"], "predefined", info)


def _in_domain(events: pd.DataFrame, domain: str | None) -> np.ndarray:
    if domain is None:
        return np.ones(len(events), dtype=bool)
    if domain not in set(events["domain"]):
        raise ValueError(f"`target_domain` {domain!r} not in the data's domains "
                         f"{sorted(set(events['domain']))}")
    return (events["domain"] == domain).to_numpy()

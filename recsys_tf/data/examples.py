"""Fixed-length, right-padded sequence examples for training and evaluation (numpy arrays).

Training examples put a next-item target at every valid position: input position ``j`` holds an
event and ``targets[j]`` is the item of the user's next event (0 where padded). Sequences longer
than ``max_length`` are cut into consecutive windows, aligned to the end, so every training
target is used exactly once.

With a ``target_domain``, the main sequence holds the user's events in that domain and the
cross-domain stream holds the user's events in the other domains. ``cross_lengths[j]`` counts the
stream events that happened strictly before the event that position ``j`` predicts (the moment of
prediction), so the model can read the cross-domain state at index ``cross_lengths[j] - 1``
without seeing the future. ``cross_*`` keys exist only with a ``target_domain``.

Example:

>>> import pandas as pd
>>> from recsys_tf.data.event_log import EventLog
>>> from recsys_tf.data.vocabularies import Vocabularies, encode_events
>>> log = EventLog.from_frames(pd.DataFrame({"user_id": ["u"] * 4, "item_id": list("abcd"),
...                                          "timestamp": [1, 2, 3, 4]}))
>>> encoded = encode_events(log, Vocabularies.build(log))
>>> ex = training_examples(encoded, SequenceConfig(max_length=5), train=None)
>>> ex["item_ids"].tolist(), ex["targets"].tolist()
([[2, 3, 4, 0, 0]], [[3, 4, 5, 0, 0]])
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from recsys_tf.data.vocabularies import EncodedEvents
from recsys_tf.data.vocabulary import Vocabulary

SEQUENCE_FEATURES = ("item_ids", "event_types", "domains", "hours", "weekdays", "log_gaps")
CROSS_FEATURES = ("cross_item_ids", "cross_event_types", "cross_domains")
_SOURCE = {"item_ids": "items", "event_types": "event_types", "domains": "domains",
           "hours": "hours", "weekdays": "weekdays", "log_gaps": "log_gaps"}


@dataclasses.dataclass(frozen=True)
class SequenceConfig:
    """Shape of the sequence examples.

    Args:
        max_length: positions per example (the most recent events are kept).
        max_cross_length: events of the cross-domain stream per example.
        target_domain: domain of the main sequence and of the targets; ``None`` uses every event
            as one sequence and produces no cross-domain stream.
    """

    max_length: int = 50
    max_cross_length: int = 50
    target_domain: str | None = None

    def __post_init__(self):
        if self.max_length < 1 or self.max_cross_length < 1:
            raise ValueError("`max_length` and `max_cross_length` must be >= 1. Received: "
                             f"{self.max_length}, {self.max_cross_length}")


def training_examples(encoded: EncodedEvents, config: SequenceConfig, *,
                      train: np.ndarray | None, domain_vocabulary: Vocabulary | None = None
                      ) -> dict[str, np.ndarray]:
    """Windows of next-item targets over the events that ``train`` marks (all if ``None``).

    Returns:
        ``item_ids, event_types, domains, hours, weekdays`` (int32) and ``log_gaps`` (float32) of
        shape ``[N, max_length]``, ``targets`` ``[N, max_length]``, ``user_<feature>`` ``[N]``,
        and with a target domain ``cross_item_ids, cross_event_types, cross_domains``
        ``[N, max_cross_length]`` and ``cross_lengths`` ``[N, max_length]``.
    """
    usable = np.ones(len(encoded.items), bool) if train is None else np.asarray(train, bool)
    main_mask, cross_mask = _domain_masks(encoded, config, domain_vocabulary)
    length = config.max_length
    plans = []  # (user, main rows, cross rows, window start, window end)
    for user in range(len(encoded.user_ids)):
        main, cross = _user_rows(encoded, user, usable, main_mask, cross_mask)
        for end in range(len(main) - 1, 0, -length):
            plans.append((user, main, cross, max(0, end - length), end))
    return _windows(plans, encoded, config, with_cross=cross_mask is not None)


def short_history_examples(encoded: EncodedEvents, config: SequenceConfig, *,
                           train: np.ndarray | None, copies: int, seed: int,
                           max_events: int = 3, domain_vocabulary: Vocabulary | None = None
                           ) -> dict[str, np.ndarray]:
    """Training examples whose target-domain history is cut short while the other domain's is
    kept whole: what a user new to the target domain but long active in the other looks like.

    Natural windows (:func:`training_examples`) show a short target-domain history only at the
    start of a user's sequence, when the other-domain history is short too. Each copy picks one
    of the user's target events at random, keeps only the last ``d`` (uniform in
    ``1..max_events``) target-domain events before it as the input, and the full other-domain
    stream before each prediction. With a ``target_domain`` only users with other-domain
    events are copied. The keys are those of :func:`training_examples`.

    Args:
        train: as in :func:`training_examples`.
        copies: examples per user with at least two target-domain training events.
        seed: seeds the picks (the same seed gives the same examples).
        max_events: the longest kept history.

    >>> import pandas as pd
    >>> from recsys_tf.data.event_log import EventLog
    >>> from recsys_tf.data.vocabularies import Vocabularies, encode_events
    >>> log = EventLog.from_frames(pd.DataFrame(
    ...     {"user_id": ["u"] * 6, "item_id": list("abcdef"), "timestamp": range(6)}))
    >>> encoded = encode_events(log, Vocabularies.build(log))  # items a..f are ids 2..7
    >>> ex = short_history_examples(encoded, SequenceConfig(max_length=4), train=None,
    ...                             copies=2, seed=0, max_events=2)
    >>> ex["item_ids"].tolist(), ex["targets"].tolist()
    ([[5, 6, 0, 0], [4, 0, 0, 0]], [[6, 7, 0, 0], [5, 0, 0, 0]])
    """
    if copies < 0 or max_events < 1:
        raise ValueError(f"`copies` must be >= 0 and `max_events` >= 1. Received: "
                         f"copies={copies}, max_events={max_events}")
    usable = np.ones(len(encoded.items), bool) if train is None else np.asarray(train, bool)
    main_mask, cross_mask = _domain_masks(encoded, config, domain_vocabulary)
    rng = np.random.default_rng(seed)
    kept = min(max_events, config.max_length)
    plans = []  # (user, main rows, cross rows, window start, window end)
    for user in range(len(encoded.user_ids)):
        main, cross = _user_rows(encoded, user, usable, main_mask, cross_mask)
        if len(main) < 2 or (cross is not None and len(cross) == 0):
            continue
        for _ in range(copies):
            end = int(rng.integers(1, len(main)))  # index of the last target
            plans.append((user, main, cross, max(0, end - int(rng.integers(1, kept + 1))), end))
    return _windows(plans, encoded, config, with_cross=cross_mask is not None)


def evaluation_examples(encoded: EncodedEvents, targets: pd.DataFrame, config: SequenceConfig,
                        *, domain_vocabulary: Vocabulary | None = None
                        ) -> dict[str, np.ndarray]:
    """One example per target event: its user's most recent history before it.

    Args:
        encoded: the encoded events.
        targets: ``user_id, position`` of the target events (from a
            :class:`~recsys_tf.data.splits.Split`).
        config: sequence shape; the history is the target domain's events before the target.

    Returns:
        The input features of :func:`training_examples` (without ``targets``) plus ``target``
        ``[N]`` (item index) and ``history_length`` ``[N]``.
    """
    main_mask, cross_mask = _domain_masks(encoded, config, domain_vocabulary)
    user_index = pd.Series(np.arange(len(encoded.user_ids)), index=encoded.user_ids)
    users = user_index.reindex(targets["user_id"].to_numpy())
    if users.isna().any():
        unknown = targets["user_id"][users.isna().to_numpy()].head(3).tolist()
        raise ValueError(f"Target users not in the encoded events, e.g. {unknown}")
    users = users.to_numpy(np.int64)
    target_rows = encoded.user_start[users] + targets["position"].to_numpy(np.int64)
    out = _allocate(len(targets), config, encoded, with_targets=False,
                    with_cross=cross_mask is not None)
    out["target"] = encoded.items[target_rows].astype(np.int32)
    out["history_length"] = np.zeros(len(targets), np.int32)
    for n, (user, row) in enumerate(zip(users, target_rows, strict=True)):
        rows = np.arange(encoded.user_start[user], row)
        main = rows[main_mask[rows]][-config.max_length:]
        _fill(out, n, encoded, user, main)
        out["history_length"][n] = len(main)
        if cross_mask is not None:
            # Input j predicts the next main event; the last input predicts the target.
            moments = np.append(encoded.positions[main[1:]], encoded.positions[row])
            _fill_cross(out, n, encoded, rows[cross_mask[rows]], moments, config)
    return out


def _domain_masks(encoded: EncodedEvents, config: SequenceConfig,
                  domain_vocabulary: Vocabulary | None) -> tuple[np.ndarray, np.ndarray | None]:
    if config.target_domain is None:
        return np.ones(len(encoded.items), bool), None
    if domain_vocabulary is None:
        raise ValueError("`domain_vocabulary` is required with a `target_domain`.")
    index = int(domain_vocabulary.lookup([config.target_domain])[0])
    main = encoded.domains == index
    return main, ~main


def _user_rows(encoded: EncodedEvents, user: int, usable: np.ndarray, main_mask: np.ndarray,
               cross_mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The user's usable event rows in the target domain and (or None) in the others."""
    rows = np.arange(encoded.user_start[user], encoded.user_start[user + 1])
    rows = rows[usable[rows]]
    return rows[main_mask[rows]], (rows[cross_mask[rows]] if cross_mask is not None else None)


def _windows(plans: list, encoded: EncodedEvents, config: SequenceConfig, *,
             with_cross: bool) -> dict[str, np.ndarray]:
    """Training examples of ``(user, main rows, cross rows, start, end)`` plans: inputs
    ``main[start:end]``, each predicting the next main event."""
    out = _allocate(len(plans), config, encoded, with_targets=True, with_cross=with_cross)
    for n, (user, main, cross, start, end) in enumerate(plans):
        inputs, targets = main[start:end], main[start + 1:end + 1]
        _fill(out, n, encoded, user, inputs)
        out["targets"][n, : len(targets)] = encoded.items[targets]
        if cross is not None:
            _fill_cross(out, n, encoded, cross, encoded.positions[targets], config)
    return out


def _allocate(count: int, config: SequenceConfig, encoded: EncodedEvents, *,
              with_targets: bool, with_cross: bool) -> dict[str, np.ndarray]:
    shape = (count, config.max_length)
    out = {name: np.zeros(shape, np.float32 if name == "log_gaps" else np.int32)
           for name in SEQUENCE_FEATURES}
    if with_targets:
        out["targets"] = np.zeros(shape, np.int32)
    if with_cross:
        for name in CROSS_FEATURES:
            out[name] = np.zeros((count, config.max_cross_length), np.int32)
        out["cross_lengths"] = np.zeros(shape, np.int32)
    for name in encoded.user_features:
        out[f"user_{name}"] = np.zeros(count, np.int32)
    return out


def _fill(out: dict, n: int, encoded: EncodedEvents, user: int, rows: np.ndarray) -> None:
    for name in SEQUENCE_FEATURES:
        out[name][n, : len(rows)] = getattr(encoded, _SOURCE[name])[rows]
    for name, values in encoded.user_features.items():
        out[f"user_{name}"][n] = values[user]


def _fill_cross(out: dict, n: int, encoded: EncodedEvents, cross: np.ndarray,
                moments: np.ndarray, config: SequenceConfig) -> None:
    """Cross stream before the last moment; per-position counts of events before each moment."""
    before = np.searchsorted(encoded.positions[cross], moments, side="left")
    last = int(before[-1]) if len(before) else 0
    first = max(0, last - config.max_cross_length)
    kept = cross[first:last]
    out["cross_item_ids"][n, : len(kept)] = encoded.items[kept]
    out["cross_event_types"][n, : len(kept)] = encoded.event_types[kept]
    out["cross_domains"][n, : len(kept)] = encoded.domains[kept]
    out["cross_lengths"][n, : len(before)] = np.maximum(before - first, 0)

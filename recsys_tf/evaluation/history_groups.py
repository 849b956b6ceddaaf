"""Evaluation users grouped by how much history they bring: earlier target-domain events
(0–1, 2–3, 4–7, 8+, and ≤ 3 together) and whether the other domain has any earlier events.

Averages over all users hide the users a cross-domain tower exists for, those with little
history in the target domain; metrics per group show them apart. The counts read the
evaluation examples' own sequences, so they count the events the model saw (at most
``max_length`` target-domain events, which only touches the open ``8+`` group).

Example:

>>> import numpy as np
>>> examples = {"item_ids": np.array([[5, 0, 0], [5, 6, 7], [0, 0, 0]]),
...             "cross_item_ids": np.array([[0, 0], [3, 0], [4, 2]])}
>>> groups = history_groups(examples)
>>> {label: mask.tolist() for label, mask in groups.items() if mask.any()}
... # doctest: +NORMALIZE_WHITESPACE
{'target events 0–1': [True, False, True], 'target events 2–3': [False, True, False],
 'target events ≤ 3': [True, True, True], 'other domain: none': [True, False, False],
 'other domain: any': [False, True, True]}
"""

from __future__ import annotations

import numpy as np

# Inclusive (low, high) counts of earlier target-domain events; ``None``: no upper bound.
HISTORY_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 1), (2, 3), (4, 7), (8, None))
SHORT_HISTORY = 3  # "short history": at most this many earlier target-domain events
SHORT_GROUP = f"target events ≤ {SHORT_HISTORY}"  # the label of that group
GROUPED = "full · "  # protocol name prefix of a group's full-ranking ranks


def bucket_label(low: int, high: int | None) -> str:
    return f"target events {low}+" if high is None else f"target events {low}–{high}"


def history_groups(examples: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Boolean masks over ``examples`` (``item_ids`` ``[n, L]``, 0 = padding; optional
    ``cross_item_ids``), one per group, in a fixed order: the :data:`HISTORY_BUCKETS`, then
    ``≤ SHORT_HISTORY``, then (with a cross-domain stream) none / any other-domain events."""
    counts = (np.asarray(examples["item_ids"]) != 0).sum(axis=1)
    groups = {bucket_label(low, high): (counts >= low) & (high is None or counts <= high)
              for low, high in HISTORY_BUCKETS}
    groups[SHORT_GROUP] = counts <= SHORT_HISTORY
    if "cross_item_ids" in examples:
        cross = (np.asarray(examples["cross_item_ids"]) != 0).any(axis=1)
        groups["other domain: none"] = ~cross
        groups["other domain: any"] = cross
    return groups


def ranks_by_group(ranks: dict[str, np.ndarray],
                   groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``ranks`` (protocol → ``[n]`` ranks) plus ``GROUPED + label`` → the ``full`` ranks of
    each non-empty group.

    >>> ranks_by_group({"full": np.array([0, 4, 9])}, {"a": np.array([True, False, True]),
    ...                                                "b": np.zeros(3, bool)})
    {'full': array([0, 4, 9]), 'full · a': array([0, 9])}
    """
    return {**ranks, **{GROUPED + label: ranks["full"][mask]
                        for label, mask in groups.items() if mask.any()}}

"""First-order item-to-item transitions of the training examples (last input -> next item)."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class TransitionTable:
    """For every item, its most frequent next items in training and how often each followed.

    Attributes:
        successors: ``[num_items, max_successors]`` int32 next-item ids, most frequent first
            (ties: lower id first); 0 fills the unused places.
        counts: ``[num_items, max_successors]`` float32, how many times each successor followed.
        totals: ``[num_items]`` float32, all transitions out of the item, also those past
            ``max_successors``.
        dropped: transitions (occurrences) left out because their item had more than
            ``max_successors`` distinct next items.
    """

    successors: np.ndarray
    counts: np.ndarray
    totals: np.ndarray
    dropped: int

    @property
    def max_successors(self) -> int:
        return int(self.successors.shape[1])


def transition_table(train: dict[str, np.ndarray], num_items: int,
                     max_successors: int) -> TransitionTable:
    """Counts the (input item -> target) pairs at every valid position of training examples.

    ``train`` holds ``item_ids`` and ``targets`` ``[examples, length]`` (0 = padding), as
    :func:`~recsys_tf.data.examples.training_examples` makes them: every training target once.

    >>> table = transition_table({"item_ids": np.array([[2, 3, 2, 3], [2, 0, 0, 0]]),
    ...                           "targets": np.array([[3, 2, 3, 4], [4, 0, 0, 0]])},
    ...                          num_items=5, max_successors=1)
    >>> table.successors[2].tolist(), table.counts[2].tolist(), table.totals[2].item()
    ([3], [2.0], 3.0)
    >>> table.dropped  # 2 -> 4 and 3 -> 4: their items keep one next item
    2
    """
    if max_successors < 1:
        raise ValueError(f"`max_successors` must be >= 1. Received: {max_successors}")
    valid = train["targets"] > 0
    sources = train["item_ids"][valid].astype(np.int64)
    targets = train["targets"][valid].astype(np.int64)
    pairs, counts = np.unique(sources * num_items + targets, return_counts=True)
    source, target = pairs // num_items, pairs % num_items
    order = np.lexsort((target, -counts, source))  # by source, then most frequent first
    source, target, counts = source[order], target[order], counts[order]
    place = np.arange(len(source)) - np.searchsorted(source, source, side="left")
    keep = place < max_successors
    successors = np.zeros((num_items, max_successors), np.int32)
    kept_counts = np.zeros((num_items, max_successors), np.float32)
    successors[source[keep], place[keep]] = target[keep]
    kept_counts[source[keep], place[keep]] = counts[keep]
    totals = np.bincount(sources, minlength=num_items).astype(np.float32)
    return TransitionTable(successors, kept_counts, totals, int(counts[~keep].sum()))

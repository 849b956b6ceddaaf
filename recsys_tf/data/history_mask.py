"""Which items each evaluation target must not be ranked against: its user's prior history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_tf.data.vocabularies import EncodedEvents


class HistoryMask:
    """The items of each target's full prior history (all earlier events of the user, in the
    target's domain when ``domain_index`` is given), stored as a compact CSR structure.

    The target item itself is never masked (a repeat purchase stays rankable): masking is
    applied by :func:`~recsys_tf.evaluation.ranking_metrics.target_ranks`, which keeps it.

    Args:
        encoded: the encoded events.
        targets: ``user_id, position`` of the targets.
        domain_index: only mask items of events in this domain (the ranked domain).

    Example::

        mask = HistoryMask(encoded, split.test)
        excluded = mask.dense(slice(0, 256), num_items)     # [256, num_items] booleans
    """

    def __init__(self, encoded: EncodedEvents, targets: pd.DataFrame,
                 domain_index: int | None = None):
        user_index = pd.Series(np.arange(len(encoded.user_ids)), index=encoded.user_ids)
        users = user_index.reindex(targets["user_id"].to_numpy()).to_numpy(np.int64)
        starts = encoded.user_start[users]
        ends = starts + targets["position"].to_numpy(np.int64)
        pieces, offsets = [], [0]
        for start, end in zip(starts, ends, strict=True):
            items = encoded.items[start:end]
            if domain_index is not None:
                items = items[encoded.domains[start:end] == domain_index]
            pieces.append(np.unique(items))
            offsets.append(offsets[-1] + len(pieces[-1]))
        self.items = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
        self.offsets = np.asarray(offsets, np.int64)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def dense(self, rows: slice, num_items: int) -> np.ndarray:
        """``[rows, num_items]`` booleans, true for the history items of each target."""
        start, stop, _ = rows.indices(len(self))
        out = np.zeros((stop - start, num_items), bool)
        lo, hi = self.offsets[start], self.offsets[stop]
        counts = np.diff(self.offsets[start:stop + 1])
        out[np.repeat(np.arange(stop - start), counts), self.items[lo:hi]] = True
        return out

"""Tiny inputs shared by the layer tests (vocab 20, dim 8, length 5)."""

from __future__ import annotations

import numpy as np

NUM_ITEMS = 20
NUM_EVENT_TYPES = 4
TEXT_DIM = 8


def sequence_batch(batch: int = 3, length: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    """Right-padded sequences with different valid lengths."""
    rng = np.random.default_rng(seed)
    lengths = np.array([length, 3, 1][:batch] + [2] * max(0, batch - 3))
    valid = np.arange(length)[None, :] < lengths[:, None]
    ids = np.where(valid, rng.integers(2, NUM_ITEMS, (batch, length)), 0).astype("int32")
    return {"item_ids": ids,
            "event_types": np.where(valid, rng.integers(2, NUM_EVENT_TYPES, ids.shape), 0
                                    ).astype("int32"),
            "hours": np.where(valid, rng.integers(1, 25, ids.shape), 0).astype("int32"),
            "weekdays": np.where(valid, rng.integers(1, 8, ids.shape), 0).astype("int32"),
            "log_gaps": np.where(valid, rng.random(ids.shape), 0).astype("float32")}


def text_table(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(NUM_ITEMS, TEXT_DIM)).astype("float32")
    table[:2] = 0
    return table

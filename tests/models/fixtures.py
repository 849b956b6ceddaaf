"""A tiny two-domain catalogue and batch for the model tests."""

from __future__ import annotations

import numpy as np

from recsys_tf.models import ModelConfig

NUM_ITEMS = 20


def tiny_config(**overrides) -> ModelConfig:
    values = dict(num_items=NUM_ITEMS, num_event_types=4, num_categories=5, text_dim=8,
                  embedding_dim=8, hidden_dim=8, query_dim=8, use_cross_domain=True,
                  dropout=0.1)
    return ModelConfig(**{**values, **overrides})


def catalogue(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    text = rng.normal(size=(NUM_ITEMS, 8)).astype("float32")
    text[:2] = 0
    categories = rng.integers(2, 5, NUM_ITEMS).astype("int32")
    categories[:2] = 0
    known = np.arange(NUM_ITEMS) >= 2
    known[-1] = False                        # item 19 has no training events
    return {"text_embeddings": text, "categories": categories, "known": known,
            "candidate_mask": np.arange(NUM_ITEMS) >= 2,
            "sampling_probabilities": rng.random(NUM_ITEMS) + 0.1}


def batch(size: int = 6, length: int = 5, cross_length: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, length + 1, size)
    valid = np.arange(length)[None] < lengths[:, None]
    ids = np.where(valid, rng.integers(2, NUM_ITEMS - 1, (size, length)), 0).astype("int32")
    x = {"item_ids": ids,
         "event_types": np.where(valid, rng.integers(2, 4, ids.shape), 0).astype("int32"),
         "hours": np.where(valid, rng.integers(1, 25, ids.shape), 0).astype("int32"),
         "weekdays": np.where(valid, rng.integers(1, 8, ids.shape), 0).astype("int32"),
         "log_gaps": np.where(valid, rng.random(ids.shape), 0).astype("float32"),
         "cross_item_ids": rng.integers(2, NUM_ITEMS, (size, cross_length)).astype("int32"),
         "cross_event_types": np.full((size, cross_length), 2, "int32"),
         "cross_lengths": np.where(valid, np.minimum(np.arange(length)[None], cross_length),
                                   0).astype("int32"),
         "domains": ids}                     # extra keys are ignored by the model
    y = np.where(valid, rng.integers(2, NUM_ITEMS - 1, ids.shape), 0).astype("int32")
    return x, y

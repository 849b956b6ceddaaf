"""tf.data pipelines over sequence examples: seeded shuffling, batching, prefetching.

Example:

>>> import numpy as np
>>> examples = {"item_ids": np.ones((10, 5), np.int32), "targets": np.ones((10, 5), np.int32)}
>>> dataset = make_dataset(examples, batch_size=4, shuffle=True, seed=0)
>>> [int(x["item_ids"].shape[0]) for x, y in dataset]
[4, 4, 2]
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def make_dataset(examples: dict[str, np.ndarray], *, batch_size: int, shuffle: bool,
                 seed: int = 0, label_key: str | None = "targets",
                 drop_remainder: bool = False) -> tf.data.Dataset:
    """A dataset of ``(features, labels)`` batches (or feature dicts when ``label_key`` is None).

    Args:
        examples: arrays with a common first dimension (from
            :func:`~recsys_tf.data.examples.training_examples` or ``evaluation_examples``).
        batch_size: examples per batch (the global batch under a distribution strategy).
        shuffle: reshuffle every epoch with a seeded order (same seed, same order).
        seed: shuffle seed.
        label_key: the key split off as labels; ``None`` yields the dict alone.
        drop_remainder: drop the last incomplete batch (static batch shapes).
    """
    if batch_size < 1:
        raise ValueError(f"`batch_size` must be >= 1. Received: batch_size={batch_size}")
    sizes = {len(v) for v in examples.values()}
    if len(sizes) > 1:
        raise ValueError(f"All example arrays need the same first dimension. Received: "
                         f"{ {k: v.shape for k, v in examples.items()} }")
    features = {k: v for k, v in examples.items() if k != label_key}
    if label_key is not None and label_key not in examples:
        raise ValueError(f"`label_key` {label_key!r} not in examples {sorted(examples)}")
    dataset = tf.data.Dataset.from_tensor_slices(
        (features, examples[label_key]) if label_key is not None else features)
    if shuffle:
        count = next(iter(sizes), 0)
        dataset = dataset.shuffle(max(count, 1), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)

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


def epoch_dataset(examples: dict[str, np.ndarray], *, batch_size: int, seed: int,
                  first_epoch: int, last_epoch: int, feature_keys: list[str],
                  label_key: str = "targets") -> tuple[tf.data.Dataset, int]:
    """Batches for epochs ``first_epoch .. last_epoch - 1`` in one stream, for ``fit``.

    Epoch ``e`` is shuffled by a stateless permutation seeded with ``(seed, e)``, so a run
    resumed at epoch ``e`` sees exactly the batches an uninterrupted run would.

    Returns:
        The dataset of ``(features, labels)`` and the number of batches per epoch.

    Example:

    >>> examples = {"item_ids": np.arange(10).reshape(5, 2), "targets": np.ones((5, 2))}
    >>> full, steps = epoch_dataset(examples, batch_size=2, seed=0, first_epoch=0, last_epoch=2,
    ...                             feature_keys=["item_ids"])
    >>> resumed, _ = epoch_dataset(examples, batch_size=2, seed=0, first_epoch=1, last_epoch=2,
    ...                            feature_keys=["item_ids"])
    >>> epoch_1 = [x["item_ids"].numpy().tolist() for x, _ in full][steps:]
    >>> epoch_1 == [x["item_ids"].numpy().tolist() for x, _ in resumed], steps
    (True, 3)
    """
    if batch_size < 1:
        raise ValueError(f"`batch_size` must be >= 1. Received: batch_size={batch_size}")
    count = len(examples[label_key])
    if count == 0:
        raise ValueError("No training examples: every user has fewer than two training events.")
    features = {k: tf.constant(examples[k]) for k in feature_keys}
    labels = tf.constant(examples[label_key])

    def one_epoch(epoch):
        order = tf.argsort(tf.random.stateless_uniform(
            [count], seed=tf.stack([tf.constant(seed, tf.int64), epoch])))
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    def gather(index):
        return {k: tf.gather(v, index) for k, v in features.items()}, tf.gather(labels, index)

    dataset = (tf.data.Dataset.range(first_epoch, last_epoch).flat_map(one_epoch)
               .map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
               .prefetch(tf.data.AUTOTUNE))
    return dataset, -(-count // batch_size)

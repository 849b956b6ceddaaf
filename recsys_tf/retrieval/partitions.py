"""Item vectors grouped into k-means partitions, for an index that scans only a few of them.

A query scores the partitions' centroids, then only the items of its ``probes`` best
partitions (an inverted-file index, IVF): about ``probes / num_partitions`` of the catalogue.
The top-k is then approximate; ``bench scale`` measures its recall@10 against the exact scan.
NumPy only (no Keras), so it is built and tested in either Keras process.

Example::

    >>> rng = np.random.default_rng(0)
    >>> vectors = rng.normal(size=(1_000, 8)).astype(np.float32)
    >>> parts = partition_vectors(vectors, num_partitions=16, seed=0)
    >>> parts.centroids.shape, int(parts.offsets[-1]), sorted(parts.order) == list(range(1_000))
    ((16, 8), 1000, True)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

TRAINING_SAMPLE = 100_000
ITERATIONS = 10
_CHUNK = 65_536


@dataclasses.dataclass(frozen=True)
class Partitions:
    """Attributes:
    centroids: ``[num_partitions, dim]`` float32.
    order: ``[n]`` int64 rows of the input vectors, grouped by partition (partition 0 first).
    offsets: ``[num_partitions + 1]`` int64: partition ``p`` is ``order[offsets[p]:offsets[p+1]]``.
    """

    centroids: np.ndarray
    order: np.ndarray
    offsets: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)


def default_partitions(num_vectors: int) -> int:
    """``round(sqrt(n))`` partitions (1,000 for a million items), at least 1."""
    return max(1, round(math.sqrt(num_vectors)))


def default_probes(num_partitions: int) -> int:
    """Partitions a query scans by default: 1/8 of them (at least 1). On the trained Beauty
    model's vectors that keeps recall@10 0.93 of the exact top 10 (1/16: 0.85; docs/serving.md,
    ``benchmarks/analysis/index_recall.py``)."""
    return max(1, math.ceil(num_partitions / 8))


def partition_vectors(vectors: np.ndarray, *, num_partitions: int | None = None,
                      iterations: int = ITERATIONS, sample: int = TRAINING_SAMPLE,
                      seed: int = 0) -> Partitions:
    """k-means (Lloyd, squared L2) on a sample of at most ``sample`` rows, then every row
    assigned to its nearest centroid. An emptied cluster takes the sample row farthest from its
    centroid, so every partition starts non-empty on the sample."""
    vectors = np.asarray(vectors, np.float32)
    if vectors.ndim != 2 or not len(vectors):
        raise ValueError(f"vectors must be a non-empty [n, dim] array. Received shape "
                         f"{vectors.shape}")
    count = num_partitions or default_partitions(len(vectors))
    if not 1 <= count <= len(vectors):
        raise ValueError(f"num_partitions must be in [1, {len(vectors)}]. Received: {count}")
    rng = np.random.default_rng(seed)
    train = vectors[rng.permutation(len(vectors))[:max(sample, count)]]
    centroids = train[rng.choice(len(train), count, replace=False)].copy()
    for _ in range(iterations):
        nearest, distance = _nearest(train, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, train)
        sizes = np.bincount(nearest, minlength=count)
        empty = np.flatnonzero(sizes == 0)
        centroids = np.where(sizes[:, None] > 0, sums / np.maximum(sizes, 1)[:, None],
                             centroids)
        if len(empty):
            centroids[empty] = train[np.argsort(-distance)[:len(empty)]]
    nearest, _ = _nearest(vectors, centroids)
    order = np.argsort(nearest, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(nearest, minlength=count))])
    return Partitions(centroids.astype(np.float32), order.astype(np.int64),
                      offsets.astype(np.int64))


def _nearest(vectors: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's nearest centroid and its squared distance, in chunks of rows."""
    norms = (centroids * centroids).sum(1)
    nearest = np.empty(len(vectors), np.int64)
    distance = np.empty(len(vectors), np.float32)
    for start in range(0, len(vectors), _CHUNK):
        rows = vectors[start:start + _CHUNK]
        scores = norms[None, :] - 2.0 * rows @ centroids.T  # |c|^2 - 2 x·c
        nearest[start:start + _CHUNK] = scores.argmin(1)
        distance[start:start + _CHUNK] = (scores.min(1) + (rows * rows).sum(1)).clip(0)
    return nearest, distance

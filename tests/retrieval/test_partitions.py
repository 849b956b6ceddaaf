"""k-means partitions of item vectors (the partitioned index's layout)."""

import numpy as np
import pytest

from recsys_tf.retrieval.partitions import default_partitions, default_probes, partition_vectors


def test_well_separated_clusters_become_the_partitions():
    rng = np.random.default_rng(1)
    centres = np.array([[10.0, 0.0], [-10.0, 0.0], [0.0, 10.0]])
    labels = rng.integers(0, 3, 600)
    vectors = centres[labels] + rng.normal(scale=0.5, size=(600, 2))
    parts = partition_vectors(vectors, num_partitions=3, seed=0)
    groups = [set(labels[parts.order[a:b]]) for a, b in zip(parts.offsets[:-1],
                                                            parts.offsets[1:], strict=True)]
    assert sorted(len(g) for g in groups) == [1, 1, 1]  # each partition is one cluster
    assert sorted(next(iter(g)) for g in groups) == [0, 1, 2]
    for group, centroid in zip(groups, parts.centroids, strict=True):
        np.testing.assert_allclose(centroid, centres[next(iter(group))], atol=0.1)


def test_every_vector_is_in_the_partition_of_its_nearest_centroid():
    vectors = np.random.default_rng(2).normal(size=(2_000, 6)).astype(np.float32)
    parts = partition_vectors(vectors, num_partitions=20, sample=500, seed=3)
    assert parts.sizes.sum() == 2_000 and sorted(parts.order.tolist()) == list(range(2_000))
    owner = np.repeat(np.arange(20), parts.sizes)
    distances = ((vectors[parts.order, None, :] - parts.centroids[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(owner, distances.argmin(1))


def test_defaults_and_bad_arguments():
    assert default_partitions(1_000_000) == 1_000 and default_partitions(1) == 1
    assert default_probes(1_000) == 125 and default_probes(3) == 1
    with pytest.raises(ValueError, match="num_partitions must be in"):
        partition_vectors(np.zeros((5, 2)), num_partitions=6)
    with pytest.raises(ValueError, match="non-empty"):
        partition_vectors(np.zeros((0, 2)))

"""The TFRS side of ``bench scale``, in its own process (TFRS needs Keras 2):

    TF_USE_LEGACY_KERAS=1 python -m benchmarks.suites.scale_index CANDIDATES.npz QUERIES.npy CALLS

Builds a ``tfrs.layers.factorized_top_k.BruteForce`` index and a
:class:`~recsys_tf.retrieval.tfrs_index.PartitionedTopK` (default partitions and probes), both
k = 10, over the candidates' vectors (an index export's ``candidates.npz``); times each build and
``CALLS`` batch-1 queries, cycling through the user embeddings in ``QUERIES.npy`` ``[n, dim]``;
and measures the partitioned index's recall@10: the share of BruteForce's top 10 it returns,
over all ``n`` queries. Prints one JSON line (BruteForce's figures at the top level, the
partitioned index's under ``"partitioned"``).
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ["TF_USE_LEGACY_KERAS"] = "1"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

K = 10


def measure(layer, vectors, ids, queries: np.ndarray, calls: int) -> tuple[dict, np.ndarray]:
    """Build seconds and batch-1 latencies of ``layer`` over ``vectors``; its top-k ids for every
    query."""
    started = time.perf_counter()
    layer.index(vectors, ids)
    layer(tf.constant(queries[:1]))  # the first call builds the scoring graph
    build = time.perf_counter() - started
    search = tf.function(lambda q: layer(q))
    rows = [tf.constant(queries[i:i + 1]) for i in range(len(queries))]
    for i in range(20):
        search(rows[i % len(rows)])
    times = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter()
        search(rows[i % len(rows)])
        times[i] = (time.perf_counter() - start) * 1000
    top = np.concatenate([search(tf.constant(queries[i:i + 256]))[1].numpy()
                          for i in range(0, len(queries), 256)])
    return ({"build_seconds": round(build, 3), "items": int(vectors.shape[0]),
             "query_ms": {"p50": round(float(np.percentile(times, 50)), 3),
                          "p99": round(float(np.percentile(times, 99)), 3),
                          "mean": round(float(times.mean()), 3)}}, top)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of each row of ``exact`` that the same row of ``found`` holds."""
    return float(np.mean([len(set(a) & set(b)) / len(b)
                          for a, b in zip(found.tolist(), exact.tolist(), strict=True)]))


def main(argv: list[str]) -> None:
    from recsys_tf.retrieval.tfrs_index import PartitionedTopK, read_candidates, tfrs

    candidates, query_file, calls = argv[0], argv[1], int(argv[2])
    ids, vectors = read_candidates(candidates)
    queries = np.atleast_2d(np.load(query_file)).astype(np.float32)
    exact, exact_top = measure(tfrs.layers.factorized_top_k.BruteForce(k=K), vectors, ids,
                               queries, calls)
    layer = PartitionedTopK(k=K)
    partitioned, top = measure(layer, vectors, ids, queries, calls)
    partitioned.update(partitions=layer.num_partitions, probes=layer.probes,
                       queries=len(queries), **{"recall@10": round(recall(top, exact_top), 4)})
    print(json.dumps({**exact, "partitioned": partitioned}))


if __name__ == "__main__":
    main(sys.argv[1:])

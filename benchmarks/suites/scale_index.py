"""The TFRS side of ``bench scale``, in its own process (TFRS needs Keras 2):

    TF_USE_LEGACY_KERAS=1 python -m benchmarks.suites.scale_index CANDIDATES.npz QUERY.npy CALLS

Builds a ``tfrs.layers.factorized_top_k.BruteForce`` index (k = 10) over the candidates' vectors
(an index export's ``candidates.npz``) and times its build and ``CALLS`` batch-1 queries with the
user embedding in ``QUERY.npy``; prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ["TF_USE_LEGACY_KERAS"] = "1"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main(argv: list[str]) -> None:
    from recsys_tf.retrieval.tfrs_index import read_candidates, tfrs

    candidates, query_file, calls = argv[0], argv[1], int(argv[2])
    ids, vectors = read_candidates(candidates)
    query = tf.constant(np.load(query_file), tf.float32)
    started = time.perf_counter()
    layer = tfrs.layers.factorized_top_k.BruteForce(k=10)
    layer.index(vectors, ids)
    layer(query)  # the first call builds the scoring graph
    build = time.perf_counter() - started
    search = tf.function(lambda q: layer(q))
    for _ in range(20):
        search(query)
    times = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter()
        search(query)
        times[i] = (time.perf_counter() - start) * 1000
    print(json.dumps({"build_seconds": round(build, 3), "items": int(vectors.shape[0]),
                      "query_ms": {"p50": round(float(np.percentile(times, 50)), 3),
                                   "p99": round(float(np.percentile(times, 99)), 3),
                                   "mean": round(float(times.mean()), 3)}}))


if __name__ == "__main__":
    main(sys.argv[1:])

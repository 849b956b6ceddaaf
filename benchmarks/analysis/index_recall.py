"""How much of the exact top 10 does the partitioned index keep on a trained model's vectors?

Run:  python -m benchmarks.analysis.index_recall --model RUN [--users 5000] [--json]

Takes a finished run (e.g. ``bench beauty``'s ``~/.cache/recsys_tf/bench/runs/beauty-seed0``),
the user vectors of its test users (the query tower at each history's last position, as the
index export's ``user_embedding`` gives them) and the candidate items' vectors (what an index
export's ``candidates.npz`` holds), and for several probe counts prints the recall@10 of the
partitioned index (:class:`~recsys_tf.retrieval.tfrs_index.PartitionedTopK`'s search: the
same :func:`~recsys_tf.retrieval.partitions.partition_vectors`, the ``probes`` partitions
whose centroids score highest) against the exact dot-product top 10, and the share of the
catalogue each scans. Both sides rank by the vectors alone (no history exclusions, no
transition prior). ``bench scale`` measures the same recall on random-weight vectors, which
have no cluster structure: the worst case.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from recsys_tf.retrieval.partitions import Partitions, default_partitions, partition_vectors

K = 10
PROBE_SHARES = (1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4)


def partitioned_top_k(queries: np.ndarray, vectors: np.ndarray, parts: Partitions,
                      probes: int, k: int = K) -> np.ndarray:
    """``[n, k]`` rows of ``vectors`` with the best dot products among the ``probes``
    partitions whose centroids score highest for each query (the layer's search, in NumPy).

    >>> v = np.array([[1.0, 0.0], [0.9, 0.0], [-1.0, 0.0]], np.float32)
    >>> parts = Partitions(np.array([[1.0, 0.0], [-1.0, 0.0]], np.float32),
    ...                    np.array([0, 1, 2]), np.array([0, 2, 3]))
    >>> partitioned_top_k(np.array([[-1.0, 0.0]]), v, parts, probes=1, k=1).tolist()
    [[2]]
    """
    probed = np.argsort(-(queries @ parts.centroids.T), axis=1)[:, :probes]
    out = np.empty((len(queries), k), np.int64)
    for row, (query, chosen) in enumerate(zip(queries, probed, strict=True)):
        rows = np.concatenate([parts.order[parts.offsets[p]:parts.offsets[p + 1]]
                               for p in chosen])
        scores = vectors[rows] @ query
        best = rows[np.argsort(-scores, kind="stable")[:k]]
        out[row, :len(best)] = best
        out[row, len(best):] = -1
    return out


def exact_top_k(queries: np.ndarray, vectors: np.ndarray, k: int = K) -> np.ndarray:
    out = []
    for start in range(0, len(queries), 1024):
        scores = queries[start:start + 1024] @ vectors.T
        part = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, part, 1), axis=1)
        out.append(np.take_along_axis(part, order, 1))
    return np.concatenate(out)


def recall_table(queries: np.ndarray, vectors: np.ndarray, *, num_partitions: int | None = None,
                 shares=PROBE_SHARES, seed: int = 0) -> list[dict]:
    """Recall@10 and the scanned share of the catalogue for each probe share."""
    parts = partition_vectors(vectors, num_partitions=num_partitions, seed=seed)
    exact = exact_top_k(queries, vectors)
    rows = []
    for share in shares:
        probes = max(1, int(np.ceil(len(parts.centroids) * share)))
        found = partitioned_top_k(queries, vectors, parts, probes)
        recall = np.mean([len(set(a) & set(b)) / K for a, b in zip(found, exact, strict=True)])
        scanned = np.mean([parts.sizes[np.argsort(-(q @ parts.centroids.T))[:probes]].sum()
                           for q in queries[:200]]) / len(vectors)
        rows.append({"partitions": len(parts.centroids), "probes": probes,
                     "recall@10": round(float(recall), 4), "scanned_share": round(scanned, 4)})
    return rows


def run_vectors(model, prepared, users: int) -> tuple[np.ndarray, np.ndarray]:
    """``(user vectors of the first `users` test examples, candidate items' vectors)``."""
    test = {k: v[:users] for k, v in prepared.test.items()}
    last = np.maximum(test["history_length"] - 1, 0)
    queries, interests = [], []
    for start in range(0, len(last), 512):
        batch = {k: test[k][start:start + 512] for k in model.input_names}
        outputs = model.query_model(batch, training=False)
        rows = np.arange(len(batch["item_ids"]))
        at = last[start:start + 512]
        queries.append(np.asarray(outputs["query_embedding"])[rows, at])
        if outputs.get("interest") is not None:
            interests.append(np.asarray(outputs["interest"])[rows, at])
    user = model.retrieval_score.user_vectors(np.concatenate(queries),
                                              np.concatenate(interests) if interests else None)
    items = np.asarray(model.catalogue_vectors(), np.float32)[prepared.candidate_mask]
    return np.asarray(user, np.float32), items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analysis.index_recall")
    parser.add_argument("--model", required=True, help="a finished run directory")
    parser.add_argument("--users", type=int, default=5000, help="test users queried")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.experiment.run_directory import FinishedRun

    run = FinishedRun.load(args.model)
    prepared = prepare_data(run.experiment.data, vocabularies=run.vocabularies)
    queries, items = run_vectors(run.model, prepared, args.users)
    rows = recall_table(queries, items)
    if args.json:
        print(json.dumps({"items": len(items), "users": len(queries), "rows": rows}))
        return 0
    print(f"{len(items):,} candidate items, {len(queries):,} test users, "
          f"{default_partitions(len(items))} partitions")
    print("| probes | scanned share | recall@10 |\n|---:|---:|---:|")
    for row in rows:
        print(f"| {row['probes']} | {row['scanned_share']:.3f} | {row['recall@10']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

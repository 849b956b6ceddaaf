"""The one TFRS adapter: a retrieval index over an export's item embeddings.

TensorFlow Recommenders runs on Keras 2 only (``TF_USE_LEGACY_KERAS=1`` must be set before
TensorFlow is imported), so this module runs in its own process
(``recsys-tf retrieval-index`` starts it; nothing else in recsys_tf depends on the variable):

    python -m recsys_tf.retrieval.tfrs_index --export exports/recsys/1 --output index/1

It indexes the ``item_embedding`` of every candidate item of the export (items of the target
domain; for an export written with ``--mode index``, the vectors of its
``assets.extra/candidates.npz``) in a ``tfrs.layers.factorized_top_k.BruteForce`` layer
(exact), a :class:`PartitionedTopK` with ``--backend partitioned`` (k-means partitions, a few
scanned per query: approximate, for large catalogues) or ``ScaNN`` with ``--backend scann`` when
the ``scann`` package is installed and loads, uses the export's
``user_embedding`` signature as the query model, and saves a SavedModel whose ``query``
signature (also ``serving_default``) takes the export's history inputs and returns ``scores``
and ``item_ids`` ``[batch, k]``, the history's items excluded (the most recent
``--max-exclusions``, default 200) — the same top-k as the export's ``recommend`` (the user and
item embeddings are built so that their dot product is its score). A model trained with
``use_transitions`` is the exception: ``recommend`` adds the transition prior of the user's last
item, which a factorised index cannot hold, so the index ranks by the embeddings alone (use it to
generate candidates, or call ``recommend``); the command says so when it builds one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1":
    raise ImportError("recsys_tf.retrieval.tfrs_index needs TF_USE_LEGACY_KERAS=1 before "
                      "TensorFlow is imported; run it as its own process "
                      "(`recsys-tf retrieval-index` does).")
os.environ["TF_USE_LEGACY_KERAS"] = "1"

import tensorflow as tf  # noqa: E402


def _import_tfrs():
    """``(tensorflow_recommenders, the error of scann's ops or None)``.

    TFRS imports ``scann`` when it is installed and catches only ImportError; ``scann`` 1.4.2
    on TensorFlow 2.21 fails with NotFoundError (its ops library does not load), which would
    break every backend. Then ``scann`` is hidden from TFRS, BruteForce works, and ``--backend
    scann`` says why it cannot run."""
    try:
        import tensorflow_recommenders

        return tensorflow_recommenders, None
    except tf.errors.NotFoundError as error:
        for name in [n for n in sys.modules if n.split(".")[0] in ("scann",
                                                                    "tensorflow_recommenders")]:
            del sys.modules[name]
        sys.modules["scann"] = None  # `import scann` now raises ImportError
        import tensorflow_recommenders

        return tensorflow_recommenders, error


tfrs, SCANN_LOAD_ERROR = _import_tfrs()

BACKENDS = ("bruteforce", "partitioned", "scann")


class PartitionedTopK(tfrs.layers.factorized_top_k.TopK):
    """An approximate TFRS top-k layer in core TensorFlow ops: the candidates grouped into k-means
    partitions (:func:`~recsys_tf.retrieval.partitions.partition_vectors`); a query scores the
    centroids and then only the candidates of its ``probes`` best partitions.

    Where the probed partitions hold fewer than ``k`` candidates, the missing places have score
    ``-inf``. ``bench scale`` reports its recall@10 against :class:`BruteForce`.
    """

    def __init__(self, query_model=None, k: int = 10, *, num_partitions: int | None = None,
                 probes: int | None = None, seed: int = 0, name: str | None = None):
        super().__init__(k=k, name=name)
        self.query_model = query_model
        self.num_partitions, self.probes, self.seed = num_partitions, probes, seed
        self._vectors = None

    def index(self, candidates, identifiers=None) -> PartitionedTopK:
        from recsys_tf.retrieval.partitions import default_probes, partition_vectors

        if identifiers is None:
            identifiers = tf.range(candidates.shape[0])
        parts = partition_vectors(candidates.numpy(), num_partitions=self.num_partitions,
                                  seed=self.seed)
        self.num_partitions = len(parts.centroids)
        self.probes = min(self.probes or default_probes(self.num_partitions),
                          self.num_partitions)
        order = tf.constant(parts.order)
        tables = {"centroids": tf.constant(parts.centroids),
                  "vectors": tf.gather(tf.cast(candidates, tf.float32), order),
                  "identifiers": tf.gather(identifiers, order),
                  "offsets": tf.constant(parts.offsets)}
        for key, value in tables.items():
            variable = self.add_weight(name=key, dtype=value.dtype, shape=value.shape,
                                       initializer=tf.keras.initializers.Constant(
                                           tf.zeros((), value.dtype)),
                                       trainable=False)
            variable.assign(value)
            setattr(self, f"_{key}", variable)
        self._reset_tf_function_cache()
        return self

    def call(self, queries, k: int | None = None):
        k = k if k is not None else self._k
        if self._vectors is None:
            raise ValueError("The `index` method must be called first.")
        if self.query_model is not None:
            queries = self.query_model(queries)
        _, probed = tf.math.top_k(self._compute_score(queries, self._centroids), self.probes)
        starts = tf.reshape(tf.gather(self._offsets[:-1], probed), [-1])
        limits = tf.reshape(tf.gather(self._offsets[1:], probed), [-1])
        ranges = tf.ragged.range(starts, limits)              # [batch * probes, (items)]
        rows = tf.RaggedTensor.from_uniform_row_length(ranges, self.probes)
        rows = rows.merge_dims(1, 2)                          # [batch, (probed items)]
        vectors = tf.gather(self._vectors, rows.flat_values)
        scores = tf.reduce_sum(tf.gather(queries, rows.value_rowids()) * vectors, axis=1)
        scores = rows.with_flat_values(scores).to_tensor(float("-inf"))
        positions = rows.to_tensor(0)
        width = tf.maximum(k - tf.shape(scores)[1], 0)
        scores = tf.pad(scores, [[0, 0], [0, width]], constant_values=float("-inf"))
        positions = tf.pad(positions, [[0, 0], [0, width]])
        values, places = tf.math.top_k(scores, k=k)
        return values, tf.gather(self._identifiers, tf.gather(positions, places, batch_dims=1))

    def is_exact(self) -> bool:
        return False


class ExportedUserTower(tf.Module):
    """The export's ``user_embedding`` signature as a TFRS query model."""

    def __init__(self, export):
        super().__init__(name="user_tower")
        self.export = export

    def __call__(self, features):
        return self.export.signatures["user_embedding"](**features)["user_embedding"]


class RetrievalIndex(tf.Module):
    """A TFRS top-k layer with a ``query`` signature that excludes each user's history (its
    most recent ``max_exclusions`` items: TFRS needs a fixed exclusion width)."""

    def __init__(self, layer, k: int, max_exclusions: int):
        super().__init__(name="retrieval_index")
        self.layer = layer
        self.k = k
        self.max_exclusions = max_exclusions

    def query(self, features):
        history = features["item_ids"]
        width = self.max_exclusions
        history = tf.pad(history, [[0, 0], [width, 0]])  # "" padding in front
        order = tf.argsort(tf.cast(tf.not_equal(history, ""), tf.int32), axis=1, stable=True)
        exclusions = tf.gather(history, order, batch_dims=1)[:, -width:]
        exclusions = tf.ensure_shape(exclusions, [None, width])
        scores, item_ids = self.layer.query_with_exclusions(features, exclusions, k=self.k)
        return {"scores": scores, "item_ids": item_ids}


def read_candidates(path: str | Path) -> tuple[tf.Tensor, tf.Tensor]:
    """``(item ids, item embeddings)`` from a candidates file
    (:func:`~recsys_tf.export.exporter.write_candidates`)."""
    import numpy as np

    with np.load(path) as stored:
        return (tf.constant(stored["item_ids"].astype(object)),
                tf.constant(stored["vectors"], tf.float32))


def candidates(export, export_dir: str | Path) -> tuple[tf.Tensor, tf.Tensor]:
    """``(item ids, item embeddings)`` of an export's candidate items."""
    from recsys_tf.export.export_manifest import read_manifest

    manifest = read_manifest(export_dir)
    if manifest.get("mode", "full") == "index":
        return read_candidates(Path(export_dir) / manifest["candidates"]["file"])
    item_ids = tf.boolean_mask(export.items.tokens, export.candidate_mask)
    return item_ids, export.signatures["item_embedding"](item_ids=item_ids)["item_embedding"]


def scann_layer(tower, k: int):
    """TFRS's ScaNN layer, or a ValueError saying why ScaNN cannot run here."""
    if SCANN_LOAD_ERROR is not None:  # scann 1.4.2 on TensorFlow 2.21
        detail = (str(SCANN_LOAD_ERROR).strip().splitlines() or ["NotFoundError"])[0][:200]
        raise ValueError(
            f"--backend scann: the `scann` package is installed but its TensorFlow ops do not "
            f"load on TensorFlow {tf.__version__} ({detail}); install a scann release built "
            "for this TensorFlow, or use --backend bruteforce (exact, the same top-k)")
    try:
        import scann  # noqa: F401
    except ImportError:
        raise ValueError("--backend scann needs the `scann` package (pip install scann); "
                         "use --backend bruteforce") from None
    return tfrs.layers.factorized_top_k.ScaNN(tower, k=k)


def build_index(export_dir: str | Path, *, k: int = 10, backend: str = "bruteforce",
                max_exclusions: int = 200, partitions: int | None = None,
                probes: int | None = None):
    """``(RetrievalIndex, input specs)`` over the candidates of an export version
    (``partitions``/``probes``: the ``partitioned`` backend's, default
    :func:`~recsys_tf.retrieval.partitions.default_partitions` / ``default_probes``)."""
    if backend not in BACKENDS:
        raise ValueError(f"--backend must be one of {BACKENDS}. Received: {backend!r}")
    export = tf.saved_model.load(str(export_dir))
    item_ids, vectors = candidates(export, export_dir)
    tower = ExportedUserTower(export)
    if backend == "scann":
        layer = scann_layer(tower, k)
    elif backend == "partitioned":
        layer = PartitionedTopK(tower, k=k, num_partitions=partitions, probes=probes)
    else:
        layer = tfrs.layers.factorized_top_k.BruteForce(tower, k=k)
    layer.index(vectors, item_ids)
    specs = export.signatures["user_embedding"].structured_input_signature[1]
    return RetrievalIndex(layer, min(k, int(item_ids.shape[0])), max_exclusions), specs


def save_index(export_dir: str | Path, output: str | Path, *, k: int = 10,
               backend: str = "bruteforce", max_exclusions: int = 200,
               partitions: int | None = None, probes: int | None = None) -> Path:
    """Builds the index and writes it to ``output`` (atomically: temporary sibling + rename)."""
    output = Path(output)
    if output.exists():
        raise ValueError(f"{output} already exists")
    module, specs = build_index(export_dir, k=k, backend=backend,
                                max_exclusions=max_exclusions, partitions=partitions,
                                probes=probes)
    query = tf.function(module.query, input_signature=[
        {name: tf.TensorSpec(spec.shape, spec.dtype, name=name) for name, spec in specs.items()}
    ]).get_concrete_function()
    temporary = output.parent / f".tmp-{output.name}-{os.getpid()}"
    output.parent.mkdir(parents=True, exist_ok=True)
    options = (tf.saved_model.SaveOptions(namespace_whitelist=["Scann"])
               if backend == "scann" else None)
    try:
        tf.saved_model.save(module, str(temporary),
                            signatures={"query": query, "serving_default": query},
                            options=options)
        os.rename(temporary, output)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="recsys-tf retrieval-index")
    parser.add_argument("--export", required=True, help="an export version directory")
    parser.add_argument("--output", required=True, help="directory for the index SavedModel")
    parser.add_argument("--backend", default="bruteforce", choices=BACKENDS)
    parser.add_argument("--k", type=int, default=10, help="items returned per query")
    parser.add_argument("--max-exclusions", type=int, default=200,
                        help="most recent history items excluded from the results")
    parser.add_argument("--partitions", type=int, default=None,
                        help="partitioned backend: k-means partitions (default sqrt(items))")
    parser.add_argument("--probes", type=int, default=None,
                        help="partitioned backend: partitions scanned per query (default 1/8)")
    args = parser.parse_args(argv)
    from recsys_tf.export.export_manifest import ExportError, check_export

    try:
        manifest = check_export(args.export)
        path = save_index(args.export, args.output, k=args.k, backend=args.backend,
                          max_exclusions=args.max_exclusions, partitions=args.partitions,
                          probes=args.probes)
    except (ExportError, ValueError) as error:
        print(f"recsys-tf: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote the {args.backend} index of {args.export} to {path} (signature `query`)")
    if manifest["model_config"].get("use_transitions"):
        print("note: this model's `recommend` adds a transition prior (its last item's "
              "successors in training) that the index cannot hold: the index ranks by the "
              "user and item embeddings alone")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

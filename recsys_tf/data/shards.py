"""Examples as sharded TFRecord files, and ``tf.data`` pipelines that read them.

:func:`write_shards` writes one split's example arrays (from
:func:`~recsys_tf.data.examples.training_examples` / ``evaluation_examples``) as ``shards``
files of ``tf.train.Example`` records, a chunk of rows at a time; row ``i`` goes to file
``i % shards``, so the files hold equal counts. :func:`shard_dataset` reads them back:
files interleaved, records shuffled in a buffer, batched and parsed. Under a
``tf.distribute`` strategy, pass the ``tf.distribute.InputContext`` that
``distribute_datasets_from_function`` hands over: each input pipeline then reads only its
own files (file-level sharding), so no worker reads, let alone holds, the whole split.

Example::

    entry = write_shards(prepared.train, "shards", "train", shards=8)
    dataset = shard_dataset("shards", entry, batch_size=256, shuffle_buffer=10_000, seed=0)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

CHUNK_ROWS = 65536


def shard_name(split: str, index: int, count: int) -> str:
    return f"{split}-{index:05d}-of-{count:05d}.tfrecord"


def write_shards(examples: dict[str, np.ndarray], folder: str | Path, split: str, *,
                 shards: int, chunk_rows: int = CHUNK_ROWS) -> dict:
    """Writes ``examples`` (arrays with one first dimension, integer or float) as ``shards``
    TFRecord files ``<split>-NNNNN-of-MMMMM.tfrecord`` in ``folder``.

    Returns:
        The split's manifest entry: ``files`` (names, in shard order), ``rows``, and
        ``features`` (name → ``{"shape": row shape, "dtype"}``).
    """
    if shards < 1:
        raise ValueError(f"`shards` must be >= 1. Received: {shards}")
    rows = {len(value) for value in examples.values()}
    if len(rows) != 1:
        raise ValueError(f"The example arrays of {split!r} differ in length: "
                         f"{ {name: len(value) for name, value in examples.items()} }")
    count = rows.pop()
    features = {}
    for name, value in examples.items():
        kind = np.asarray(value).dtype
        if not (np.issubdtype(kind, np.integer) or np.issubdtype(kind, np.floating)):
            raise ValueError(f"{split}: feature {name!r} has dtype {kind}; only integer and "
                             "float arrays can be written.")
        features[name] = {"shape": list(np.shape(value)[1:]), "dtype": str(kind)}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = [shard_name(split, index, shards) for index in range(shards)]
    writers = [tf.io.TFRecordWriter(str(folder / name)) for name in files]
    try:
        for start in range(0, count, chunk_rows):
            chunk = {name: np.asarray(value[start:start + chunk_rows])
                     for name, value in examples.items()}
            for offset in range(len(next(iter(chunk.values())))):
                writers[(start + offset) % shards].write(_example(chunk, offset))
    finally:
        for writer in writers:
            writer.close()
    return {"files": files, "rows": int(count), "features": features}


def _example(chunk: dict[str, np.ndarray], row: int) -> bytes:
    feature = {}
    for name, values in chunk.items():
        flat = values[row].reshape(-1)
        if np.issubdtype(values.dtype, np.integer):
            feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=flat))
        else:
            feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=flat))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def parse_spec(entry: dict) -> dict[str, tf.io.FixedLenFeature]:
    """``tf.io.parse_example`` spec of a manifest entry (int64 or float32 on disk)."""
    return {name: tf.io.FixedLenFeature(
        spec["shape"], tf.int64 if np.issubdtype(np.dtype(spec["dtype"]), np.integer)
        else tf.float32) for name, spec in entry["features"].items()}


def shard_dataset(folder: str | Path, entry: dict, *, batch_size: int, shuffle_buffer: int = 0,
                  seed: int = 0, input_context: tf.distribute.InputContext | None = None,
                  label_key: str | None = "targets", cycle_length: int = 4,
                  drop_remainder: bool = False) -> tf.data.Dataset:
    """Batches of ``(features, labels)`` (or feature dicts with ``label_key=None``) read from
    a split written by :func:`write_shards`, in its arrays' dtypes.

    Args:
        folder, entry: where the files are and the split's manifest entry.
        batch_size: the global batch; with ``input_context``, each pipeline batches its share
            (``input_context.get_per_replica_batch_size``).
        shuffle_buffer: records shuffled in a buffer (0: files and records in order, one file
            after another).
        seed: the file order and the buffer's seed (reshuffled every iteration).
        input_context: read only the files ``i`` with ``i % num_input_pipelines ==
            input_pipeline_id``.
        cycle_length: files read at once.
    """
    files = [str(Path(folder) / name) for name in entry["files"]]
    dataset = tf.data.Dataset.from_tensor_slices(files)
    if input_context is not None:
        if input_context.num_input_pipelines > len(files):
            raise ValueError(f"{len(files)} shard files cannot feed "
                             f"{input_context.num_input_pipelines} input pipelines: write at "
                             "least one file per worker (`--shards`).")
        dataset = dataset.shard(input_context.num_input_pipelines,
                                input_context.input_pipeline_id)
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    if shuffle_buffer:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.interleave(tf.data.TFRecordDataset, cycle_length=cycle_length,
                                     num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    else:
        dataset = dataset.flat_map(tf.data.TFRecordDataset)
    spec = parse_spec(entry)
    dtypes = {name: tf.as_dtype(np.dtype(value["dtype"]))
              for name, value in entry["features"].items()}

    def parse(records):
        parsed = tf.io.parse_example(records, spec)
        parsed = {name: tf.cast(value, dtypes[name]) for name, value in parsed.items()}
        if label_key is None:
            return parsed
        return {k: v for k, v in parsed.items() if k != label_key}, parsed[label_key]

    return (dataset.batch(batch_size, drop_remainder=drop_remainder)
            .map(parse, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))

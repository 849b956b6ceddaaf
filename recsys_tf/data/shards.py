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
    batches, steps = shard_epochs("shards", entry, batch_size=256, seed=0, first_epoch=0,
                                  last_epoch=30, shuffle_buffer=10_000)   # for ``fit``
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

CHUNK_ROWS = 65536
SHUFFLE_BUFFER = 65536  # records in training's shuffle buffer (about 30 MB at length 50)


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
    with ShardWriter(folder, split, shards=shards, chunk_rows=chunk_rows) as writer:
        writer.write(examples)
    return writer.entry


class ShardWriter:
    """Writes one split's examples to ``shards`` files as they come, a part at a time: row
    ``i`` of the split (counted over every :meth:`write`) goes to file ``i % shards``, so
    parts written one after another give the files one :func:`write_shards` of their
    concatenation gives.

    Example::

        with ShardWriter("shards", "train", shards=8) as writer:
            for part in parts:
                writer.write(part)
        writer.entry["rows"]
    """

    def __init__(self, folder: str | Path, split: str, *, shards: int,
                 chunk_rows: int = CHUNK_ROWS):
        if shards < 1:
            raise ValueError(f"`shards` must be >= 1. Received: {shards}")
        self.split, self.chunk_rows = split, chunk_rows
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.files = [shard_name(split, index, shards) for index in range(shards)]
        self._writers = [tf.io.TFRecordWriter(str(folder / name)) for name in self.files]
        self.rows = 0
        self.features: dict | None = None

    def write(self, examples: dict[str, np.ndarray]) -> None:
        """Appends ``examples``; every part must have the first part's features."""
        split = self.split
        rows = {len(value) for value in examples.values()}
        if len(rows) != 1:
            raise ValueError(f"The example arrays of {split!r} differ in length: "
                             f"{ {name: len(value) for name, value in examples.items()} }")
        count = rows.pop()
        features = {}
        for name, value in examples.items():
            kind = np.asarray(value).dtype
            if not (np.issubdtype(kind, np.integer) or np.issubdtype(kind, np.floating)):
                raise ValueError(f"{split}: feature {name!r} has dtype {kind}; only integer "
                                 "and float arrays can be written.")
            features[name] = {"shape": list(np.shape(value)[1:]), "dtype": str(kind)}
        if self.features is not None and features != self.features:
            raise ValueError(f"{split}: a part's features {features} differ from the first "
                             f"part's {self.features}")
        self.features = features
        shards = len(self._writers)
        for start in range(0, count, self.chunk_rows):
            chunk = {name: np.asarray(value[start:start + self.chunk_rows])
                     for name, value in examples.items()}
            for offset in range(len(next(iter(chunk.values())))):
                self._writers[(self.rows + start + offset) % shards].write(
                    _example(chunk, offset))
        self.rows += count

    @property
    def entry(self) -> dict:
        """The split's manifest entry: ``files``, ``rows`` and ``features``."""
        return {"files": list(self.files), "rows": int(self.rows),
                "features": self.features or {}}

    def close(self) -> None:
        for writer in self._writers:
            writer.close()

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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


def shard_files(entry: dict, input_context: tf.distribute.InputContext | None = None
                ) -> list[str]:
    """The file names of a split that one input pipeline reads: all of them, or with
    ``input_context`` the files ``i`` with ``i % num_input_pipelines == input_pipeline_id``.

    >>> entry = {"files": [shard_name("train", i, 4) for i in range(4)]}
    >>> context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1)
    >>> shard_files(entry, context)
    ['train-00001-of-00004.tfrecord', 'train-00003-of-00004.tfrecord']
    """
    files = list(entry["files"])
    if input_context is None:
        return files
    if input_context.num_input_pipelines > len(files):
        raise ValueError(f"{len(files)} shard files cannot feed "
                         f"{input_context.num_input_pipelines} input pipelines: write at "
                         "least one file per worker (`--shards`).")
    return files[input_context.input_pipeline_id::input_context.num_input_pipelines]


def shard_dataset(folder: str | Path, entry: dict, *, batch_size: int, shuffle_buffer: int = 0,
                  seed: int = 0, input_context: tf.distribute.InputContext | None = None,
                  label_key: str | None = "targets", cycle_length: int = 4,
                  drop_remainder: bool = False, feature_keys: list[str] | None = None,
                  repeat: bool = False) -> tf.data.Dataset:
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
        feature_keys: the features kept (default: all but the label).
        repeat: go round the files for ever (reshuffled each time), batching across the
            passes, so every batch is full.
    """
    files = [str(Path(folder) / name) for name in shard_files(entry, input_context)]
    dataset = tf.data.Dataset.from_tensor_slices(files)
    if input_context is not None:
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    if shuffle_buffer:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.interleave(tf.data.TFRecordDataset, cycle_length=cycle_length,
                                     num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    else:
        dataset = dataset.flat_map(tf.data.TFRecordDataset)
    if repeat:
        dataset = dataset.repeat()
    spec = parse_spec(entry)
    dtypes = {name: tf.as_dtype(np.dtype(value["dtype"]))
              for name, value in entry["features"].items()}

    def parse(records):
        parsed = tf.io.parse_example(records, spec)
        parsed = {name: tf.cast(value, dtypes[name]) for name, value in parsed.items()}
        features = {k: v for k, v in parsed.items()
                    if k != label_key and (feature_keys is None or k in feature_keys)}
        return features if label_key is None else (features, parsed[label_key])

    return (dataset.batch(batch_size, drop_remainder=drop_remainder)
            .map(parse, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))


def epoch_steps(entry: dict, batch_size: int) -> int:
    """Global batches per training epoch over a split's rows: ``ceil(rows / batch_size)``."""
    return -(-entry["rows"] // batch_size)


def epoch_seed(seed: int, epoch: int) -> int:
    """The shuffle seed of one epoch: a run resumed at epoch ``e`` reads epoch ``e`` in the
    order an uninterrupted run would."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


def shard_epochs(folder: str | Path, entry: dict, *, batch_size: int, seed: int,
                 first_epoch: int, last_epoch: int, shuffle_buffer: int,
                 feature_keys: list[str] | None = None,
                 input_context: tf.distribute.InputContext | None = None
                 ) -> tuple[tf.data.Dataset, int]:
    """Training batches for epochs ``first_epoch .. last_epoch - 1`` in one stream (the
    shards' counterpart of :func:`~recsys_tf.data.pipeline.epoch_dataset`).

    Every epoch is ``steps = ceil(rows / batch_size)`` global batches, its files and records
    shuffled with :func:`epoch_seed`: one pass over the rows. With ``input_context`` each
    input pipeline yields ``steps`` full batches of its per-replica size from its own files,
    going round them again where its share is short: workers whose files hold a few rows
    fewer must still run the same number of steps, or the all-reduce of the last step would
    wait forever.

    Returns:
        The dataset of ``(features, labels)`` and the number of batches per epoch.
    """
    if batch_size < 1:
        raise ValueError(f"`batch_size` must be >= 1. Received: batch_size={batch_size}")
    if entry["rows"] == 0:
        raise ValueError("No training examples in the shards.")
    steps = epoch_steps(entry, batch_size)
    epochs = [shard_dataset(folder, entry, batch_size=batch_size,
                            shuffle_buffer=shuffle_buffer, seed=epoch_seed(seed, epoch),
                            input_context=input_context, feature_keys=feature_keys,
                            repeat=input_context is not None).take(steps)
              for epoch in range(first_epoch, last_epoch)]
    if not epochs:
        raise ValueError(f"No epochs between {first_epoch} and {last_epoch}.")
    dataset = epochs[0]
    for more in epochs[1:]:
        dataset = dataset.concatenate(more)
    return dataset, steps

"""Sharded TFRecord examples: the round trip, and file-level sharding across workers."""

import json

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.data.shards import shard_dataset, shard_epochs, write_shards


def examples(rows: int = 23) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"item_ids": rng.integers(0, 90, size=(rows, 6)).astype(np.int32),
            "targets": rng.integers(0, 90, size=(rows, 6)).astype(np.int32),
            "gaps": rng.random((rows, 6)).astype(np.float32),
            "history_length": rng.integers(1, 7, size=rows).astype(np.int64)}


def read_all(dataset) -> dict[str, np.ndarray]:
    batches = list(dataset.as_numpy_iterator())
    features = {k: np.concatenate([b[0][k] for b in batches]) for k in batches[0][0]}
    return {**features, "targets": np.concatenate([b[1] for b in batches])}


def test_round_trip_equals_the_in_memory_examples(tmp_path):
    data = examples()
    entry = write_shards(data, tmp_path, "train", shards=3, chunk_rows=5)
    assert entry["rows"] == 23 and len(entry["files"]) == 3
    assert entry["features"]["gaps"] == {"shape": [6], "dtype": "float32"}
    read = read_all(shard_dataset(tmp_path, entry, batch_size=4))
    order = np.concatenate([np.arange(shard, 23, 3) for shard in range(3)])  # file by file
    for name, value in data.items():
        assert read[name].dtype == value.dtype
        np.testing.assert_array_equal(read[name], value[order])


def test_shuffled_reading_keeps_every_row_once(tmp_path):
    data = examples(50)
    entry = write_shards(data, tmp_path, "train", shards=4)
    read = read_all(shard_dataset(tmp_path, entry, batch_size=8, shuffle_buffer=16, seed=3))
    assert sorted(map(bytes, read["item_ids"])) == sorted(map(bytes, data["item_ids"]))
    again = read_all(shard_dataset(tmp_path, entry, batch_size=8, shuffle_buffer=16, seed=3))
    np.testing.assert_array_equal(read["item_ids"], again["item_ids"])  # seeded



def test_epochs_are_seeded_per_epoch_so_a_resumed_stream_repeats_its_epochs(tmp_path):
    data = examples(50)
    entry = write_shards(data, tmp_path, "train", shards=4)
    options = {"batch_size": 8, "seed": 5, "shuffle_buffer": 16, "feature_keys": ["item_ids"]}
    full, steps = shard_epochs(tmp_path, entry, first_epoch=0, last_epoch=3, **options)
    resumed, _ = shard_epochs(tmp_path, entry, first_epoch=2, last_epoch=3, **options)
    batches = [(x["item_ids"], y) for x, y in full.as_numpy_iterator()]
    assert steps == 7 and len(batches) == 21
    assert set(next(iter(full))[0]) == {"item_ids"}  # only the features asked for
    epoch = [np.concatenate([b[0] for b in batches[e * 7:(e + 1) * 7]]) for e in range(3)]
    for rows in epoch:  # every epoch is every row once, in its own order
        assert sorted(map(bytes, rows)) == sorted(map(bytes, data["item_ids"]))
    assert not np.array_equal(epoch[0], epoch[1])
    again = np.concatenate([x["item_ids"] for x, _ in resumed.as_numpy_iterator()])
    np.testing.assert_array_equal(again, epoch[2])


def test_workers_with_unequal_files_run_the_same_number_of_steps(tmp_path):
    data = examples(45)  # files of 12, 11, 11, 11 rows; worker 0 holds 23, worker 1 22
    entry = write_shards(data, tmp_path, "train", shards=4)
    counts = []
    for worker in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=worker,
                                             num_replicas_in_sync=2)
        dataset, steps = shard_epochs(tmp_path, entry, batch_size=10, seed=0, first_epoch=0,
                                      last_epoch=1, shuffle_buffer=8, input_context=context)
        sizes = [len(y) for _, y in dataset.as_numpy_iterator()]
        assert steps == 5 and all(size == 5 for size in sizes)  # per-replica batches
        counts.append(len(sizes))
    assert counts == [5, 5]

def test_two_workers_read_disjoint_files_that_cover_the_split(tmp_path):
    data = examples(40)
    entry = write_shards(data, tmp_path, "train", shards=4)
    seen = []
    for worker in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=worker,
                                             num_replicas_in_sync=2)
        read = read_all(shard_dataset(tmp_path, entry, batch_size=8, input_context=context))
        expected = np.concatenate([np.arange(s, 40, 4) for s in range(worker, 4, 2)])
        np.testing.assert_array_equal(read["item_ids"], data["item_ids"][expected])
        seen.append(expected)
    assert sorted(np.concatenate(seen).tolist()) == list(range(40))
    with pytest.raises(ValueError, match="at least one file per worker"):
        shard_dataset(tmp_path, entry, batch_size=8, input_context=tf.distribute.InputContext(
            num_input_pipelines=5, input_pipeline_id=0, num_replicas_in_sync=5))


def test_bad_arrays_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="differ in length"):
        write_shards({"a": np.zeros((3, 2)), "b": np.zeros((4, 2))}, tmp_path, "train", shards=2)
    with pytest.raises(ValueError, match="feature 'names'"):
        write_shards({"names": np.array(["x", "y"])}, tmp_path, "valid", shards=1)


def test_prepare_command_writes_shards_vocabularies_and_manifest(tmp_path):
    from recsys_tf.cli import main
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.experiment.shard_files import read_manifest
    from tests.training.tiny_experiment import tiny_experiment

    experiment = tiny_experiment(tmp_path / "cache")
    config = tmp_path / "tiny.json"
    experiment.save(config)
    assert main(["data", "prepare", "--config", str(config), "--output",
                 str(tmp_path / "shards"), "--shards", "2"]) == 0
    manifest = read_manifest(tmp_path / "shards")
    assert (tmp_path / "shards" / "vocabularies.json").is_file()
    prepared = prepare_data(experiment.data)
    for split in ("train", "valid", "test"):
        assert manifest["splits"][split]["rows"] == len(getattr(prepared, split)["item_ids"])
    test = read_all(shard_dataset(tmp_path / "shards", manifest["splits"]["test"],
                                  batch_size=64, label_key="target"))
    order = np.concatenate([np.arange(s, len(prepared.test["target"]), 2) for s in range(2)])
    for name, value in prepared.test.items():
        np.testing.assert_array_equal(test[name] if name != "target" else test["targets"],
                                      value[order])
    assert json.loads((tmp_path / "shards" / "manifest.json").read_text())["shards"] == 2

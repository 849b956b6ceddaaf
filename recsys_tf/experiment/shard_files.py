"""``recsys-tf data prepare``: a config's examples as sharded TFRecord files, with their
vocabularies and a manifest.

The output folder holds ``train|valid|test-NNNNN-of-MMMMM.tfrecord``
(:func:`~recsys_tf.data.shards.write_shards`), ``vocabularies.json`` and ``manifest.json``:
per split the files, row count and feature shapes, plus the data's fingerprint
(:func:`~recsys_tf.experiment.run_directory.data_record`) and the ``[data]`` config, so a
reader can check that the shards are the data it expects.

Example::

    manifest = prepare_shards(ExperimentConfig.load("ml-100k"), "shards/ml-100k", shards=4)
    manifest["splits"]["train"]["rows"]
"""

from __future__ import annotations

import json
from pathlib import Path

from recsys_tf.data.shards import write_shards

MANIFEST = "manifest.json"
SPLITS = ("train", "valid", "test")


def prepare_shards(experiment, output: str | Path, *, shards: int, log=print) -> dict:
    """Prepares ``experiment.data`` and writes its three splits as ``shards`` files each."""
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.experiment.run_directory import data_record

    output = Path(output)
    prepared = prepare_data(experiment.data)
    output.mkdir(parents=True, exist_ok=True)
    prepared.vocabularies.save(output)
    splits = {}
    for split in SPLITS:
        splits[split] = write_shards(getattr(prepared, split), output, split, shards=shards)
        log(f"{split}: {splits[split]['rows']} examples in {shards} files")
    record = data_record(prepared)
    manifest = {"splits": splits, "shards": shards, "fingerprint": record["fingerprint"],
                "events": record["events"], "data": experiment.to_dict()["data"]}
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no shard manifest (write one with `recsys-tf data "
                                "prepare --config FILE --output DIR`)")
    return json.loads(path.read_text())

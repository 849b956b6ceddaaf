"""``recsys-tf data prepare``: a config's examples as sharded TFRecord files, with their
vocabularies and a manifest.

The output folder holds ``train|valid|test-NNNNN-of-MMMMM.tfrecord``
(:func:`~recsys_tf.data.shards.write_shards`), ``vocabularies.json`` and ``manifest.json``:
per split the files, row count and feature shapes, plus the data's fingerprint
(:func:`~recsys_tf.experiment.run_directory.data_record`), its cleaning report and the
``[data]`` config, so a reader can check that the shards are the data it expects. An
``events-csv`` log is prepared a part of its users at a time
(:mod:`~recsys_tf.experiment.streamed_prepare`).

Example::

    manifest = prepare_shards(ExperimentConfig.load("ml-100k"), "shards/ml-100k", shards=4)
    manifest["splits"]["train"]["rows"]
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from recsys_tf.data.shards import write_shards
from recsys_tf.data.user_partitions import PART_EVENTS

MANIFEST = "manifest.json"
SPLITS = ("train", "valid", "test")


def prepare_shards(experiment, output: str | Path, *, shards: int,
                   part_events: int = PART_EVENTS, log=print) -> dict:
    """Prepares ``experiment.data`` and writes its three splits as ``shards`` files each.

    With ``part_events`` > 0, data that can stream (an ``events-csv`` file split leave-one-out;
    :func:`~recsys_tf.experiment.streamed_prepare.streaming_refusal`) is prepared that many
    events at a time (:func:`~recsys_tf.experiment.streamed_prepare.prepare_streamed`: the
    same files, memory bounded by a part); other data is prepared whole, saying why.
    """
    from recsys_tf.experiment.streamed_prepare import prepare_streamed, streaming_refusal

    output = Path(output)
    refusal = streaming_refusal(experiment.data) if part_events else "--part-events 0"
    if refusal is None:
        splits, record, vocabularies = prepare_streamed(
            experiment.data, output, shards=shards, part_events=part_events, log=log)
        vocabularies.save(output)
    else:
        log(f"preparing the whole log at once: {refusal}")
        splits, record = _prepare_whole(experiment, output, shards=shards, log=log)
    manifest = {"splits": splits, "shards": shards, "fingerprint": record["fingerprint"],
                "events": record["events"], "report": record["report"],
                "data": experiment.to_dict()["data"]}
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _prepare_whole(experiment, output: Path, *, shards: int, log) -> tuple[dict, dict]:
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.experiment.run_directory import data_record

    # Shards hold no item text: the trainer embeds it itself.
    prepared = prepare_data(dataclasses.replace(experiment.data, text_encoder="none"))
    output.mkdir(parents=True, exist_ok=True)
    prepared.vocabularies.save(output)
    splits = {}
    for split in SPLITS:
        splits[split] = write_shards(getattr(prepared, split), output, split, shards=shards)
        log(f"{split}: {splits[split]['rows']} examples in {shards} files")
    return splits, data_record(prepared)


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no shard manifest (write one with `recsys-tf data "
                                "prepare --config FILE --output DIR`)")
    return json.loads(path.read_text())

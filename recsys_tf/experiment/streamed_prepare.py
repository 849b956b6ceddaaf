"""``recsys-tf data prepare`` a part of the users at a time, so peak memory is bounded by a
part, not by the log.

The events file is split into parts of whole users in sorted user order
(:func:`~recsys_tf.data.user_partitions.partition_by_user`); each part is cleaned on its
own, the vocabularies are built from what every part saw (plus the catalogue), and each part
is then split, encoded and appended to the shard files
(:class:`~recsys_tf.data.shards.ShardWriter`). Every step acts within a user, so the files,
row counts and data fingerprint equal those of :func:`~recsys_tf.experiment.shard_files.
prepare_shards` in memory (tested); only the cleaning report's examples may name other rows.

Memory: one part's events and examples, plus one entry per item and per user.

Example::

    splits, record = prepare_streamed(config.data, "shards", shards=8, part_events=1_000_000)
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_tf.data.event_log import EventLog, complete_items
from recsys_tf.data.examples import SequenceConfig
from recsys_tf.data.ingest import EventColumns, read_items
from recsys_tf.data.preprocess import PreprocessConfig
from recsys_tf.data.report import DataReport
from recsys_tf.data.shards import ShardWriter
from recsys_tf.data.splits import make_split
from recsys_tf.data.user_partitions import PART_EVENTS, partition_by_user, read_partition
from recsys_tf.data.vocabularies import EncodedEvents, Vocabularies
from recsys_tf.experiment.experiment_config import DataConfig
from recsys_tf.experiment.prepared_data import encode_examples, require_targets
from recsys_tf.experiment.run_directory import data_fingerprint

SPLITS = ("train", "valid", "test")


def streaming_refusal(config: DataConfig) -> str | None:
    """Why ``config``'s data must be prepared whole (``None`` when it can stream)."""
    if config.format != "events-csv":
        return f"format {config.format!r} is loaded whole (only events-csv files stream)"
    if Path(config.path).suffix == ".parquet":
        return "a Parquet events file is read whole"
    if config.split != "leave-one-out":
        return f"split {config.split!r} cuts every user at one time (needs the whole log)"
    if config.users:
        return "a user table is joined to the whole log"
    return None


def prepare_streamed(config: DataConfig, output: str | Path, *, shards: int,
                     part_events: int = PART_EVENTS, log=print
                     ) -> tuple[dict, dict, Vocabularies]:
    """Writes the three splits of ``config``'s data as shard files in ``output``.

    Returns:
        ``(splits, record, vocabularies)``: the manifest entry of each split, the data record
        (``fingerprint``, ``events``, ``report``) as
        :func:`~recsys_tf.experiment.run_directory.data_record` gives it in memory, and the
        vocabularies.
    """
    refusal = streaming_refusal(config)
    if refusal:
        raise ValueError(f"{config.path}: cannot prepare a part at a time: {refusal}")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".parts-", dir=output))
    try:
        report = DataReport()
        parts = partition_by_user(config.path, EventColumns(**config.columns), work,
                                  part_events=part_events, report=report, sep=config.sep,
                                  encoding=config.encoding)
        log(f"{len(parts)} parts of at most {part_events:,} events")
        cleaned, items, event_types, domains = _clean_parts(config, parts, work, report)
        vocabularies = Vocabularies.from_values(
            items=items, event_types=event_types, domains=domains | set(items["domain"]),
            users=pd.DataFrame({"user_id": []}))
        splits, encoded, events, users = _write_parts(config, cleaned, items, vocabularies,
                                                      output, shards=shards, log=log)
        record = {"fingerprint": data_fingerprint(vocabularies,
                                                  lambda name: _pieces(encoded, name)),
                  "events": events, "report": report.to_dict()}
        require_targets(str(config.path), config.split, {
            name: splits[split]["rows"] for name, split in
            (("training", "train"), ("validation", "valid"), ("test", "test"))},
            events=events, users=users)
        return splits, record, vocabularies
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _clean_parts(config: DataConfig, parts: list[list[Path]], work: Path, report: DataReport
                 ) -> tuple[list[Path], pd.DataFrame, set, set]:
    """Cleans each part (saved as Parquet); the catalogue completed with every event item."""
    preprocess = PreprocessConfig(timestamp_unit=config.timestamp_unit)
    cleaned, firsts, event_types, domains = [], pd.DataFrame(), set(), set()
    for index, files in enumerate(parts):
        events = EventLog.from_frames(read_partition(files, str(config.path)),
                                      config=preprocess, report=report).events
        for file in files:
            file.unlink()
        if not len(events):
            continue
        firsts = pd.concat([firsts, events.drop_duplicates("item_id")[["item_id", "domain"]]],
                           ignore_index=True).drop_duplicates("item_id")
        event_types |= set(events["event_type"].unique())
        domains |= set(events["domain"].unique())
        cleaned.append(work / f"clean-{index:05d}.parquet")
        events.to_parquet(cleaned[-1], index=False)
    if not cleaned:
        raise ValueError(f"{config.path}: no events left after cleaning ({report.format()})")
    catalogue = (read_items(config.items, report=report, sep=config.sep,
                            encoding=config.encoding) if config.items else None)
    return cleaned, complete_items(catalogue, firsts, report), event_types, domains


def _write_parts(config: DataConfig, cleaned: list[Path], items: pd.DataFrame,
                 vocabularies: Vocabularies, output: Path, *, shards: int, log
                 ) -> tuple[dict, list[Path], int, int]:
    """Splits, encodes and appends each part's examples to the shard files."""
    sequence = SequenceConfig(config.max_length, config.max_cross_length, config.target_domain)
    writers = {split: ShardWriter(output, split, shards=shards) for split in SPLITS}
    encoded_files, events, users = [], 0, 0
    try:
        for path in cleaned:
            frame = pd.read_parquet(path)
            part = EventLog(events=frame, items=items, report=DataReport(),
                            users=pd.DataFrame({"user_id": frame["user_id"].drop_duplicates()}
                                               ).reset_index(drop=True))
            split = make_split(part, config.split, target_domain=config.target_domain)
            encoded, *examples = encode_examples(part, split, vocabularies, sequence)
            for name, values in zip(SPLITS, examples, strict=True):
                writers[name].write(values)
            encoded_files.append(path.with_suffix(".npz"))
            _save_encoded(encoded, encoded_files[-1])
            events, users = events + len(frame), users + len(part.users)
            path.unlink()
    finally:
        for writer in writers.values():
            writer.close()
    splits = {name: writer.entry for name, writer in writers.items()}
    for name, entry in splits.items():
        log(f"{name}: {entry['rows']} examples in {shards} files")
    return splits, encoded_files, events, users


def _save_encoded(encoded: EncodedEvents, path: Path) -> None:
    arrays = {name: value for name, value in vars(encoded).items()
              if isinstance(value, np.ndarray)}
    arrays["user_ids"] = np.asarray(arrays["user_ids"], dtype=str)
    np.savez(path, **arrays)


def _pieces(files: list[Path], name: str):
    """The field ``name`` of the whole log, part by part (``user_start`` shifted)."""
    offset = 0
    for index, path in enumerate(files):
        with np.load(path) as arrays:
            value = arrays[name]
            if name == "user_ids":
                yield value.astype(object)
            elif name == "user_start":
                yield value[(0 if index == 0 else 1):] + offset
                offset += int(value[-1])
            else:
                yield value

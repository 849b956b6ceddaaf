"""Preparing an events file a part of its users at a time gives the files of preparing it whole."""

import filecmp

import numpy as np
import pytest

from recsys_tf.experiment.experiment_config import ExperimentConfig
from recsys_tf.experiment.shard_files import prepare_shards
from recsys_tf.experiment.streamed_prepare import streaming_refusal


def messy_log(path, users: int = 40, seed: int = 0) -> None:
    """Users with 1 to 30 events in file order interleaved, plus what cleaning must drop:
    duplicates, bursts, a missing user id, a bad timestamp, padded ids, a malformed and a
    blank line, and a title with a line break in the catalogue."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(users):
        for step in range(int(rng.integers(1, 31))):
            rows.append((f" u{user:03d}" if step == 0 else f"u{user:03d}",
                         f"i{int(rng.integers(0, 60))}", 1_700_000_000 + 3_600 * step
                         + int(rng.integers(0, 60)), str(rng.choice(["view", "buy"]))))
    rows = [rows[i] for i in rng.permutation(len(rows))]
    rows += [rows[5], (rows[7][0], rows[7][1], rows[7][2] + 1, rows[7][3]),
             ("", "i1", 1_700_000_000, "view"), ("u001", "i2", "soon", "view")]
    lines = ["user_id,item_id,timestamp,event_type"]
    lines += [",".join(map(str, row)) for row in rows]
    lines.insert(20, "u002,i3,1700000000,view,extra")
    lines.insert(30, "")
    path.write_text("\n".join(lines) + "\n")


def config_for(events, items, cache) -> ExperimentConfig:
    return ExperimentConfig.from_dict({"data": {
        "format": "events-csv", "path": str(events), "items": str(items),
        "text_encoder": "none", "cache_dir": str(cache), "max_length": 8,
        "columns": {"domain": None, "value": None}}})


@pytest.mark.parametrize("part_events,chunk_rows", [(1, 50), (37, 17), (10_000, None)])
def test_parts_give_the_whole_logs_files_fingerprint_and_counts(tmp_path, monkeypatch,
                                                                 part_events, chunk_rows):
    if chunk_rows:  # the file parsed in several chunks
        monkeypatch.setattr("recsys_tf.data.user_partitions.CHUNK_ROWS", chunk_rows)
    events, items = tmp_path / "events.csv", tmp_path / "items.csv"
    messy_log(events)
    items.write_text('item_id,text,category\ni1,"red\nlamp",lamps\ni1,dup,x\ni2,,\n,no id,x\n')
    experiment = config_for(events, items, tmp_path / "cache")
    whole = prepare_shards(experiment, tmp_path / "whole", shards=3, part_events=0)
    parts = prepare_shards(experiment, tmp_path / "parts", shards=3, part_events=part_events)
    assert parts["fingerprint"] == whole["fingerprint"]
    assert parts["splits"] == whole["splits"] and parts["events"] == whole["events"]
    for kind in ("dropped", "altered"):
        assert parts["report"][kind] == whole["report"][kind]
    assert whole["report"]["dropped"]["missing_user_id"] == 1
    assert whole["report"]["dropped"]["malformed_line"] == 1
    names = [name for entry in whole["splits"].values() for name in entry["files"]]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "whole", tmp_path / "parts",
                                               names + ["vocabularies.json"], shallow=False)
    assert (mismatch, errors) == ([], [])
    assert not list((tmp_path / "parts").glob(".parts-*"))  # the parts are deleted


def test_data_that_needs_the_whole_log_is_prepared_whole_and_says_why(tmp_path):
    events = tmp_path / "events.csv"
    messy_log(events)
    config = ExperimentConfig.from_dict({"data": {
        "format": "events-csv", "path": str(events), "split": "temporal",
        "text_encoder": "none", "columns": {"domain": None, "value": None}}})
    assert "temporal" in streaming_refusal(config.data)
    lines = []
    manifest = prepare_shards(config, tmp_path / "shards", shards=2, log=lines.append)
    assert any("whole log at once" in line and "temporal" in line for line in lines)
    assert manifest["splits"]["train"]["rows"] > 0
    assert "movielens" in streaming_refusal(ExperimentConfig.load("ml-100k").data)

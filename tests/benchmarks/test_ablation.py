import json
import math

from benchmarks.analysis.ablation import main

TINY = """
[data]
format = "synthetic"
target_domain = "media"
text_encoder = "tiny"
max_length = 10
max_cross_length = 10
cache_dir = "{cache}"
[data.synthetic]
num_users = 300
min_events = 4
max_events = 8
cross_domain_rate = 0.5
seed = 1
[model]
embedding_dim = 16
hidden_dim = 16
query_dim = 16
use_cross_domain = true
[train]
epochs = 1
batch_size = 64
"""


def test_reports_short_history_users_and_keeps_runs_for_reuse(tmp_path):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY.format(cache=tmp_path / "cache"))
    args = ["--config", str(config), "--work-dir", str(tmp_path / "work"),
            "--output", str(tmp_path / "out"),
            "--variant", 'short copies={"train": {"short_history_copies": 1}}']
    rows = main(args)
    runs = tmp_path / "work" / "runs"
    assert sorted(p.name for p in runs.iterdir()) == [
        "ablation-tiny-media-as-configured-seed0", "ablation-tiny-media-short-copies-seed0"]
    for row in rows:
        for split in ("valid", "test"):
            figure = row[f"{split}_short_ndcg@10"]
            assert 0 <= figure <= 1 and not math.isnan(figure)
    again = main(args)  # the kept runs are loaded, not trained again
    assert [row["seeds"][0]["test_short_ndcg@10"] for row in again] == \
        [row["seeds"][0]["test_short_ndcg@10"] for row in rows]
    metrics = json.loads((runs / "ablation-tiny-media-short-copies-seed0" /
                          "metrics.json").read_text())
    assert metrics["resumed_from_epoch"] == 1

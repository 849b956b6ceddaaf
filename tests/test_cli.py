import json
import shutil
import subprocess
import sys

import pytest

from recsys_tf.cli import main
from tests.conftest import dataset_path


def run_json(capsys, *args):
    assert main(["data", "inspect", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_inspect_synthetic_json_contract(capsys):
    stats = run_json(capsys, "--format", "synthetic", "--num-users", "50", "--seed", "3")
    assert {"users", "items", "events", "dropped", "domains", "sequence_length"} <= set(stats)
    assert stats["users"] == 50 and stats["dropped"] == {}
    assert set(stats["domains"]) == {"media", "goods"}
    assert stats["events"] == sum(d["events"] for d in stats["domains"].values())


def test_inspect_events_csv_with_renamed_columns_reports_drops(tmp_path, capsys):
    path = tmp_path / "log.csv"
    path.write_text("uid,item_id,ts\nu1,a,100\nu1,a,100\nu1,b,oops\nu2,c,300\n")
    stats = run_json(capsys, str(path), "--format", "events-csv", "--column", "user_id=uid",
                     "--column", "timestamp=ts")
    assert (stats["users"], stats["events"]) == (2, 2)
    assert stats["dropped"] == {"duplicate": 1, "invalid_timestamp": 1}
    assert main(["data", "inspect", str(path), "--format", "events-csv", "--column",
                 "user_id=uid", "--column", "timestamp=ts"]) == 0
    text = capsys.readouterr().out
    assert "dropped 1 invalid_timestamp" in text and f"{path}:4" in text


def test_bad_input_exits_2_with_a_message(tmp_path, capsys):
    path = tmp_path / "log.csv"
    path.write_text("user,item_id,timestamp\nu1,a,1\n")
    assert main(["data", "inspect", str(path), "--format", "events-csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("recsys-tf: error: ") and "log.csv" in err and "user_id" in err
    assert main(["data", "inspect", "--format", "movielens"]) == 2
    assert "needs a PATH" in capsys.readouterr().err


def test_inspect_real_movielens(capsys):
    stats = run_json(capsys, str(dataset_path("ml-100k")), "--format", "movielens")
    assert (stats["users"], stats["items"], stats["events"]) == (943, 1682, 100_000)


@pytest.mark.skipif(shutil.which("recsys-tf") is None, reason="package not installed")
def test_console_script_runs():
    result = subprocess.run(["recsys-tf", "data", "inspect", "--format", "synthetic",
                             "--num-users", "10", "--json"], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout)["users"] == 10


def test_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "recsys_tf", "--help"], capture_output=True,
                            text=True, check=True)
    assert "data" in result.stdout


TINY_TOML = """
[data]
format = "synthetic"
target_domain = "media"
text_encoder = "tiny"
cache_dir = "{cache}"
max_length = 20
max_cross_length = 20
synthetic = {{ num_users = 150, seed = 2 }}

[model]
embedding_dim = 8
hidden_dim = 8
query_dim = 8
use_cross_domain = true

[train]
epochs = 2
batch_size = 64
"""


def test_train_then_evaluate(tmp_path, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_TOML.format(cache=tmp_path / "cache"))
    run = tmp_path / "run"
    assert main(["train", "--config", str(config), "--output", str(run), "--json"]) == 0
    capsys.readouterr()
    trained = json.loads((run / "metrics.json").read_text())
    assert main(["evaluate", "--model", str(run), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["test"]["model"]["ndcg@10"] == pytest.approx(
        trained["test"]["model"]["ndcg@10"], abs=1e-6)
    assert {"model", "popularity"} == set(report["test"])
    assert main(["evaluate", "--model", str(run)]) == 0
    text = capsys.readouterr().out
    assert "popularity" in text and "NDCG@10" in text and "interest switches" in text
    assert "NDCG@20" in text and "100 sampled negatives" in text


def test_train_bad_config_exits_2(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("[train]\nepochs = 0\n")
    assert main(["train", "--config", str(config), "--output", str(tmp_path / "r")]) == 2
    assert "bad.toml" in capsys.readouterr().err


def test_evaluate_without_a_run_exits_2(tmp_path, capsys):
    assert main(["evaluate", "--model", str(tmp_path)]) == 2
    assert "model.keras" in capsys.readouterr().err


def test_peer_settings_parse_json_values_and_reject_a_missing_equals_sign():
    from recsys_tf.cli import _peer_settings

    assert _peer_settings(["epochs=40", "learning_rate=0.002", "loss_type=CE"]) == {
        "epochs": 40, "learning_rate": 0.002, "loss_type": "CE"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        _peer_settings(["epochs"])

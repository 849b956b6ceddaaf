import json
import shutil
import subprocess
import sys

import pytest

import recsys_tf
from recsys_tf.cli import main
from recsys_tf.experiment.experiment_config import ExperimentConfig
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


def test_train_through_a_pipe_then_evaluate(tmp_path, capsys):
    """A job's stdout is a pipe or file: `train --json` prints one JSON document there and one
    plain line per epoch on stderr (no carriage returns, no colour codes), run from outside
    the repository; `evaluate` then reproduces the run's test figures."""
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_TOML.format(cache=tmp_path / "cache"))
    run = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "recsys_tf", "train", "--config", str(config), "--output",
         str(run), "--json"], capture_output=True, text=True, cwd=tmp_path, check=True)
    trained = json.loads(result.stdout)
    assert trained == json.loads((run / "metrics.json").read_text())
    assert trained["best_epoch"] in (1, 2) and len(trained["history"]) == 2
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    epoch_lines = [line for line in result.stderr.splitlines() if " - loss: " in line]
    assert len(epoch_lines) == 2 and "Epoch 2/2" in result.stderr

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


def test_version():
    result = subprocess.run([sys.executable, "-m", "recsys_tf", "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"recsys-tf {recsys_tf.__version__}"


def test_import_stays_light():
    """The core package never imports the benchmarks, matplotlib (the [bench] extra; blocked
    here, as Keras itself imports it when installed) or PyTorch."""
    code = ("import sys; sys.modules['matplotlib'] = None; import recsys_tf; "
            "bare = set(sys.modules); import recsys_tf.cli, recsys_tf.training.trainer, "
            "recsys_tf.export, recsys_tf.serving, recsys_tf.evaluation.run_report; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'benchmarks', 'torch', 'transformers', 'sentence_transformers'}), "
            "sorted({m.split('.')[0] for m in bare} & {'tensorflow', 'keras', 'benchmarks'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[] []"


def test_built_in_config_by_name_from_any_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert ExperimentConfig.load("synthetic").data.format == "synthetic"
    assert main(["train", "--config", "no-such-config", "--output", "r"]) == 2
    assert "nor a built-in config: beauty, food-kitchen, ml-100k, ml-100k-tune, synthetic" in (
        capsys.readouterr().err)


def test_bench_without_the_extra_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["bench", "drift"]) == 2
    assert "needs the [bench] extra" in capsys.readouterr().err


def test_train_on_your_own_event_log(tmp_path, capsys):
    """The README's "your own event log": an events CSV with its own column names and an
    item catalogue with titles, named in a config, trains and evaluates."""
    import numpy as np

    rng = np.random.default_rng(0)
    words = ["red", "blue", "wool", "hat", "shoes", "coat", "silk", "scarf"]
    items = [f"sku{i}" for i in range(30)]
    rows = ["uid,sku,ts,action"]
    for user in range(60):
        for step, item in enumerate(rng.choice(items, size=8)):
            rows.append(f"u{user},{item},{1_700_000_000 + 3600 * step},"
                        f"{rng.choice(['view', 'buy'])}")
    (tmp_path / "events.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "items.csv").write_text("item_id,text\n" + "\n".join(
        f"{item},{' '.join(rng.choice(words, size=3))}" for item in items) + "\n")
    config = tmp_path / "mine.toml"
    config.write_text(f"""
[data]
format = "events-csv"
path = "{tmp_path / 'events.csv'}"
items = "{tmp_path / 'items.csv'}"
columns = {{ item_id = "sku", timestamp = "ts", user_id = "uid", event_type = "action" }}
text_encoder = "tiny"
cache_dir = "{tmp_path / 'cache'}"
max_length = 10

[model]
embedding_dim = 8
hidden_dim = 8
query_dim = 8

[train]
epochs = 1
batch_size = 32
""")
    assert main(["train", "--config", str(config), "--output", str(tmp_path / "run"),
                 "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["test"]["model"]["count"] == 60
    vocabulary = json.loads((tmp_path / "run" / "vocabularies.json").read_text())
    assert set(items) <= set(vocabulary["item_id"]["tokens"])

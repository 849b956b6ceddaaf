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

import json

import pytest

from benchmarks.command import SUITES, peer_models, peer_settings
from benchmarks.results_files import read_results
from recsys_tf.cli import main


def test_peer_settings_parse_json_values_and_reject_a_missing_equals_sign():
    assert peer_settings(["epochs=40", "learning_rate=0.002", "loss_type=CE"]) == {
        "epochs": 40, "learning_rate": 0.002, "loss_type": "CE"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        peer_settings(["epochs"])


def test_peer_models_are_checked():
    assert peer_models(" SASRec ,GRU4Rec") == ("SASRec", "GRU4Rec") and peer_models(None) is None
    with pytest.raises(ValueError, match="unknown \\['BERT4Rec'\\]"):
        peer_models("BERT4Rec")


def test_every_suite_builds():
    for name, make in SUITES.items():
        suite = make()
        assert callable(suite.run) and callable(suite.table), name


def test_bench_writes_stamped_results_and_prints_one_json(tmp_path, capsys, monkeypatch):
    """`recsys-tf bench NAME --json` through the CLI: files stamped, one JSON on stdout."""
    import benchmarks.command as command

    monkeypatch.setitem(command.SUITES, "drift", lambda: command.Suite(
        run=lambda args, log: (log("progress"), print("noise"), {"rows": {"a": 1},
                                                                 "seconds": 0.5})[-1],
        table=lambda result: "| a |\n|---|\n| 1 |"))
    assert main(["bench", "drift", "--results", str(tmp_path), "--work-dir",
                 str(tmp_path / "work"), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"rows": {"a": 1}, "seconds": 0.5}
    assert "progress" in captured.err and "noise" in captured.err
    stored = read_results(tmp_path)["drift"]
    assert stored["stamp"]["command"] == ("recsys-tf bench drift --results "
                                          f"{tmp_path} --work-dir {tmp_path / 'work'} --json")
    assert "| 1 |" in (tmp_path / "drift.md").read_text()

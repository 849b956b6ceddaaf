"""`recsys-tf tune` on a tiny synthetic search: the space, the objective, the files, resume."""

import json
import tomllib

import pytest

from recsys_tf.experiment.experiment_config import ExperimentConfig
from recsys_tf.experiment.toml_text import toml_text
from recsys_tf.tuning.search_space import TuneConfig
from recsys_tf.tuning.tuner import tune
from tests.training.tiny_experiment import tiny_experiment

SPACE = {"algorithm": "random", "seed": 3,
         "model": {"embedding_dim": [8, 16], "dropout": {"min": 0.0, "max": 0.3, "step": 0.1},
                   "use_time_features": [True, False]},
         "train": {"learning_rate": {"min": 0.001, "max": 0.01, "sampling": "log"}}}


@pytest.fixture
def search_file(tmp_path):
    experiment = tiny_experiment(tmp_path / "cache", epochs=1).to_dict()
    experiment["model"]["use_cross_domain"] = False
    path = tmp_path / "tiny-tune.toml"
    path.write_text(toml_text({**experiment, "tune": SPACE}), encoding="utf-8")
    return path


def test_a_search_writes_trials_and_a_best_config_that_trains(search_file, tmp_path):
    output = tmp_path / "search"
    result = tune(search_file, output, trials=3, log=lambda line: None)
    assert len(result["trials"]) == 3
    scores = [row["valid_ndcg@10"] for row in result["trials"]]
    assert scores == sorted(scores, reverse=True) and result["best"] == result["trials"][0]
    for row in result["trials"]:  # the objective is the trial run's own validation NDCG@10
        metrics = json.loads((output / "trials" / row["trial"] / "metrics.json").read_text())
        assert row["valid_ndcg@10"] == pytest.approx(metrics["valid"]["model"]["ndcg@10"])
        assert metrics["experiment"]["model"]["embedding_dim"] == row["values"][
            "model.embedding_dim"]
        assert 0.001 <= metrics["experiment"]["train"]["learning_rate"] <= 0.01
        assert metrics["experiment"]["model"]["use_time_features"] in (True, False)
    best = ExperimentConfig.load(output / "best.toml")
    assert best.model["embedding_dim"] == result["best"]["values"]["model.embedding_dim"]
    assert best.train.learning_rate == pytest.approx(
        result["best"]["values"]["train.learning_rate"])
    assert "tune" not in tomllib.loads((output / "best.toml").read_text())
    table = (output / "trials.md").read_text()
    assert table.count("\n| ") == 4 and "model.embedding_dim" in table
    assert all(row["status"] == "COMPLETED" for row in result["trials"])


def test_a_killed_search_resumes_and_reruns_only_the_interrupted_trial(search_file, tmp_path,
                                                                        monkeypatch):
    output = tmp_path / "search"
    started = []
    from recsys_tf.training import trainer  # tune() imports `train` from it when it runs

    original = trainer.train

    def killed_on_second_trial(experiment, run_dir, **kwargs):
        started.append(run_dir.name)
        if len(started) == 2:
            raise KeyboardInterrupt  # the job is killed mid-search
        return original(experiment, run_dir, **kwargs)

    monkeypatch.setattr(trainer, "train", killed_on_second_trial)
    with pytest.raises(KeyboardInterrupt):
        tune(search_file, output, trials=3, log=lambda line: None)
    interrupted = started[-1]

    monkeypatch.setattr(trainer, "train", lambda *a, **k: (started.append(a[1].name),
                                                           original(*a, **k))[1])
    result = tune(search_file, output, trials=3, log=lambda line: None)
    assert started[2] == interrupted  # the interrupted trial runs again, with its values
    assert len(started) == 4  # ... then only the one trial never started
    assert sorted(row["trial"] for row in result["trials"]) == sorted(set(started))
    assert all(row["valid_ndcg@10"] is not None for row in result["trials"])


@pytest.mark.parametrize("table, message", [
    ({"model": {"embedding_dim": []}}, "non-empty list"),
    ({"model": {"dropout": {"min": 0.5, "max": 0.1}}}, "min < max"),
    ({"model": {"no_such_key": [1, 2]}}, "not a searchable"),
    ({"train": {"epochs": [1, 2]}}, "not a searchable"),
    ({"data": {"max_length": [10, 20]}}, "unknown keys"),
    ({"algorithm": "grid", "model": {"dropout": [0.1]}}, "algorithm"),
    ({}, "no search space"),
])
def test_bad_search_spaces_are_refused_by_name(table, message):
    with pytest.raises(ValueError, match=message):
        TuneConfig.from_dict(table)


def test_a_config_without_tune_table_is_refused(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text(toml_text(tiny_experiment(tmp_path).to_dict()), encoding="utf-8")
    with pytest.raises(ValueError, match="no \\[tune\\] table"):
        TuneConfig.load(path)


def test_the_shipped_ml_100k_search_names_its_base_experiment():
    search = TuneConfig.load("ml-100k-tune")
    assert search.experiment("ml-100k-tune") == ExperimentConfig.load("ml-100k")
    names = {dimension.name for dimension in search.dimensions}
    assert {"model.embedding_dim", "train.learning_rate"} <= names

import json

import pytest

from recsys_tf.experiment.experiment_config import ExperimentConfig
from recsys_tf.experiment.run_directory import RunDirectory


def saved_run(tmp_path, record: dict) -> RunDirectory:
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "state.json").write_text("{}")
    (tmp_path / "experiment.json").write_text(json.dumps(record))
    return RunDirectory(tmp_path)


def test_a_run_saved_before_a_field_existed_is_the_same_experiment(tmp_path):
    experiment = ExperimentConfig.from_dict({"train": {"epochs": 3}})
    record = experiment.to_dict()
    del record["train"]["short_history_copies"]  # an experiment.json from before the field
    run = saved_run(tmp_path, record)
    run.check(experiment.replace(train={"epochs": 9}), {"fingerprint": None})
    with pytest.raises(ValueError, match="different run"):
        run.check(experiment.replace(train={"short_history_copies": 1}), {"fingerprint": None})


def test_a_run_with_fields_this_version_does_not_know_is_another_experiment(tmp_path):
    experiment = ExperimentConfig.from_dict({})
    record = experiment.to_dict()
    record["train"]["future_switch"] = True
    with pytest.raises(ValueError, match="different run"):
        saved_run(tmp_path, record).check(experiment, {"fingerprint": None})

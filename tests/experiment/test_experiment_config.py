from pathlib import Path

import pytest

from recsys_tf.configs import built_in_configs, config_path
from recsys_tf.experiment.experiment_config import ExperimentConfig
from tests.conftest import write


def test_shipped_configs_load_by_name_and_path():
    assert {"synthetic", "ml-100k", "beauty", "food-kitchen"} <= set(built_in_configs())
    for name in built_in_configs():
        assert ExperimentConfig.load(name) == ExperimentConfig.load(config_path(name))


def test_a_file_beside_wins_over_a_built_in_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "synthetic", "[train]\nepochs = 1\n")
    assert ExperimentConfig.load("synthetic").train.epochs == 1


def test_events_csv_options(tmp_path):
    path = write(tmp_path, "mine.toml", '[data]\nformat = "events-csv"\npath = "e.csv"\n'
                 'items = "items.csv"\ncolumns = { user_id = "uid" }\n')
    data = ExperimentConfig.load(path).data
    assert (data.items, data.columns) == ("items.csv", {"user_id": "uid"})
    with pytest.raises(ValueError, match=r"mine2.toml: \[data\] columns: unknown fields "
                                         r"\['uzer'\]"):
        ExperimentConfig.load(write(tmp_path, "mine2.toml", '[data]\nformat = "events-csv"\n'
                                    'columns = { uzer = "uid" }\n'))
    with pytest.raises(ValueError, match="are for format 'events-csv'"):
        ExperimentConfig.load(write(tmp_path, "mine3.toml", '[data]\nformat = "amazon"\n'
                                    'items = "items.csv"\n'))


def test_json_round_trip(tmp_path):
    config = ExperimentConfig.load("synthetic")
    config.save(tmp_path / "experiment.json")
    assert ExperimentConfig.load(tmp_path / "experiment.json") == config


@pytest.mark.parametrize("text, message", [
    ("[train]\nepochz = 3\n", "epochz"),
    ("[model]\nnum_items = 3\n", "come from the data"),
    ("[model]\nhidden = 3\n", "unknown keys"),
    ("[data]\nformat = 'parquet-ish'\n", "format"),
    ("[trian]\n", "unknown sections"),
    ("[train\n", "not valid TOML"),
])
def test_errors_name_the_file_and_key(tmp_path, text, message):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ValueError, match=message) as error:
        ExperimentConfig.load(path)
    assert "bad.toml" in str(error.value) or message in ("come from the data", "unknown keys")


def test_missing_file():
    with pytest.raises(ValueError, match="not found"):
        ExperimentConfig.load(Path("nope.toml"))


def test_replace():
    config = ExperimentConfig().replace(train={"epochs": 2}, model={"hidden_dim": 8})
    assert config.train.epochs == 2 and config.model == {"hidden_dim": 8}

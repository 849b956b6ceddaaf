from pathlib import Path

import pytest

from recsys_tf.training.experiment_config import ExperimentConfig
from tests.conftest import REPO, write

CONFIGS = sorted((REPO / "training" / "configs").glob("*.toml"))


def test_shipped_configs_load():
    names = {path.stem for path in CONFIGS}
    assert {"synthetic", "ml-100k", "beauty", "food-kitchen"} <= names
    for path in CONFIGS:
        ExperimentConfig.load(path)


def test_json_round_trip(tmp_path):
    config = ExperimentConfig.load(REPO / "training" / "configs" / "synthetic.toml")
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

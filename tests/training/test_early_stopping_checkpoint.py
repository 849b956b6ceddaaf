import json

import keras
import numpy as np
import pytest

from recsys_tf.training.early_stopping_checkpoint import EarlyStoppingCheckpoint
from recsys_tf.training.errors import TrainingDiverged


def model():
    layer_input = keras.Input((2,))
    return keras.Model(layer_input, keras.layers.Dense(1)(layer_input))


def test_keeps_the_best_epoch_and_stops_after_patience(tmp_path):
    checkpoint = EarlyStoppingCheckpoint(tmp_path, "val_ndcg@10", patience=2)
    checkpoint.set_model(model())
    for epoch, value in enumerate([0.1, 0.3, 0.2, 0.25]):
        checkpoint.on_epoch_end(epoch, {"loss": 1.0, "val_ndcg@10": value})
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["best_epoch"] == 2 and state["epoch"] == 4 and state["wait"] == 2
    assert checkpoint.model.stop_training
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best.weights.h5", "epoch-0004.rng.npz", "epoch-0004.weights.h5", "state.json"]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_diverged_epoch_raises_and_keeps_the_last_good_one(tmp_path, bad):
    checkpoint = EarlyStoppingCheckpoint(tmp_path, "val_ndcg@10", patience=3)
    checkpoint.set_model(model())
    checkpoint.on_epoch_end(0, {"loss": 1.0, "val_ndcg@10": 0.2})
    before = (tmp_path / "state.json").read_text()
    with pytest.raises(TrainingDiverged, match="epoch 2: loss=.*epoch 1 is the last saved"):
        checkpoint.on_epoch_end(1, {"loss": bad, "val_ndcg@10": 0.0})
    assert (tmp_path / "state.json").read_text() == before
    assert not (tmp_path / "epoch-0002.weights.h5").exists()

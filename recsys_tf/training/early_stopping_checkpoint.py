"""Per-epoch checkpoints with early stopping state, so a killed run resumes where it stopped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np

from recsys_tf.experiment.run_directory import write_atomically
from recsys_tf.training.errors import TrainingDiverged


class EarlyStoppingCheckpoint(keras.callbacks.Callback):
    """After every epoch: save the weights (model + optimizer), the RNG states and the early
    stopping state; keep the best epoch's weights by ``monitor``; stop after ``patience`` epochs
    without improvement. An epoch whose loss is NaN or infinite raises
    :class:`TrainingDiverged` before anything of it is saved: the last good epoch stays.

    Files in ``directory``: ``epoch-NNNN.weights.h5`` (the last epoch), ``best.weights.h5`` and
    ``state.json``, which names the last epoch's file and is replaced atomically after it is
    written, so a run killed at any moment resumes from a consistent epoch.

    Args:
        directory: checkpoint folder.
        monitor: a key of the epoch logs, higher is better (e.g. ``val_ndcg@10``).
        patience: epochs without improvement before stopping.
        write: false on non-chief workers (they train but do not write).
    """

    def __init__(self, directory: str | os.PathLike, monitor: str, patience: int,
                 write: bool = True):
        super().__init__()
        self.directory = Path(directory)
        self.monitor = monitor
        self.patience = patience
        self.write = write
        self.state = {"epoch": 0, "best": -np.inf, "best_epoch": -1, "wait": 0, "history": []}

    @property
    def state_path(self) -> Path:
        return self.directory / "state.json"

    def restore(self, model: keras.Model) -> int:
        """Loads the last checkpoint into ``model`` if there is one; returns the next epoch."""
        if not self.state_path.is_file():
            return 0
        self.state = json.loads(self.state_path.read_text())
        model.load_weights(self.directory / self.state["weights"])
        with np.load(self.directory / _rng_file(self.state["weights"])) as stored:
            for index, variable in enumerate(_random_states(model)):
                variable.assign(stored[f"state_{index}"])
        return int(self.state["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.monitor not in logs:
            raise KeyError(f"`{self.monitor}` missing from the epoch logs {sorted(logs)}")
        value = float(logs[self.monitor])
        if not all(np.isfinite(float(v)) for v in logs.values()):
            last = (f"epoch {self.state['epoch']} is the last saved"
                    if self.state["epoch"] else "no epoch was saved")
            raise TrainingDiverged(
                f"epoch {epoch + 1}: {', '.join(f'{k}={float(v)}' for k, v in logs.items())}; "
                f"training diverged ({last}). Lower [train] learning_rate or check the data.")
        improved = value > self.state["best"]
        self.state["history"].append({"epoch": epoch + 1, **{k: float(v)
                                                             for k, v in logs.items()}})
        self.state.update(epoch=epoch + 1, wait=0 if improved else self.state["wait"] + 1)
        if improved:
            self.state.update(best=value, best_epoch=epoch + 1)
        if self.write:
            self.directory.mkdir(parents=True, exist_ok=True)
            previous = self.state.get("weights")
            self.state["weights"] = f"epoch-{epoch + 1:04d}.weights.h5"
            write_atomically(self.directory / self.state["weights"], self.model.save_weights)
            states = {f"state_{i}": np.asarray(v)
                      for i, v in enumerate(_random_states(self.model))}
            write_atomically(self.directory / _rng_file(self.state["weights"]),
                             lambda path: np.savez(path, **states))
            if improved:
                write_atomically(self.directory / "best.weights.h5", self.model.save_weights)
            write_atomically(self.state_path, lambda path: Path(path).write_text(
                json.dumps(self.state, indent=1)))
            if previous and previous != self.state["weights"]:
                (self.directory / previous).unlink(missing_ok=True)
                (self.directory / _rng_file(previous)).unlink(missing_ok=True)
        if self.state["wait"] >= self.patience:
            self.model.stop_training = True


def _random_states(model: keras.Model) -> list:
    """Dropout / sampling RNG states: variables of the model that are not weights (Keras does
    not save them with the weights, and a resumed run must draw the same masks), in model
    order (their names carry global counters that differ between processes)."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def _rng_file(weights_file: str) -> str:
    return weights_file.replace(".weights.h5", ".rng.npz")

"""Our model inside a benchmark: the experiment (config + epoch cap) and one trained run per seed.

Runs live under ``<results>/runs/<name>``; a finished run there is reused, an interrupted one
resumes from its last checkpoint (:func:`~recsys_tf.training.trainer.train`).

Example::

    experiment = benchmark_experiment(None, "beauty", epochs=8)
    run, model = trained_model(experiment.replace(train={"seed": 0}),
                               "~/.cache/recsys_tf/bench/runs/beauty-seed0", prepared)
"""

from __future__ import annotations

from pathlib import Path


def benchmark_experiment(config: str | Path | None, default: str | Path,
                         epochs: int | None = None):
    """The :class:`~recsys_tf.experiment.experiment_config.ExperimentConfig` in ``config`` (or
    ``default``), with ``[train] epochs`` replaced by ``epochs`` when given."""
    from recsys_tf.experiment.experiment_config import ExperimentConfig

    experiment = ExperimentConfig.load(config or default)
    return experiment if epochs is None else experiment.replace(train={"epochs": epochs})


def trained_model(experiment, run_dir: str | Path, prepared) -> tuple[dict, object]:
    """Trains ``experiment`` on ``prepared`` into ``run_dir`` (quietly) and loads the best
    model; returns ``(run summary, keras model)``."""
    from recsys_tf.experiment.run_directory import FinishedRun
    from recsys_tf.training.trainer import train

    run = train(experiment, run_dir, prepared=prepared, verbose=0)
    return run, FinishedRun.load(run_dir).model

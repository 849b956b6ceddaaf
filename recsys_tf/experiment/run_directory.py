"""A finished run directory: ``model.keras``, ``vocabularies.json``, ``experiment.json``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from recsys_tf.data.vocabularies import Vocabularies
from recsys_tf.experiment.experiment_config import ExperimentConfig


@dataclasses.dataclass(frozen=True)
class FinishedRun:
    """What a trained run left behind, loaded.

    Example::

        run = FinishedRun.load("runs/synthetic")
        run.model.candidate_embeddings()
    """

    directory: Path
    model: object  # recsys_tf.models.TwoTowerModel
    vocabularies: Vocabularies
    experiment: ExperimentConfig

    @classmethod
    def load(cls, directory: str | Path) -> FinishedRun:
        import keras

        import recsys_tf.models  # noqa: F401  (registers the serialisable classes)

        directory = Path(directory)
        missing = [name for name in ("model.keras", "vocabularies.json", "experiment.json")
                   if not (directory / name).is_file()]
        if missing:
            raise ValueError(f"{directory} has no {', '.join(missing)} (is it a finished run "
                             "directory of `recsys-tf train`?)")
        return cls(directory=directory,
                   model=keras.models.load_model(directory / "model.keras"),
                   vocabularies=Vocabularies.load(directory),
                   experiment=ExperimentConfig.load(directory / "experiment.json"))

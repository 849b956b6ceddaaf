"""A run directory: what a run claims before training and what a finished run leaves behind.

Files: ``experiment.json`` (the configuration), ``data.json`` (the data's fingerprint and its
cleaning report), ``vocabularies.json``, ``checkpoints/``, ``logs/``, ``model.keras`` and
``metrics.json``.

Example::

    directory = RunDirectory("runs/synthetic")
    directory.claim(experiment, data_record(prepared), prepared.vocabularies)  # or refuses
    run = FinishedRun.load("runs/synthetic")              # after training
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from recsys_tf.data.vocabularies import EncodedEvents, Vocabularies
from recsys_tf.experiment.experiment_config import ExperimentConfig
from recsys_tf.experiment.prepared_data import PreparedData


def data_record(prepared: PreparedData) -> dict:
    """``{"fingerprint", "events", "report"}`` of prepared data: the fingerprint hashes the
    vocabularies and every encoded event, so a run cannot resume (weights by item index) on
    data whose indexes mean other items."""
    return {"fingerprint": data_fingerprint(prepared.vocabularies,
                                            lambda name: [getattr(prepared.encoded, name)]),
            "events": int(len(prepared.log.events)), "report": prepared.log.report.to_dict()}


def data_fingerprint(vocabularies: Vocabularies,
                     pieces: Callable[[str], Iterable[np.ndarray]]) -> str:
    """The fingerprint of :func:`data_record`, with each encoded field given in pieces:
    ``pieces(name)`` yields consecutive parts of the field ``name`` of
    :class:`~recsys_tf.data.vocabularies.EncodedEvents` (a log prepared a part at a time
    hashes as the whole log would)."""
    digest = hashlib.sha256()
    named = [(name, getattr(vocabularies, name)) for name in
             ("item_id", "event_type", "domain", "category")]
    named += sorted(vocabularies.user_features.items())
    for name, vocabulary in named:
        digest.update(f"{name}\x00{len(vocabulary.tokens)}\x00".encode())
        digest.update("\x00".join(map(str, vocabulary.tokens)).encode())
    for field in dataclasses.fields(EncodedEvents):
        if field.name == "user_features":
            continue
        digest.update(field.name.encode())
        first = True
        for value in pieces(field.name):
            if value.dtype != object:
                digest.update(np.ascontiguousarray(value).tobytes())
            elif len(value):
                digest.update(("" if first else "\x00").encode())
                digest.update("\x00".join(map(str, value)).encode())
                first = False
    return digest.hexdigest()


def write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """``write(temporary path)`` then rename it onto ``path``: a reader never sees half a
    file, and a crash leaves the previous version."""
    path = Path(path)
    temporary = path.with_name(f"tmp-{path.name}")
    write(str(temporary))
    os.replace(temporary, path)


class RunDirectory:
    """The run directory of one experiment on one dataset.

    Args:
        path: the directory (created by :meth:`claim`).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"{self.path} is a file, not a run directory; pass another "
                             "--output")

    @property
    def has_checkpoint(self) -> bool:
        return (self.path / "checkpoints" / "state.json").is_file()

    def check(self, experiment: ExperimentConfig, data: dict) -> None:
        """Refuses (before anything is written) a directory that holds a run of another
        experiment, or of the same experiment on other data. A directory whose run never
        finished an epoch holds nothing to resume: any experiment may take it over."""
        if not self.has_checkpoint:
            return
        saved = self.path / "experiment.json"
        if saved.is_file():
            previous = _with_defaults(_read_json(saved))
            # More (or fewer) epochs continue the same run.
            if _without_epochs(previous) != _without_epochs(experiment.to_dict()):
                raise ValueError(f"{self.path} holds a different run (experiment.json differs);"
                                 " use a new --output directory.")
        recorded = self.path / "data.json"
        if recorded.is_file():
            fingerprint = _read_json(recorded).get("fingerprint")
            if fingerprint != data["fingerprint"]:
                raise ValueError(
                    f"{self.path} was trained on other data (its data.json fingerprint "
                    f"{str(fingerprint)[:12]} is not this data's {data['fingerprint'][:12]}): "
                    "resuming would load weights onto items whose indexes changed. Train into "
                    "a new --output, or --warm-start from the finished run.")

    def claim(self, experiment: ExperimentConfig, data: dict,
              vocabularies: Vocabularies) -> None:
        """:meth:`check`, then writes ``experiment.json``, ``data.json`` and the
        vocabularies."""
        self.check(experiment, data)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".write-check"
            probe.write_text("")
            probe.unlink()
        except OSError as error:
            raise ValueError(f"cannot write the run directory {self.path}: "
                             f"{error.strerror}") from None
        write_atomically(self.path / "experiment.json", lambda p: experiment.save(p))
        write_atomically(self.path / "data.json", lambda p: Path(p).write_text(
            json.dumps(data, indent=2) + "\n"))
        vocabularies.save(self.path)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: unreadable ({error}); is this a run directory?") from None


def _with_defaults(record: dict) -> dict:
    """A saved configuration with the fields added since it was written at their defaults
    (which leave the run unchanged), so an upgrade does not orphan runs; as saved where it no
    longer loads."""
    try:
        return ExperimentConfig.from_dict(record).to_dict()
    except (TypeError, ValueError):
        return record


def _without_epochs(record: dict) -> dict:
    return {**record, "train": {k: v for k, v in record.get("train", {}).items()
                                if k != "epochs"}}


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

    @staticmethod
    def check(directory: str | Path) -> Path:
        """Raises ``ValueError`` unless ``directory`` holds a finished run's files."""
        directory = Path(directory)
        missing = [name for name in ("model.keras", "vocabularies.json", "experiment.json")
                   if not (directory / name).is_file()]
        if missing:
            raise ValueError(f"{directory} has no {', '.join(missing)} (is it a finished run "
                             "directory of `recsys-tf train`?)")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> FinishedRun:
        import keras

        import recsys_tf.models  # noqa: F401  (registers the serialisable classes)
        import recsys_tf.optimizers  # noqa: F401  (and the optimizer saved with the model)

        directory = cls.check(directory)
        try:
            model = keras.models.load_model(directory / "model.keras")
        except Exception as error:  # zip, h5 and deserialisation errors have many types
            raise ValueError(f"{directory / 'model.keras'}: cannot be loaded "
                             f"({type(error).__name__}: {error}); the file is damaged or was "
                             "written by another version of recsys_tf") from None
        return cls(directory=directory, model=model,
                   vocabularies=Vocabularies.load(directory),
                   experiment=ExperimentConfig.from_dict(_read_json(directory /
                                                                    "experiment.json"),
                                                         source=str(directory /
                                                                    "experiment.json")))

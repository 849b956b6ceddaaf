"""The ``[tune]`` table of an experiment TOML: the declared search space and the search.

Example (appended to any experiment file, or alone with ``base``)::

    [tune]
    base = "ml-100k"              # optional: the experiment searched (a file or built-in name);
                                  # default: this file's own [data], [model], [train]
    algorithm = "random"          # or "bayesian" (needs scikit-learn)
    seed = 0

    [tune.model]
    embedding_dim = [32, 64, 128]                      # a list: one of these values
    dropout = {min = 0.1, max = 0.5, step = 0.1}       # a range (floats)
    tie_item_embeddings = [true, false]

    [tune.train]
    learning_rate = {min = 0.0005, max = 0.01, sampling = "log"}
    batch_size = {min = 64, max = 256, step = 64}      # a range (integers)

Only ``[model]`` and ``[train]`` keys are searched (the data is prepared once for all trials);
each must be a key the section knows. Trials are scored by validation NDCG@10 under the
project's full-ranking protocol (:mod:`recsys_tf.tuning.tuner`).
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from recsys_tf.configs import config_path
from recsys_tf.experiment.experiment_config import ExperimentConfig, TrainConfig
from recsys_tf.models.model_config import ModelConfig

ALGORITHMS = ("bayesian", "random")
SEARCHED_SECTIONS = ("model", "train")
NOT_SEARCHED = {"train": ("epochs", "seed", "strategy", "startup_timeout_s")}
RANGE_KEYS = {"min", "max", "step", "sampling"}
SAMPLINGS = ("linear", "log")


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One searched key: ``values`` (a choice) or ``low`` .. ``high`` (a range)."""

    section: str
    key: str
    values: tuple = ()
    low: float | int | None = None
    high: float | int | None = None
    step: float | int | None = None
    sampling: str = "linear"

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    def cast(self, value):
        """A trial's value as the config expects it (KerasTuner hands back a choice of booleans
        as 0/1 and ranges as NumPy scalars)."""
        if self.values:
            return type(self.values[0])(value)
        if isinstance(self.low, int) and isinstance(self.high, int) and (
                self.step is None or isinstance(self.step, int)):
            return int(value)
        return float(value)

    def add_to(self, hp) -> None:
        """Declares this dimension on a KerasTuner ``HyperParameters``."""
        if self.values:
            hp.Choice(self.name, list(self.values))
        elif isinstance(self.low, int) and isinstance(self.high, int) and (
                self.step is None or isinstance(self.step, int)):
            hp.Int(self.name, self.low, self.high, step=self.step, sampling=self.sampling)
        else:
            hp.Float(self.name, float(self.low), float(self.high),
                     step=None if self.step is None else float(self.step),
                     sampling=self.sampling)


@dataclasses.dataclass(frozen=True)
class TuneConfig:
    """The search: its dimensions, algorithm and seed."""

    dimensions: tuple[Dimension, ...]
    algorithm: str = "random"
    seed: int = 0
    base: str | None = None

    def hyperparameters(self):
        import keras_tuner

        hp = keras_tuner.HyperParameters()
        for dimension in self.dimensions:
            dimension.add_to(hp)
        return hp

    def typed(self, values: dict[str, Any]) -> dict[str, Any]:
        """A trial's values (``{"model.dropout": 0.3, ...}``) in the config's types, in the
        order of the search space."""
        return {d.name: d.cast(values[d.name]) for d in self.dimensions if d.name in values}

    def apply(self, experiment: ExperimentConfig, values: dict[str, Any]) -> ExperimentConfig:
        """``experiment`` with a trial's values set."""
        changes: dict[str, dict] = {}
        for name, value in self.typed(values).items():
            section, key = name.split(".", 1)
            changes.setdefault(section, {})[key] = value
        return experiment.replace(**changes)

    @classmethod
    def from_dict(cls, table: dict[str, Any], source: str = "[tune]") -> TuneConfig:
        unknown = set(table) - {"algorithm", "seed", "base", *SEARCHED_SECTIONS}
        if unknown:
            raise ValueError(f"{source}: unknown keys {sorted(unknown)}; a search space goes in "
                             "[tune.model] and [tune.train]")
        algorithm = table.get("algorithm", "random")
        if algorithm not in ALGORITHMS:
            raise ValueError(f"{source} algorithm must be one of {ALGORITHMS}. "
                             f"Received: {algorithm!r}")
        seed = table.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"{source} seed must be an integer. Received: {seed!r}")
        known = {"model": {f.name for f in dataclasses.fields(ModelConfig)},
                 "train": {f.name for f in dataclasses.fields(TrainConfig)}}
        dimensions = []
        for section in SEARCHED_SECTIONS:
            for key, spec in table.get(section, {}).items():
                where = f"{source}.{section} {key}"
                if key not in known[section] or key in NOT_SEARCHED.get(section, ()):
                    raise ValueError(f"{where}: not a searchable [{section}] key")
                dimensions.append(_dimension(section, key, spec, where))
        if not dimensions:
            raise ValueError(f"{source}: no search space (add [tune.model] or [tune.train] "
                             "keys)")
        base = table.get("base")
        if base is not None and not isinstance(base, str):
            raise ValueError(f"{source} base must be a config path or name. Received: {base!r}")
        return cls(tuple(dimensions), algorithm, seed, base)

    def experiment(self, path: str | Path) -> ExperimentConfig:
        """The experiment searched: ``base`` (relative to ``path``'s folder when it is a file
        there) or ``path`` itself."""
        if self.base is None:
            return ExperimentConfig.load(path)
        beside = config_path(path).parent / self.base
        return ExperimentConfig.load(beside if beside.is_file() else self.base)

    @classmethod
    def load(cls, path: str | Path) -> TuneConfig:
        """The ``[tune]`` table of an experiment file (or a built-in config by name)."""
        path = config_path(path)
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path}: not valid TOML: {error}") from None
        if "tune" not in values:
            raise ValueError(f"{path} has no [tune] table: declare the search space there "
                             "(docs/training.md, 'Hyper-parameter search')")
        return cls.from_dict(values["tune"], f"{path} [tune]")


def _dimension(section: str, key: str, spec, where: str) -> Dimension:
    if isinstance(spec, list):
        if not spec or any(isinstance(v, (dict, list)) for v in spec):
            raise ValueError(f"{where}: a choice must be a non-empty list of plain values")
        if len({type(v) for v in spec}) > 1:
            raise ValueError(f"{where}: a choice's values must have one type. Received: {spec}")
        return Dimension(section, key, values=tuple(spec))
    if isinstance(spec, dict):
        unknown = set(spec) - RANGE_KEYS
        if unknown or not {"min", "max"} <= set(spec):
            raise ValueError(f"{where}: a range is {{min, max[, step][, sampling]}}. "
                             f"Received: {spec}")
        low, high = spec["min"], spec["max"]
        numbers = [v for v in (low, high, spec.get("step")) if v is not None]
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in numbers):
            raise ValueError(f"{where}: min, max and step must be numbers. Received: {spec}")
        sampling = spec.get("sampling", "linear")
        if sampling not in SAMPLINGS:
            raise ValueError(f"{where}: sampling must be one of {SAMPLINGS}")
        if not low < high or (sampling == "log" and low <= 0):
            raise ValueError(f"{where}: need min < max (and min > 0 for log sampling). "
                             f"Received: {spec}")
        return Dimension(section, key, low=low, high=high, step=spec.get("step"),
                         sampling=sampling)
    raise ValueError(f"{where}: give a list of values or a {{min, max}} range. "
                     f"Received: {spec!r}")

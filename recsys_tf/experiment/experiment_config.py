"""Experiment configuration: ``[data]``, ``[model]`` and ``[train]`` tables of a TOML file.

Built-in configs (``recsys_tf/configs/``) are named without a path: ``synthetic``, ``ml-100k``,
``beauty``, ``food-kitchen`` (:func:`~recsys_tf.configs.config_path`). The built-in
``synthetic``, shortened::

    [data]
    format = "synthetic"
    target_domain = "media"

    [model]
    use_cross_domain = true

    [train]
    epochs = 8

Relative dataset paths are resolved against the current directory. The vocabulary sizes and
the text dimension of :class:`~recsys_tf.models.ModelConfig` come from the data; ``[model]``
sets the rest.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path
from typing import Any

from recsys_tf.config_types import check_field_types, check_values
from recsys_tf.configs import config_path
from recsys_tf.data.ingest import EventColumns
from recsys_tf.data.loaders import FORMATS
from recsys_tf.data.splits import SPLITS
from recsys_tf.models.model_config import ModelConfig
from recsys_tf.models.two_tower_model import LOSSES

TEXT_ENCODERS = ("pretrained", "tiny", "none")
TRAIN_LOSSES = ("auto", *LOSSES)
# `loss = "auto"`: the full softmax up to this many items, the sampled one above. A full-softmax
# step scores every item at every position (at 50,000 items and batch 256 × 50 positions, 41
# GFLOP for the logits alone); the sampled step's cost does not grow with the catalogue.
SAMPLED_LOSS_ABOVE_ITEMS = 50_000
OPTIMIZERS = ("auto", "adam", "lazy_adam")
STRATEGIES = ("auto", "one", "mirrored", "multiworker")
DATA_DERIVED = ("num_items", "num_event_types", "num_categories", "text_dim",
                "text_finetune_heads", "text_finetune_intermediate_dim")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Which data, how it is split and cut into sequences, and how item text is encoded.

    Args:
        format: a dataset format (see ``recsys-tf data inspect --help``).
        path: dataset file or directory (not for ``synthetic``).
        split: ``leave-one-out``, ``temporal`` or ``predefined``.
        target_domain: domain of the predicted items (the others feed the cross-domain tower).
        max_length, max_cross_length: sequence lengths.
        synthetic: keyword arguments of :class:`~recsys_tf.data.SyntheticConfig`.
        text_encoder: ``pretrained`` (all-MiniLM-L6-v2), ``tiny`` (random 1-layer BERT over the
            titles' words, for tests) or ``none``.
        cache_dir: where item text embeddings are cached.
        items, users: ``events-csv``: the item catalogue (``item_id, text, category, domain``)
            and the user table files.
        columns: ``events-csv``: the source column of a canonical event field, e.g.
            ``{ user_id = "uid", timestamp = "ts" }``
            (:class:`~recsys_tf.data.ingest.EventColumns`).
        sep, encoding: ``events-csv``: field separator and text encoding of its files.
        timestamp_unit: ``events-csv``: unit of numeric timestamps (``s``, ``ms``, ``us``,
            ``ns``).
    """

    format: str = "synthetic"
    path: str | None = None
    items: str | None = None
    users: str | None = None
    columns: dict = dataclasses.field(default_factory=dict)
    sep: str = ","
    encoding: str = "utf-8"
    timestamp_unit: str = "s"
    split: str = "leave-one-out"
    target_domain: str | None = None
    max_length: int = 50
    max_cross_length: int = 50
    synthetic: dict = dataclasses.field(default_factory=dict)
    text_encoder: str = "pretrained"
    cache_dir: str = "~/.cache/recsys_tf/text"

    def __post_init__(self):
        check_field_types(self, "[data]")
        if self.format not in FORMATS:
            raise ValueError(f"[data] format must be one of {FORMATS}. Received: {self.format!r}")
        if self.split not in SPLITS:
            raise ValueError(f"[data] split must be one of {SPLITS}. Received: {self.split!r}")
        csv_only = {"items": None, "users": None, "columns": {}, "sep": ",",
                    "encoding": "utf-8", "timestamp_unit": "s"}
        changed = [name for name, default in csv_only.items()
                   if getattr(self, name) not in (default, None)]
        if self.format != "events-csv" and changed:
            raise ValueError(f"[data] {', '.join(changed)} are for format 'events-csv'. "
                             f"Received them with format {self.format!r}")
        if self.max_length < 1 or self.max_cross_length < 1:
            raise ValueError("[data] max_length and max_cross_length must be >= 1.")
        if self.format == "synthetic":
            self.synthetic_config()
        known = {field.name for field in dataclasses.fields(EventColumns)}
        if set(self.columns) - known:
            raise ValueError(f"[data] columns: unknown fields {sorted(set(self.columns) - known)}"
                             f" (the canonical fields are {sorted(known)})")
        if self.text_encoder not in TEXT_ENCODERS:
            raise ValueError(f"[data] text_encoder must be one of {TEXT_ENCODERS}. "
                             f"Received: {self.text_encoder!r}")


    def synthetic_config(self):
        """The :class:`~recsys_tf.data.SyntheticConfig` of ``[data.synthetic]``."""
        from recsys_tf.data.synthetic import SyntheticConfig

        fields = {field.name for field in dataclasses.fields(SyntheticConfig)}
        unknown = sorted(set(self.synthetic) - fields)
        if unknown:
            raise ValueError(f"[data.synthetic] has unknown keys {unknown}; known: "
                             f"{sorted(fields)}")
        values = dict(self.synthetic)
        if isinstance(values.get("domains"), list):
            values["domains"] = tuple(values["domains"])
        check_values(SyntheticConfig, values, "[data.synthetic]")
        return SyntheticConfig(**values)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Optimisation, loss, early stopping and hardware switches.

    Args:
        epochs: maximum epochs.
        batch_size: global batch (split across replicas).
        learning_rate: Adam learning rate.
        text_learning_rate: learning rate of the fine-tuned BERT layers (``[model]
            text_finetune_layers`` > 0).
        loss: ``full`` softmax over the catalogue, ``sampled`` with logQ correction (and the
            topic head's category loss over a uniform sample of items), or ``auto``: full up
            to ``SAMPLED_LOSS_ABOVE_ITEMS`` (50,000) items, sampled above
            (:meth:`loss_for`).
        optimizer: ``adam``; ``lazy_adam``, Adam that moves only the embedding rows a step
            looked up (:class:`~recsys_tf.optimizers.lazy_adam.LazyAdam`: a step's cost no longer
            grows with the catalogue); or ``auto``: lazy with the sampled loss, whose steps
            touch a few thousand of the catalogue's rows (:meth:`lazy_for`).
        num_negatives: negatives per step of the sampled loss.
        topic_loss_weight: weight of the topic head's category loss.
        patience: epochs without a better validation NDCG@10 before stopping.
        seed: seeds weights, dropout and the per-epoch shuffles.
        short_history_copies: with a target domain, extra training examples per user with
            other-domain events, each with its target-domain history cut to its last 1–3
            events and the other domain's kept whole
            (:func:`~recsys_tf.data.examples.short_history_examples`); 0: none.
        eval_batch_size: targets per evaluation batch.
        mixed_precision: ``mixed_float16`` compute (GPU).
        jit_compile: XLA-compile the train step (uses the static-shape loss layout).
        strategy: ``auto`` (mirrored over all GPUs, else one device), ``one``, ``mirrored``,
            ``multiworker``.
        startup_timeout_s: ``multiworker``: how long a worker waits for every other worker of
            ``TF_CONFIG`` before it stops with an error naming the missing ones.
    """

    epochs: int = 20
    batch_size: int = 256
    learning_rate: float = 1e-3
    text_learning_rate: float = 2e-5
    loss: str = "auto"
    optimizer: str = "auto"
    num_negatives: int = 1000
    topic_loss_weight: float = 0.1
    patience: int = 3
    seed: int = 0
    short_history_copies: int = 0
    eval_batch_size: int = 1024
    mixed_precision: bool = False
    jit_compile: bool = False
    strategy: str = "auto"
    startup_timeout_s: float = 300.0

    def __post_init__(self):
        check_field_types(self, "[train]")
        for name in ("epochs", "batch_size", "patience", "eval_batch_size", "num_negatives"):
            if getattr(self, name) < 1:
                raise ValueError(f"[train] {name} must be >= 1. Received: "
                                 f"{getattr(self, name)}")
        if self.short_history_copies < 0:
            raise ValueError("[train] short_history_copies must be >= 0. Received: "
                             f"{self.short_history_copies}")
        if self.topic_loss_weight < 0 or self.startup_timeout_s <= 0:
            raise ValueError("[train] topic_loss_weight must be >= 0 and startup_timeout_s > 0.")
        for name in ("learning_rate", "text_learning_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"[train] {name} must be > 0. Received: {getattr(self, name)}")
        if self.loss not in TRAIN_LOSSES:
            raise ValueError(f"[train] loss must be one of {TRAIN_LOSSES}. "
                             f"Received: {self.loss!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"[train] optimizer must be one of {OPTIMIZERS}. "
                             f"Received: {self.optimizer!r}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"[train] strategy must be one of {STRATEGIES}. "
                             f"Received: {self.strategy!r}")

    def loss_for(self, num_items: int) -> str:
        """The loss trained for a catalogue of ``num_items`` (``auto`` resolved).

        >>> TrainConfig().loss_for(12_103), TrainConfig().loss_for(1_000_002)
        ('full', 'sampled')
        """
        if self.loss != "auto":
            return self.loss
        return "sampled" if num_items > SAMPLED_LOSS_ABOVE_ITEMS else "full"

    def lazy_for(self, loss: str) -> bool:
        """Whether Adam is lazy on embedding rows when training with ``loss`` (``full`` or
        ``sampled``). With the full softmax every item row gets a gradient at every step, so
        ``auto`` keeps Adam's dense update there.

        >>> TrainConfig().lazy_for("full"), TrainConfig().lazy_for("sampled")
        (False, True)
        """
        if self.optimizer != "auto":
            return self.optimizer == "lazy_adam"
        return loss == "sampled"


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """A whole run: data, model switches and sizes (``[model]``), training."""

    data: DataConfig = DataConfig()
    model: dict = dataclasses.field(default_factory=dict)
    train: TrainConfig = TrainConfig()

    def __post_init__(self):
        fields = {f.name for f in dataclasses.fields(ModelConfig)}
        unknown = set(self.model) - fields
        derived = set(self.model) & set(DATA_DERIVED)
        if unknown:
            raise ValueError(f"[model] has unknown keys {sorted(unknown)}; known: "
                             f"{sorted(fields - set(DATA_DERIVED))}")
        if derived:
            raise ValueError(f"[model] keys {sorted(derived)} come from the data; remove them.")
        check_values(ModelConfig, self.model, "[model]")

    def replace(self, **sections: dict) -> ExperimentConfig:
        """A copy with some fields of some sections replaced, e.g. ``train={"epochs": 2}``."""
        values = {}
        for name, changes in sections.items():
            current = getattr(self, name)
            values[name] = ({**current, **changes} if isinstance(current, dict)
                            else dataclasses.replace(current, **changes))
        return dataclasses.replace(self, **values)

    def to_dict(self) -> dict[str, Any]:
        return {"data": dataclasses.asdict(self.data), "model": dict(self.model),
                "train": dataclasses.asdict(self.train)}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "config") -> ExperimentConfig:
        # [tune] is the search space of `recsys-tf tune` (recsys_tf/tuning); a run ignores it.
        unknown = set(values) - {"data", "model", "train", "tune"}
        if unknown:
            raise ValueError(f"{source}: unknown sections {sorted(unknown)} (expected [data], "
                             "[model], [train], [tune])")
        try:
            return cls(data=DataConfig(**values.get("data", {})),
                       model=dict(values.get("model", {})),
                       train=TrainConfig(**values.get("train", {})))
        except TypeError as error:  # unexpected keyword
            raise ValueError(f"{source}: {error}") from None
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None

    @classmethod
    def load(cls, path: str | Path) -> ExperimentConfig:
        """Reads a ``.toml`` (or a saved ``.json``) experiment file, or a built-in config by
        name (:func:`~recsys_tf.configs.config_path`)."""
        path = config_path(path)
        text = path.read_text(encoding="utf-8")
        try:
            values = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: not valid {path.suffix[1:].upper()}: {error}") from None
        return cls.from_dict(values, source=str(path))


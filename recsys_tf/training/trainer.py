"""Training entry point: ``train(experiment, output_dir) -> metrics`` (wrapped by the CLI).

The run directory's files: :mod:`~recsys_tf.experiment.run_directory`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras
import numpy as np

from recsys_tf.data.examples import short_history_examples
from recsys_tf.data.pipeline import epoch_dataset
from recsys_tf.data.progress import keras_verbose
from recsys_tf.data.shards import SHUFFLE_BUFFER, shard_epochs
from recsys_tf.data.vocabularies import Vocabularies
from recsys_tf.experiment.experiment_config import ExperimentConfig, TrainConfig
from recsys_tf.experiment.prepared_data import PreparedData, prepare_data, sentence_encoder
from recsys_tf.experiment.run_directory import (
    FinishedRun,
    RunDirectory,
    data_record,
    write_atomically,
)
from recsys_tf.json_values import strict_json
from recsys_tf.models import ModelConfig, TwoTowerModel
from recsys_tf.optimizers.finetune_adam import FineTuneAdam
from recsys_tf.optimizers.lazy_adam import LazyAdam
from recsys_tf.training.early_stopping_checkpoint import EarlyStoppingCheckpoint
from recsys_tf.training.multiworker_loop import fit_multiworker, memory_batches, shard_batches
from recsys_tf.training.ranking_validation import RankingValidation
from recsys_tf.training.strategies import make_strategy, worker_role
from recsys_tf.training.text_id_init import init_ids_from_text
from recsys_tf.training.text_to_id_fit import fit_text_to_id
from recsys_tf.training.transition_fit import fit_transition_prior

MONITOR = "val_ndcg@10"


def text_encoder_states(experiment: ExperimentConfig, prepared: PreparedData):
    """``(backbone, states, mask)`` for fine-tuning the top text-encoder layers, or None.

    The frozen lower layers run once over every title here (like the cached embeddings);
    :class:`~recsys_tf.layers.TextEncoderTop` trains the top ``text_finetune_layers`` on them.
    """
    layers = experiment.model.get("text_finetune_layers", 0)
    if not layers:
        return None
    if prepared.item_titles is None:
        raise ValueError("[model] text_finetune_layers needs item text ([data] text_encoder).")
    if experiment.train.jit_compile:
        raise ValueError("[model] text_finetune_layers does not work with [train] jit_compile "
                         "(the encoder runs on each batch's distinct items, a dynamic shape).")
    tokens = experiment.model.get("text_finetune_tokens", ModelConfig.text_finetune_tokens)
    encoder = sentence_encoder(experiment.data, prepared.item_titles)
    states, mask = encoder.lower_states(prepared.item_titles, top_layers=layers,
                                        num_tokens=tokens)
    mask[:2] = False  # PAD / OOV have no text
    return encoder.backbone, states, mask


def build_model(experiment: ExperimentConfig, prepared: PreparedData,
                text_states=None) -> TwoTowerModel:
    """A :class:`TwoTowerModel` sized for ``prepared`` with its item tables filled.

    ``text_states``: :func:`text_encoder_states` when ``[model] text_finetune_layers`` > 0.
    """
    text_dim = 0 if prepared.item_text is None else int(prepared.item_text.shape[1])
    derived = {}
    if experiment.model.get("text_finetune_layers", 0):
        if text_states is None:
            raise ValueError("Fine-tuning the text encoder needs `text_states` "
                             "(text_encoder_states(experiment, prepared)).")
        backbone = text_states[0]
        derived = {"text_finetune_heads": backbone.num_heads,
                   "text_finetune_intermediate_dim": backbone.intermediate_dim}
    config = ModelConfig(num_items=prepared.num_items,
                         num_event_types=len(prepared.vocabularies.event_type),
                         num_categories=prepared.num_categories, text_dim=text_dim,
                         **derived, **experiment.model)
    if config.use_cross_domain and "cross_item_ids" not in prepared.train:
        raise ValueError("[model] use_cross_domain needs [data] target_domain (the other "
                         "domains form the cross-domain stream).")
    train = experiment.train
    previous = keras.config.dtype_policy()
    if train.mixed_precision:  # float16 compute, float32 variables; logits and losses float32
        keras.config.set_dtype_policy("mixed_float16")
    try:
        model = TwoTowerModel(config, loss=train.loss_for(prepared.num_items),
                              num_negatives=train.num_negatives,
                              topic_loss_weight=train.topic_loss_weight,
                              dense_positions=train.jit_compile)
    finally:
        keras.config.set_dtype_policy(previous)
    model.set_catalogue(text_embeddings=prepared.item_text, categories=prepared.item_categories,
                        known=prepared.known_items, candidate_mask=prepared.candidate_mask,
                        sampling_probabilities=prepared.popularity + 1.0)
    if model.text_encoder is not None:
        backbone, states, mask = text_states
        model.text_encoder.set_states(states, mask)
        model.text_encoder.load_pretrained(backbone)
    if config.item_id_init == "text":
        init_ids_from_text(model)
    return model


def make_optimizer(settings: TrainConfig, model: TwoTowerModel) -> keras.optimizers.Optimizer:
    """Adam, lazy on embedding rows where ``[train] optimizer`` resolves so
    (:meth:`~recsys_tf.experiment.experiment_config.TrainConfig.lazy_for`); with a fine-tuned
    text encoder, its layers step at ``text_learning_rate``."""
    lazy = settings.lazy_for(model.loss_name)
    if model.text_encoder is None:
        return LazyAdam(settings.learning_rate, lazy=lazy)
    return FineTuneAdam(settings.learning_rate, slow_learning_rate=settings.text_learning_rate,
                        slow_prefix=model.text_encoder.name + "/", lazy=lazy)


def train(experiment: ExperimentConfig, output_dir: str | Path, *, epochs: int | None = None,
          strategy: str | None = None, warm_start: str | Path | None = None,
          verbose: int | None = None, prepared: PreparedData | None = None,
          shards: str | Path | None = None, log=None) -> dict:
    """Trains (or resumes) a run; returns the metrics also written to ``metrics.json``.

    The same steps for every strategy: the strategy (first: a multi-worker one must exist
    before other TensorFlow work), the data, the model and its warm start, the run directory's
    claim (nothing is written before the configuration, data and model are known to be
    good), then the epochs — Keras ``fit``, or the custom loop of
    :mod:`~recsys_tf.training.multiworker_loop` — and the finish (best weights, the
    text→id mapper, the transition prior, metrics).

    Args:
        experiment: the configuration.
        output_dir: run directory; if it holds checkpoints of the same experiment on the same
            data, training resumes after the last completed epoch.
        epochs: overrides ``[train] epochs``.
        strategy: overrides ``[train] strategy``.
        warm_start: a finished run directory: start from its weights and vocabularies (the
            feedback loop: continue on newer events; their unknown items map to OOV).
        verbose: Keras ``fit`` verbosity (default: a bar on a terminal, a line per epoch in
            a log; :func:`~recsys_tf.data.progress.keras_verbose`).
        prepared: already prepared data (tests, benchmarks); else prepared from the config.
        shards: a ``recsys-tf data prepare`` folder of the same data: training batches are
            read from its files (under ``multiworker``, each worker reads only its own)
            instead of the in-memory examples; validation and test stay in memory.
        log: where progress notes go.

    Raises:
        ValueError: a bad configuration, data or directory (before anything is written).
        TrainingDiverged: the loss became NaN or infinite (the last good epoch is kept;
            :mod:`~recsys_tf.training.errors`).
    """
    from recsys_tf.evaluation.run_report import evaluate_prepared

    log = log or _print
    if epochs is not None:
        experiment = experiment.replace(train={"epochs": epochs})
    if strategy is not None:
        experiment = experiment.replace(train={"strategy": strategy})
    settings = experiment.train
    directory = RunDirectory(output_dir)
    if warm_start:
        FinishedRun.check(warm_start)
    distribution = make_strategy(settings.strategy,
                                 startup_timeout_s=settings.startup_timeout_s)
    is_chief, worker = worker_role(distribution)

    started = time.perf_counter()
    if prepared is None:
        vocabularies = Vocabularies.load(warm_start) if warm_start else None
        prepared = prepare_data(experiment.data, vocabularies=vocabularies)
    data = data_record(prepared)
    if prepared.log.report.total_dropped or prepared.log.report.altered:
        log(f"data: {len(prepared.log.events)} events kept; " + prepared.log.report.format())
    prepare_seconds = time.perf_counter() - started
    shard_entry = None if shards is None else training_shards(shards, data["fingerprint"])
    examples = training_set(settings, prepared, sharded=shard_entry is not None)

    text_states = text_encoder_states(experiment, prepared)
    # Seed here, not earlier: loading a text encoder draws random initial weights, and a run
    # must not depend on whether its data preparation did.
    keras.utils.set_random_seed(settings.seed)
    multi_worker = settings.strategy == "multiworker"
    with distribution.scope():
        model = build_model(experiment, prepared, text_states)
        if warm_start:
            model.load_weights(Path(warm_start) / "model.keras")
        optimizer = make_optimizer(settings, model)
        if not multi_worker:
            model.compile(optimizer=optimizer, jit_compile=settings.jit_compile)
        optimizer.build(model.trainable_variables)
    if multi_worker:
        model.optimizer = optimizer  # saved with the weights, like a compiled model's

    if is_chief:
        directory.claim(experiment, data, prepared.vocabularies)
        output = directory.path
    else:  # trains beside the chief; checkpoints in a scratch folder inside the run
        directory.check(experiment, data)
        output = directory.path / f".worker-{worker}"
        output.mkdir(parents=True, exist_ok=True)
    checkpoint = EarlyStoppingCheckpoint(output / "checkpoints", MONITOR, settings.patience)
    first_epoch = checkpoint.restore(model)
    files_read: set[str] = set()
    started = time.perf_counter()
    if first_epoch < settings.epochs and checkpoint.state["wait"] < settings.patience:
        validation = RankingValidation(prepared.valid, prepared.valid_history,
                                       prepared.candidate_mask, settings.eval_batch_size)
        batch = {"batch_size": settings.batch_size, "seed": settings.seed,
                 "feature_keys": model.input_names}
        if multi_worker:
            batches = (memory_batches(distribution, examples, **batch)
                       if shard_entry is None else
                       shard_batches(distribution, shards, shard_entry, **batch,
                                     files_read=files_read))
            fit_multiworker(model, optimizer, distribution, batches,
                            first_epoch=first_epoch, epochs=settings.epochs,
                            callbacks=[validation, checkpoint],
                            log=lambda line: log(f"worker {worker} {line}"))
        else:
            epochs_range = {"first_epoch": first_epoch, "last_epoch": settings.epochs}
            if shard_entry is None:
                dataset, steps = epoch_dataset(examples, **batch, **epochs_range)
            else:
                dataset, steps = shard_epochs(shards, shard_entry, **batch, **epochs_range,
                                              shuffle_buffer=SHUFFLE_BUFFER)
                files_read.update(shard_entry["files"])
            model.fit(dataset, epochs=settings.epochs, initial_epoch=first_epoch,
                      steps_per_epoch=steps, shuffle=False,
                      callbacks=[validation, checkpoint,
                                 keras.callbacks.TensorBoard(str(output / "logs"))],
                      verbose=keras_verbose() if verbose is None else verbose)
    train_seconds = time.perf_counter() - started
    model.load_weights(output / "checkpoints" / "best.weights.h5")
    mapper = fit_text_to_id(model, prepared.popularity, seed=settings.seed)
    if mapper is not None:
        log(f"text→id mapper: l2 {mapper.l2:g}, held-out warm cosine {mapper.valid_cosine:.3f}; "
            f"{mapper.mapped_items} items without training events mapped from their text")
    prior = fit_prior(model, prepared, settings.eval_batch_size, log=log)
    metrics = {
        "experiment": experiment.to_dict(),
        "best_epoch": checkpoint.state["best_epoch"],
        "history": checkpoint.state["history"],
        "resumed_from_epoch": first_epoch,
        "warm_start": str(warm_start) if warm_start else None,
        "workers": distribution.num_replicas_in_sync if multi_worker else None,
        "input": {"shards": None if shards is None else str(shards),
                  "files": sorted(files_read)},
        "seconds": {"prepare": round(prepare_seconds, 2), "train": round(train_seconds, 2)},
        "data": data,
        "text_to_id": mapper.to_dict() if mapper is not None else None,
        **prior,
        **evaluate_prepared(model, prepared, batch_size=settings.eval_batch_size),
    }
    if is_chief:
        write_atomically(output / "model.keras", model.save)
        write_atomically(output / "metrics.json", lambda path: Path(path).write_text(
            json.dumps(strict_json(metrics), indent=2, allow_nan=False) + "\n"))
    return metrics


def training_set(settings: TrainConfig, prepared: PreparedData, *,
                 sharded: bool = False) -> dict[str, np.ndarray]:
    """The in-memory training examples: the prepared windows and, with ``[train]
    short_history_copies``, the short-history copies seeded by ``[train] seed``."""
    copies = settings.short_history_copies
    if not copies:
        return prepared.train
    if prepared.sequence.target_domain is None:
        raise ValueError("[train] short_history_copies needs data with a target domain "
                         "([data] target_domain): it cuts the target domain's history and "
                         "keeps the other domains'.")
    if sharded:
        raise ValueError("[train] short_history_copies is made from the in-memory events; "
                         "train without `--shards` or set it to 0.")
    extra = short_history_examples(prepared.encoded, prepared.sequence,
                                   train=prepared.split.train, copies=copies,
                                   seed=settings.seed,
                                   domain_vocabulary=prepared.vocabularies.domain)
    return {key: np.concatenate([values, extra[key]]) for key, values in prepared.train.items()}


def training_shards(folder: str | Path, fingerprint: str) -> dict:
    """The ``train`` entry of a shard folder's manifest, checked to hold the data being
    trained on (the same fingerprint)."""
    from recsys_tf.experiment.shard_files import read_manifest

    manifest = read_manifest(folder)
    if manifest["fingerprint"] != fingerprint:
        raise ValueError(
            f"{folder}: the shards were written from other data (fingerprint "
            f"{manifest['fingerprint'][:12]}, this config's data {fingerprint[:12]}); write "
            "them again with `recsys-tf data prepare` and this config.")
    return manifest["splits"]["train"]


def fit_prior(model: TwoTowerModel, prepared: PreparedData, batch_size: int,
              log=None) -> dict:
    """With ``use_transitions``: fills the transition prior from the training data and fits its
    weights on validation (:mod:`~recsys_tf.training.transition_fit`); returns
    ``{"transition_prior": ...}`` for ``metrics.json`` (``{}`` without the prior)."""
    if model.retrieval_score.transitions is None:
        return {}
    fit = fit_transition_prior(model, prepared, batch_size=batch_size)
    log = log or _print
    log(f"transition prior: weights log-count {fit.log_count:g}, share {fit.share:g} "
        f"(validation NDCG@10 {fit.without_prior_ndcg:.4f} -> {fit.valid_ndcg:.4f}); "
        f"{fit.dropped_transitions} of {fit.transitions} training transitions not kept "
        f"(an item keeps its {model.config.max_successors} most frequent next items)")
    return {"transition_prior": fit.to_dict()}




def _print(line: str) -> None:
    print(line, flush=True)

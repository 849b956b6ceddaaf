"""Multi-worker training with a custom loop over ``MultiWorkerMirroredStrategy``.

Keras 3 ``fit`` does not work under MultiWorkerMirroredStrategy (keras-team/keras#20585), so
each worker runs this loop: the same seeded data on every worker, each global batch split
across all replicas of all workers, gradients all-reduced by the optimizer. Every worker
validates (same weights, same result, so early stopping agrees); only the chief writes the run
directory, the others write to a scratch directory inside it.

Start one process per worker with ``TF_CONFIG`` set, e.g. for two workers on one host::

    TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:12345", "127.0.0.1:12346"]},
                "task": {"type": "worker", "index": 0}}' \\
        recsys-tf train --config synthetic --strategy multiworker
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras
import tensorflow as tf

from recsys_tf.data.pipeline import epoch_dataset
from recsys_tf.experiment.experiment_config import ExperimentConfig
from recsys_tf.experiment.prepared_data import PreparedData, prepare_data
from recsys_tf.training.early_stopping_checkpoint import EarlyStoppingCheckpoint
from recsys_tf.training.ranking_validation import RankingValidation


def train_multiworker(experiment: ExperimentConfig, output: Path, *,
                      prepared: PreparedData | None = None) -> dict:
    """Trains with the custom loop on this worker; returns the chief's metrics."""
    from recsys_tf.evaluation.run_report import evaluate_prepared
    from recsys_tf.training.trainer import (
        MONITOR,
        build_model,
        fit_prior,
        make_optimizer,
        text_encoder_states,
    )

    settings = experiment.train
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    resolver = strategy.cluster_resolver
    task_type, task_id = resolver.task_type, resolver.task_id
    is_chief = task_type in (None, "chief") or (task_type == "worker" and task_id == 0
                                                and "chief" not in resolver.cluster_spec().jobs)
    directory = Path(output) if is_chief else Path(output) / f".worker-{task_type}-{task_id}"
    directory.mkdir(parents=True, exist_ok=True)
    prepared = prepared or prepare_data(experiment.data)
    if is_chief:
        experiment.save(directory / "experiment.json")
        prepared.vocabularies.save(directory)
    text_states = text_encoder_states(experiment, prepared)
    keras.utils.set_random_seed(settings.seed)

    with strategy.scope():
        model = build_model(experiment, prepared, text_states)
        optimizer = make_optimizer(settings, model)
        optimizer.build(model.trainable_variables)
    model.optimizer = optimizer  # saved with the weights, like a compiled model's

    checkpoint = EarlyStoppingCheckpoint(directory / "checkpoints", MONITOR, settings.patience)
    validation = RankingValidation(prepared.valid, prepared.valid_history,
                                   prepared.candidate_mask, settings.eval_batch_size)
    for callback in (checkpoint, validation):
        callback.set_model(model)
    first_epoch = checkpoint.restore(model)
    validation.on_train_begin()
    model.stop_training = False  # set by the checkpoint's early stopping

    @tf.function
    def train_step(features, labels):
        def replica_step(features, labels):
            with tf.GradientTape() as tape:
                predictions = model(features, training=True)
                loss = model.compute_loss(features, labels, predictions, training=True)
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(gradients, model.trainable_variables)
            return loss

        losses = strategy.run(replica_step, args=(features, labels))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

    started = time.perf_counter()
    for epoch in range(first_epoch, settings.epochs):
        dataset, steps = epoch_dataset(prepared.train, batch_size=settings.batch_size,
                                       seed=settings.seed, first_epoch=epoch,
                                       last_epoch=epoch + 1, feature_keys=model.input_names)
        total = 0.0
        for features, labels in strategy.experimental_distribute_dataset(dataset):
            total += float(train_step(features, labels))
        logs = {"loss": total / steps}
        validation.on_epoch_end(epoch, logs)
        checkpoint.on_epoch_end(epoch, logs)
        print(f"worker {task_id} epoch {epoch + 1}/{settings.epochs} " +
              " ".join(f"{k}={v:.4f}" for k, v in logs.items()), flush=True)
        if model.stop_training:
            break
    model.load_weights(directory / "checkpoints" / "best.weights.h5")
    prior = fit_prior(model, prepared, settings.eval_batch_size)
    metrics = {"experiment": experiment.to_dict(), "best_epoch": checkpoint.state["best_epoch"],
               "history": checkpoint.state["history"], "resumed_from_epoch": first_epoch,
               "workers": strategy.num_replicas_in_sync,
               "seconds": {"train": round(time.perf_counter() - started, 2)}, **prior,
               **evaluate_prepared(model, prepared, batch_size=settings.eval_batch_size)}
    if is_chief:
        model.save(directory / "model.keras")
        (directory / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics

"""The epochs of a multi-worker run: a custom loop over ``MultiWorkerMirroredStrategy``.

Keras 3 ``fit`` does not work under MultiWorkerMirroredStrategy (keras-team/keras#20585), so
each worker runs this loop: the same seeded data on every worker, each global batch split
across all replicas of all workers, gradients all-reduced by the optimizer. Every worker
validates (same weights, same result, so early stopping agrees). Everything before and after
the epochs (data, run directory, warm start, the prior, metrics) is
:func:`~recsys_tf.training.trainer.train`'s, the same as for ``fit``.

The batches come from :func:`memory_batches` (every worker holds the examples and keeps its
share of each global batch) or :func:`shard_batches` (``distribute_datasets_from_function``:
each worker reads only its own shard files).

Start one process per worker with ``TF_CONFIG`` set, e.g. for two workers on one host::

    TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:12345", "127.0.0.1:12346"]},
                "task": {"type": "worker", "index": 0}}' \\
        recsys-tf train --config synthetic --strategy multiworker
"""

from __future__ import annotations

import keras
import tensorflow as tf

from recsys_tf.data.pipeline import epoch_dataset
from recsys_tf.data.shards import SHUFFLE_BUFFER, epoch_steps, shard_epochs, shard_files


def memory_batches(strategy: tf.distribute.Strategy, train: dict, *, batch_size: int,
                   seed: int, feature_keys: list[str]):
    """``epoch -> (distributed batches, steps)`` from in-memory examples."""
    def batches(epoch):
        dataset, steps = epoch_dataset(train, batch_size=batch_size, seed=seed,
                                       first_epoch=epoch, last_epoch=epoch + 1,
                                       feature_keys=feature_keys)
        return strategy.experimental_distribute_dataset(dataset), steps

    return batches


def shard_batches(strategy: tf.distribute.Strategy, folder, entry: dict, *, batch_size: int,
                  seed: int, feature_keys: list[str], files_read: set | None = None):
    """``epoch -> (distributed batches, steps)`` read from shard files, each input pipeline
    its own files (:func:`~recsys_tf.data.shards.shard_epochs`); the names this worker read
    are added to ``files_read``."""
    steps = epoch_steps(entry, batch_size)

    def batches(epoch):
        def dataset_fn(context):
            if files_read is not None:
                files_read.update(shard_files(entry, context))
            return shard_epochs(folder, entry, batch_size=batch_size, seed=seed,
                                first_epoch=epoch, last_epoch=epoch + 1,
                                shuffle_buffer=SHUFFLE_BUFFER, feature_keys=feature_keys,
                                input_context=context)[0]

        return strategy.distribute_datasets_from_function(dataset_fn), steps

    return batches


def fit_multiworker(model, optimizer, strategy: tf.distribute.Strategy, batches, *,
                    first_epoch: int, epochs: int, callbacks: list[keras.callbacks.Callback],
                    log=print) -> None:
    """Trains ``model`` (built in ``strategy``'s scope) from ``first_epoch`` to ``epochs`` on
    ``batches(epoch) -> (distributed batches, steps)`` (:func:`memory_batches`,
    :func:`shard_batches`), calling each callback's ``on_epoch_end`` as ``fit`` would; stops
    when one sets ``model.stop_training``."""
    for callback in callbacks:
        callback.set_model(model)
        callback.on_train_begin()
    model.stop_training = False

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

    for epoch in range(first_epoch, epochs):
        distributed, steps = batches(epoch)
        total = 0.0
        for features, labels in distributed:
            total += float(train_step(features, labels))
        logs = {"loss": total / steps}
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        log(f"epoch {epoch + 1}/{epochs} " + " ".join(f"{k}={v:.4f}" for k, v in logs.items()))
        if model.stop_training:
            break

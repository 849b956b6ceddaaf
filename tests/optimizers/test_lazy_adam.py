"""LazyAdam: Adam's update on the rows a sparse gradient names, nothing on the others."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.experiment.experiment_config import TrainConfig
from recsys_tf.optimizers.finetune_adam import FineTuneAdam
from recsys_tf.optimizers.lazy_adam import LazyAdam
from recsys_tf.training.trainer import make_optimizer as trainer_optimizer

ROWS, DIM, LR, B1, B2, EPS = 6, 3, 0.05, 0.9, 0.999, 1e-7


def reference_lazy_adam(table, steps):
    """Per-row Adam written out: a row's moments decay only at the steps that name it; the
    bias correction uses the global step (tf.compat.v1 LazyAdamOptimizer)."""
    table, m, v = table.copy(), np.zeros_like(table), np.zeros_like(table)
    for t, (indices, values) in enumerate(steps, start=1):
        grad = np.zeros_like(table)
        np.add.at(grad, indices, values)
        rows = np.unique(indices)
        m[rows] = B1 * m[rows] + (1 - B1) * grad[rows]
        v[rows] = B2 * v[rows] + (1 - B2) * grad[rows] ** 2
        alpha = LR * np.sqrt(1 - B2 ** t) / (1 - B1 ** t)
        table[rows] -= alpha * m[rows] / (np.sqrt(v[rows]) + EPS)
    return table, m, v


def sparse_steps(seed=0):
    rng = np.random.default_rng(seed)
    # Row 5 is never named; row 1 twice in the first step (its gradients add up).
    indices = [np.array([1, 1, 3]), np.array([0, 2]), np.array([3, 4, 1, 0])]
    return [(i, rng.normal(size=(len(i), DIM)).astype("float32")) for i in indices]


def run(make_optimizer, table, steps, strategy=None):
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        optimizer = make_optimizer()
        variable = keras.Variable(table)
        optimizer.build([variable])

    @tf.function
    def step(indices, values):
        gradient = tf.IndexedSlices(values, indices, tf.constant([ROWS, DIM]))
        strategy.run(lambda: optimizer.apply_gradients([(gradient, variable)]))

    for indices, values in steps:
        step(tf.constant(indices), tf.constant(values))
    return variable, optimizer


@pytest.mark.parametrize("strategy", ["default", "mirrored"])
def test_sparse_steps_match_per_row_adam_and_leave_other_rows_alone(strategy):
    table = np.random.default_rng(1).normal(size=(ROWS, DIM)).astype("float32")
    strategy = (None if strategy == "default"
                else tf.distribute.MirroredStrategy(["/cpu:0"]))
    variable, optimizer = run(lambda: LazyAdam(LR), table, sparse_steps(), strategy)
    expected, m, v = reference_lazy_adam(table, sparse_steps())
    np.testing.assert_allclose(np.asarray(variable), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(optimizer._momentums[0]), m, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.asarray(optimizer._velocities[0]), v, rtol=1e-4, atol=1e-9)
    np.testing.assert_array_equal(np.asarray(variable)[5], table[5])


def test_rows_named_at_every_step_move_as_with_keras_adam():
    table = np.random.default_rng(2).normal(size=(ROWS, DIM)).astype("float32")
    rng = np.random.default_rng(3)
    every_row = [(np.arange(ROWS), rng.normal(size=(ROWS, DIM)).astype("float32"))
                 for _ in range(3)]
    lazy, _ = run(lambda: LazyAdam(LR), table, every_row)
    dense, _ = run(lambda: keras.optimizers.Adam(LR), table, every_row)
    np.testing.assert_allclose(np.asarray(lazy), np.asarray(dense), rtol=1e-5, atol=1e-6)
    # Not lazy: Keras's Adam, which decays and moves rows no step named.
    eager_rows, _ = run(lambda: LazyAdam(LR, lazy=False), table, sparse_steps())
    keras_adam, _ = run(lambda: keras.optimizers.Adam(LR), table, sparse_steps())
    np.testing.assert_allclose(np.asarray(eager_rows), np.asarray(keras_adam), rtol=1e-6)
    assert not np.allclose(np.asarray(eager_rows)[:, 0], reference_lazy_adam(
        table, sparse_steps())[0][:, 0])


def test_dense_gradients_get_adams_update():
    lazy = keras.Variable(np.ones(3, "float32"))
    plain = keras.Variable(np.ones(3, "float32"))
    for optimizer, variable in ((LazyAdam(LR), lazy), (keras.optimizers.Adam(LR), plain)):
        optimizer.build([variable])
        for gradient in ([1.0, -2.0, 0.5], [0.3, 0.3, -1.0]):
            optimizer.apply([tf.constant(gradient)], [variable])
    np.testing.assert_allclose(np.asarray(lazy), np.asarray(plain), rtol=1e-6)


def test_round_trips_its_config_and_rejects_amsgrad():
    assert LazyAdam.from_config(LazyAdam(LR, lazy=False).get_config()).lazy is False
    assert FineTuneAdam.from_config(FineTuneAdam(LR, lazy=True).get_config()).lazy is True
    with pytest.raises(ValueError, match="amsgrad"):
        LazyAdam(LR, amsgrad=True)


class _Model:
    text_encoder = None

    def __init__(self, loss_name):
        self.loss_name = loss_name


@pytest.mark.parametrize("setting, loss, lazy", [
    ("auto", "full", False), ("auto", "sampled", True), ("adam", "sampled", False),
    ("lazy_adam", "full", True)])
def test_the_trainer_is_lazy_with_the_sampled_loss_unless_told(setting, loss, lazy):
    optimizer = trainer_optimizer(TrainConfig(optimizer=setting), _Model(loss))
    assert isinstance(optimizer, LazyAdam) and optimizer.lazy is lazy
    with pytest.raises(ValueError, match=r"\[train\] optimizer must be one of"):
        TrainConfig(optimizer="sgd")

"""Adam that updates only the embedding rows a step touched (lazy, or sparse, Adam)."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="recsys_tf")
class LazyAdam(keras.optimizers.Adam):
    """Adam whose step on a sparse gradient (``tf.IndexedSlices``: an embedding lookup's)
    reads and writes only the rows the batch looked up.

    Keras's Adam decays both moments of *every* row and moves every row at every step, so a
    step over a 1,000,000-item table costs three passes over 1,000,000 × ``dim`` floats
    however few items the batch (and its sampled negatives) named: the training step grows
    with the catalogue. Here a looked-up row gets exactly Adam's update, with its moments
    decayed once per step it is looked up in (the lazy Adam of TensorFlow Addons and
    ``tf.compat.v1`` ``LazyAdamOptimizer``); other rows and their moments stay as they are.
    Dense gradients get Adam's update unchanged. ``lazy=False`` is Keras's Adam throughout
    (one class for :class:`~recsys_tf.optimizers.finetune_adam.FineTuneAdam` to build on).

    Args:
        learning_rate: a float.
        lazy: update sparse gradients lazily.
        **kwargs: the other :class:`keras.optimizers.Adam` arguments (not ``amsgrad``).

    Example:

    >>> import numpy as np
    >>> table = keras.Variable(np.ones((5, 2), "float32"))
    >>> optimizer = LazyAdam(0.1)
    >>> optimizer.build([table])
    >>> row_2 = tf.IndexedSlices(tf.ones((1, 2)), tf.constant([2]), tf.constant([5, 2]))
    >>> optimizer.apply([row_2], [table])
    >>> [round(float(x), 3) for x in np.asarray(table)[:, 0]]
    [1.0, 1.0, 0.9, 1.0, 1.0]
    """

    def __init__(self, learning_rate: float = 1e-3, lazy: bool = True, **kwargs):
        if lazy and kwargs.get("amsgrad"):
            raise ValueError("LazyAdam(lazy=True) has no amsgrad variant.")
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.lazy = bool(lazy)

    def update_step(self, gradient, variable, learning_rate):
        if not (self.lazy and isinstance(gradient, tf.IndexedSlices)):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        # A row named twice in the batch gets the sum of its gradients, as Adam would.
        rows, position = tf.unique(gradient.indices)
        grad = tf.math.unsorted_segment_sum(tf.cast(gradient.values, dtype), position,
                                            tf.shape(rows)[0])
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        alpha = (tf.cast(learning_rate, dtype) * tf.sqrt(1 - tf.pow(beta_2, step))
                 / (1 - tf.pow(beta_1, step)))
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        m_rows = beta_1 * _read_rows(m, rows) + (1 - beta_1) * grad
        v_rows = beta_2 * _read_rows(v, rows) + (1 - beta_2) * tf.square(grad)
        shape = gradient.dense_shape
        self.assign(m, tf.IndexedSlices(m_rows, rows, shape))
        self.assign(v, tf.IndexedSlices(v_rows, rows, shape))
        self.assign_sub(variable, tf.IndexedSlices(
            alpha * m_rows / (tf.sqrt(v_rows) + self.epsilon), rows, shape))

    def get_config(self):
        return {**super().get_config(), "lazy": self.lazy}


def _read_rows(variable: keras.Variable, rows: tf.Tensor) -> tf.Tensor:
    """``variable[rows]`` read in place. Reading the whole table (``tf.gather`` on its value)
    would hold a reference to it that makes the scatter after it copy the whole table (resource
    variables copy on write); a distributed variable's own ``sparse_read`` is not available in
    the optimizer's update context, but its handle there is this device's copy."""
    return tf.raw_ops.ResourceGather(resource=variable.value.handle, indices=rows,
                                     dtype=variable.dtype)

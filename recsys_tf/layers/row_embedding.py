"""An ``Embedding`` whose lookup reads only the rows it returns."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="recsys_tf")
class RowEmbedding(keras.layers.Embedding):
    """:class:`keras.layers.Embedding` for item-sized tables: on TensorFlow its lookup is a
    ``ResourceGather`` of the looked-up rows, not a read of the whole table.

    Keras's lookup (``ops.take`` of the table) first reads the whole variable into a tensor.
    TensorFlow variables copy on write: while that tensor lives, the optimizer's row update
    (``scatter_sub`` of the sparse gradient) must first copy the whole table, so each training
    step copies every item table however few rows it looked up — with lazy Adam, 244 ms a step
    at 1,000,000 × 64 on 2 cores against 3.9 ms reading the rows only
    (``python -m benchmarks.analysis.lazy_adam_step``). Outputs, gradients (``IndexedSlices``
    of the looked-up rows), weights and config are those of ``Embedding``; other backends, and
    LoRA or quantised tables, use its lookup.

    Example:

    >>> import numpy as np
    >>> layer = RowEmbedding(5, 2, embeddings_initializer="ones")
    >>> np.asarray(layer(np.array([[1, 4]]))).shape
    (1, 2, 2)
    """

    def call(self, inputs):
        if (keras.backend.backend() != "tensorflow" or self.lora_enabled
                or self.quantization_mode is not None):
            return super().call(inputs)
        import tensorflow as tf

        if inputs.dtype not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        # tf.gather of a resource variable is its sparse_read (ResourceGather).
        return ops.cast(tf.gather(self._embeddings.value, inputs), self.compute_dtype)

"""A fixed (non-trainable) table of per-item values, looked up by item index."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="recsys_tf")
class LookupTable(keras.layers.Layer):
    """Gathers rows of a constant table, e.g. cached BERT text embeddings or item categories.

    The table is a non-trainable weight, so it is saved with the model and exported with it, and
    the lookup is a plain gather (a core TF op at serving time). Fill it with :meth:`set_table`.

    Args:
        num_rows: rows of the table (the item vocabulary size).
        row_shape: shape of one row, ``()`` for scalars.
        table_dtype: ``"float32"`` (embeddings) or ``"int32"`` (ids such as categories).

    Call arguments:
        indices: integer tensor of any shape; out-of-range indices are clipped.

    Returns:
        ``indices.shape + row_shape``.

    Example:

    >>> table = LookupTable(num_rows=3, row_shape=(2,))
    >>> table.set_table(np.array([[0, 0], [1, 1], [2, 4]], "float32"))
    >>> table(np.array([[2, 0]])).numpy().tolist()
    [[[2.0, 4.0], [0.0, 0.0]]]
    """

    def __init__(self, num_rows: int, row_shape: tuple[int, ...] = (),
                 table_dtype: str = "float32", **kwargs):
        super().__init__(**kwargs)
        if num_rows < 1:
            raise ValueError(f"`num_rows` must be >= 1. Received: num_rows={num_rows}")
        if table_dtype not in ("float32", "int32"):
            raise ValueError(f"`table_dtype` must be 'float32' or 'int32'. Received: "
                             f"table_dtype={table_dtype}")
        self.num_rows = int(num_rows)
        self.row_shape = tuple(int(d) for d in row_shape)
        self.table_dtype = table_dtype
        self.table = self.add_weight(shape=(self.num_rows, *self.row_shape), name="table",
                                     initializer="zeros", trainable=False, dtype=table_dtype)

    def set_table(self, values: np.ndarray) -> None:
        """Replaces the table's contents (shape ``[num_rows, *row_shape]``)."""
        values = np.asarray(values, dtype=self.table_dtype)
        expected = (self.num_rows, *self.row_shape)
        if values.shape != expected:
            raise ValueError(f"Table of {self.name!r} must have shape {expected}. "
                             f"Received: {values.shape}")
        self.table.assign(values)

    def call(self, indices):
        indices = ops.clip(ops.cast(indices, "int32"), 0, self.num_rows - 1)
        return ops.take(self.table, indices, axis=0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, *self.row_shape)

    def get_config(self):
        return {**super().get_config(), "num_rows": self.num_rows,
                "row_shape": list(self.row_shape), "table_dtype": self.table_dtype}

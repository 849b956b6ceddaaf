"""Mean over the valid positions of a sequence."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="recsys_tf")
class MaskedMeanPooling(keras.layers.Layer):
    """Averages a sequence over the positions where ``mask`` is true.

    This is the sentence-transformers pooling of all-MiniLM-L6-v2: the mean of the token vectors
    weighted by the attention (padding) mask. A sequence without any valid position pools to
    zeros rather than NaN.

    Call arguments:
        inputs: ``[batch, length, dim]``.
        mask: ``[batch, length]`` boolean (or 0/1) padding mask.

    Returns:
        ``[batch, dim]``.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]])
    >>> MaskedMeanPooling()(x, mask=np.array([[True, True, False]])).numpy().tolist()
    [[2.0, 3.0]]

    References:
        Reimers & Gurevych, Sentence-BERT (2019), mean pooling.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.cast(ops.expand_dims(mask, -1), inputs.dtype)
        total = ops.sum(inputs * weights, axis=1)
        count = ops.maximum(ops.sum(weights, axis=1), ops.cast(1e-9, inputs.dtype))
        return total / count

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def compute_mask(self, inputs, mask=None):
        return None

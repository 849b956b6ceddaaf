"""Serialisable Keras 3 layers of recsys_tf."""

from recsys_tf.layers.masked_mean_pooling import MaskedMeanPooling

__all__ = ["MaskedMeanPooling"]

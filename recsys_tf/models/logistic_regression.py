"""Logistic-regression baseline of S0 §4.1 for click / label prediction."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="recsys_tf")
class LogisticRegression(keras.Model):
    """``ŷ = 1 / (1 + exp(-(β₀ + Σ βᵢ xᵢ)))`` over standardised features, trained with BCE.

    The baseline the ranking head is compared with (S0 §4.1, §4.3): features are e.g. the
    user's topic-interest vector times the item's topic vector, recency and counts.

    Args:
        num_features: length of the feature vector ``x``.
        l2: L2 penalty on the coefficients ``β₁..βₙ``.

    Example:

    >>> import numpy as np
    >>> model = LogisticRegression(num_features=3)
    >>> tuple(model(np.zeros((2, 3), "float32")).shape)
    (2, 1)
    """

    def __init__(self, num_features: int, l2: float = 0.0, **kwargs):
        if num_features < 1 or l2 < 0:
            raise ValueError(f"Need `num_features` >= 1 and `l2` >= 0. Received: "
                             f"num_features={num_features}, l2={l2}")
        features = keras.Input((num_features,), name="features")
        logit = keras.layers.Dense(
            1, kernel_regularizer=keras.regularizers.L2(l2) if l2 else None, name="logit")
        probability = keras.layers.Activation("sigmoid", name="probability")(logit(features))
        super().__init__(inputs=features, outputs=probability, **kwargs)
        self.num_features = num_features
        self.l2 = l2

    @property
    def coefficients(self):
        """``(β₀, [β₁..βₙ])`` as NumPy values."""
        kernel, bias = self.get_layer("logit").get_weights()
        return float(bias[0]), kernel[:, 0]

    def get_config(self):
        return {"num_features": self.num_features, "l2": self.l2, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

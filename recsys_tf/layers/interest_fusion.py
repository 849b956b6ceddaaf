"""Fusion of the towers' per-position states into one query embedding per position."""

from __future__ import annotations

import keras
from keras import ops

from recsys_tf.layers.argument_checks import check_positive, check_rate

FUSION_MODES = ("gated", "concat")


@keras.saving.register_keras_serializable(package="recsys_tf")
class InterestFusion(keras.layers.Layer):
    """Combines tower outputs ``[batch, length, d_i]`` into ``[batch, length, output_dim]``.

    ``"gated"``: each tower is projected to ``output_dim``; a sigmoid gate per tower and unit,
    computed from all towers together, weighs the projections (a tower that is uninformative for
    a user, e.g. an empty cross-domain history, can be switched down). ``"concat"``: the
    concatenation goes through a two-layer MLP.

    Args:
        output_dim: size of the query embedding.
        mode: ``"gated"`` or ``"concat"``.
        dropout: dropout rate on the fused vector.

    Call arguments:
        inputs: list of ``[batch, length, d_i]`` tensors (one per active tower).
        training: Python bool.

    Returns:
        ``[batch, length, output_dim]``.

    Example:

    >>> import numpy as np
    >>> fusion = InterestFusion(output_dim=4)
    >>> tuple(fusion([np.ones((2, 3, 5)), np.ones((2, 3, 6))]).shape)
    (2, 3, 4)

    References:
        Gated multimodal units: Arevalo et al., Gated Multimodal Units for Information Fusion
        (2017).
    """

    def __init__(self, output_dim: int = 64, mode: str = "gated", dropout: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        check_positive(output_dim=output_dim)
        check_rate(dropout=dropout)
        if mode not in FUSION_MODES:
            raise ValueError(f"`mode` must be one of {FUSION_MODES}. Received: mode={mode!r}")
        self.output_dim = output_dim
        self.mode = mode
        self.dropout = dropout
        self.supports_masking = True  # tower outputs carry masks; the fused output does not
        policy = self.dtype_policy
        self.output_dropout = keras.layers.Dropout(dropout, dtype=policy, name="dropout")
        self.projections: list[keras.layers.Dense] = []
        if mode == "concat":
            self.mixer = keras.layers.Dense(output_dim, activation="gelu", dtype=policy,
                                            name="mixer")
        self.output_projection = keras.layers.Dense(output_dim, dtype=policy, name="output")

    def build(self, input_shape):
        total = sum(int(shape[-1]) for shape in input_shape)
        if self.mode == "gated":
            policy = self.dtype_policy
            self.projections = [keras.layers.Dense(self.output_dim, dtype=policy,
                                                   name=f"projection_{i}")
                                for i in range(len(input_shape))]
            for layer, shape in zip(self.projections, input_shape, strict=True):
                layer.build(shape)
            # Gates: one sigmoid per tower and unit, from all towers.
            self.gate = keras.layers.Dense(self.output_dim * len(input_shape),
                                           activation="sigmoid", dtype=policy, name="gate")
            self.gate.build((None, None, total))
            self.output_projection.build((None, None, self.output_dim))
        else:
            self.mixer.build((None, None, total))
            self.output_projection.build((None, None, self.output_dim))
        self.built = True

    def call(self, inputs, training=None):
        inputs = [ops.cast(x, self.compute_dtype) for x in inputs]
        joined = ops.concatenate(inputs, axis=-1) if len(inputs) > 1 else inputs[0]
        if self.mode == "gated":
            gates = ops.split(self.gate(joined), len(inputs), axis=-1)
            fused = sum(g * p(x) for g, p, x in zip(gates, self.projections, inputs,
                                                   strict=True))
            fused = fused + self.output_projection(ops.tanh(fused))
        else:
            fused = self.output_projection(self.mixer(joined))
        return self.output_dropout(fused, training=training)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:2], self.output_dim)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim, "mode": self.mode,
                "dropout": self.dropout}

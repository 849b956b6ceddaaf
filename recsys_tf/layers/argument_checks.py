"""Constructor argument checks shared by the layers (clear `ValueError`s at once)."""

from __future__ import annotations


def check_positive(**values: int) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value}")


def check_rate(**values: float) -> None:
    for name, value in values.items():
        if not 0 <= value < 1:
            raise ValueError(f"`{name}` must be in [0, 1). Received: {name}={value}")


def check_shared_embedding(name: str, layer, input_dim: int, output_dim: int) -> None:
    """A layer passed in to be shared must be an ``Embedding(input_dim, output_dim)``."""
    if layer is None:
        return
    shape = (getattr(layer, "input_dim", None), getattr(layer, "output_dim", None))
    if shape != (input_dim, output_dim):
        raise ValueError(f"`{name}` must be an Embedding({input_dim}, {output_dim}). "
                         f"Received: {layer!r} with (input_dim, output_dim) = {shape}")

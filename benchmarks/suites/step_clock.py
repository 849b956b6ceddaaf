"""A Keras callback that notes when each training step ends, to time steps inside one fit."""

from __future__ import annotations

import time

import keras


class StepClock(keras.callbacks.Callback):
    """Times training steps within one ``fit``, so that the warm-up (tracing, the dataset
    iterator's start and its shuffle buffer's first fill) stays outside the timing.

    Example:

    >>> import numpy as np
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> clock = StepClock()
    >>> _ = model.fit(np.zeros((8, 2)), np.zeros(8), batch_size=2, verbose=0,
    ...               callbacks=[clock])
    >>> len(clock.ends), clock.seconds_per_step(after=1) > 0
    (4, True)
    """

    def __init__(self):
        super().__init__()
        self.ends: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())

    def seconds_per_step(self, after: int) -> float:
        """Mean seconds of the steps after the first ``after`` (``after`` ≥ 1)."""
        if not 1 <= after < len(self.ends):
            raise ValueError(f"{len(self.ends)} steps ended: cannot time the steps after "
                             f"the first {after}")
        return (self.ends[-1] - self.ends[after - 1]) / (len(self.ends) - after)

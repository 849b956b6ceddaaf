"""Adam with a smaller learning rate for the pretrained (fine-tuned) variables."""

from __future__ import annotations

import keras

from recsys_tf.optimizers.lazy_adam import LazyAdam


@keras.saving.register_keras_serializable(package="recsys_tf")
class FineTuneAdam(LazyAdam):
    """Adam whose variables under ``slow_prefix`` step with ``slow_learning_rate``.

    (The ratio ``slow_learning_rate / learning_rate`` is fixed at construction: a callback that
    changes the learning rate scales both.)

    Fine-tuning the top of a pretrained BERT at the 1e-3 that suits freshly initialised towers
    wrecks its weights; BERT fine-tuning uses ~2e-5. Keras optimizers have one learning rate,
    so this one rescales the step of the variables whose path starts with ``slow_prefix`` (the
    :class:`~recsys_tf.layers.TextEncoderTop`'s ``item_text/``). Works under tf.distribute:
    variables are matched by their optimizer index, not by object.

    Args:
        learning_rate: learning rate of every other variable (a float).
        slow_learning_rate: learning rate of the pretrained variables.
        slow_prefix: variable-path prefix of the pretrained variables.
        **kwargs: the other :class:`~recsys_tf.optimizers.lazy_adam.LazyAdam` arguments
            (``lazy``, the :class:`keras.optimizers.Adam` ones).

    Example::

        model.compile(optimizer=FineTuneAdam(1e-3, slow_learning_rate=2e-5))
    """

    def __init__(self, learning_rate: float = 1e-3, slow_learning_rate: float = 2e-5,
                 slow_prefix: str = "item_text/", **kwargs):
        if not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
            raise ValueError("`learning_rate` must be a positive float (no schedules). "
                             f"Received: {learning_rate!r}")
        if not slow_learning_rate > 0:
            raise ValueError(f"`slow_learning_rate` must be > 0. Received: {slow_learning_rate}")
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.slow_learning_rate = float(slow_learning_rate)
        self._slow_ratio = self.slow_learning_rate / float(learning_rate)
        self.slow_prefix = slow_prefix
        self._slow_indices: set[int] = set()

    def build(self, variables):
        super().build(variables)
        self._slow_indices = {self._get_variable_index(v) for v in variables
                              if v.path.startswith(self.slow_prefix)}

    @property
    def slow_variable_count(self) -> int:
        return len(self._slow_indices)

    def update_step(self, gradient, variable, learning_rate):
        if self._get_variable_index(variable) in self._slow_indices:
            learning_rate = learning_rate * self._slow_ratio
        super().update_step(gradient, variable, learning_rate)

    def get_config(self):
        return {**super().get_config(), "slow_learning_rate": self.slow_learning_rate,
                "slow_prefix": self.slow_prefix}

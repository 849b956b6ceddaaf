"""Serialisable Keras 3 optimizers (saved with a run's model, so a loader must import them)."""

from recsys_tf.optimizers.finetune_adam import FineTuneAdam
from recsys_tf.optimizers.lazy_adam import LazyAdam

__all__ = ["FineTuneAdam", "LazyAdam"]

"""FineTuneAdam: the pretrained variables step at their own, smaller learning rate."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.optimizers.finetune_adam import FineTuneAdam


def _one_step(strategy):
    with strategy.scope():
        with keras.name_scope("slow"):
            slow = keras.Variable(np.zeros(3, "float32"), name="kernel")
        with keras.name_scope("fast"):
            fast = keras.Variable(np.zeros(3, "float32"), name="kernel")
        assert (slow.path, fast.path) == ("slow/kernel", "fast/kernel")
        optimizer = FineTuneAdam(1e-2, slow_learning_rate=1e-4, slow_prefix="slow/")
        optimizer.build([slow, fast])

        @tf.function
        def step():
            def replica():
                optimizer.apply_gradients([(tf.ones(3), slow), (tf.ones(3), fast)])
            strategy.run(replica)

        step()
    return np.asarray(slow), np.asarray(fast), optimizer


@pytest.mark.parametrize("strategy", ["default", "mirrored"])
def test_first_adam_step_is_the_learning_rate_of_each_group(strategy):
    # One-device MirroredStrategy still hands the optimizer distributed variables.
    strategy = (tf.distribute.get_strategy() if strategy == "default"
                else tf.distribute.MirroredStrategy(["/cpu:0"]))
    slow, fast, optimizer = _one_step(strategy)
    assert optimizer.slow_variable_count == 1
    # Adam's first step is -lr * sign(gradient) (bias-corrected, epsilon aside).
    np.testing.assert_allclose(slow, -1e-4, rtol=1e-3)
    np.testing.assert_allclose(fast, -1e-2, rtol=1e-3)


def test_round_trips_its_config_and_rejects_schedules():
    optimizer = FineTuneAdam(1e-3, slow_learning_rate=3e-5, slow_prefix="item_text/")
    restored = FineTuneAdam.from_config(optimizer.get_config())
    assert (restored.slow_learning_rate, restored.slow_prefix) == (3e-5, "item_text/")
    with pytest.raises(ValueError, match="positive float"):
        FineTuneAdam(keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.9))

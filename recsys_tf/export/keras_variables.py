"""Keras 3 objects inside an exported ``tf.Module``, restored the way TF Serving restores them.

A Keras 3 variable on the TensorFlow backend wraps a ``tf.Variable``. When a ``tf.Module`` that
*tracks* a Keras layer or model is saved, ``tf.saved_model.save`` writes each Keras variable as
a new copy (``Variable_N``) that the SavedModel's restore op fills, while the traced signatures
read the wrapped ``tf.Variable``, which nothing restores. ``tf.saved_model.load`` restores by
object graph and hides this; TF Serving and ``saved_model_cli``, which load through a session
and the restore op, fail on the first request with ``Could not find variable fusion/output/bias``
(keras-team/keras#19274, #20095; tensorflow/tensorflow#72963).

The remedy used by the export: a module holds the Keras objects it calls in
:class:`KerasObjects` (which TensorFlow does not track) and tracks the wrapped ``tf.Variable``
of each Keras variable itself (:func:`wrapped_variables`) — the variables the signatures read,
written once and restored by the restore op.

Example::

    class Serving(tf.Module):
        def __init__(self, model):
            super().__init__()
            self.keras = KerasObjects(model=model)          # called, not tracked
            self.model_variables = wrapped_variables(model)  # tracked, restored
"""

from __future__ import annotations

import keras
import tensorflow as tf


class KerasObjects:
    """Named references to Keras layers and models that a ``tf.Module`` calls but must not
    track (a plain object: ``tf.Module`` tracks only trackable attribute values)."""

    def __init__(self, **objects):
        self.__dict__.update(objects)

    def __repr__(self) -> str:
        return f"KerasObjects({', '.join(self.__dict__)})"


def wrapped_variable(variable) -> tf.Variable:
    """The ``tf.Variable`` behind a Keras variable (a ``tf.Variable`` is returned as is)."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    if not isinstance(variable, tf.Variable):
        raise TypeError(f"Expected a Keras or TensorFlow variable, got {type(variable).__name__}"
                        " (a Keras variable read inside an autocast scope?)")
    return variable


def wrapped_variables(*holders) -> list[tf.Variable]:
    """The ``tf.Variable`` behind every variable of ``holders`` (Keras layers and models, or
    any object with a ``variables`` list; None is skipped), each once, in order."""
    out, seen = [], set()
    for holder in holders:
        if holder is None:
            continue
        for variable in holder.variables:
            variable = wrapped_variable(variable)
            if id(variable) not in seen:
                seen.add(id(variable))
                out.append(variable)
    return out

"""Keras 3 objects in an exported tf.Module: restored by the SavedModel's own restore op (the
TF Serving path) only when the module tracks their wrapped tf.Variables."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.export.keras_variables import KerasObjects, wrapped_variable, wrapped_variables
from recsys_tf.export.restore_check import unrestored_variables
from tests.export.session_model import SessionModel


def small_model():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="out")(hidden))


class Untracked(tf.Module):
    def __init__(self, model):
        super().__init__()
        self.keras = KerasObjects(model=model)
        self.model_variables = wrapped_variables(model)

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
    def serve(self, x):
        return {"y": self.keras.model(x)}


class Tracked(tf.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
    def serve(self, x):
        return {"y": self.model(x)}


def test_untracked_keras_objects_are_restored_by_the_restore_op(tmp_path):
    model = small_model()
    module = Untracked(model)
    tf.saved_model.save(module, str(tmp_path), signatures={"serve": module.serve})
    assert unrestored_variables(tmp_path) == []
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    served = SessionModel(tmp_path).run("serve", {"x": x})
    np.testing.assert_allclose(served["y"], model(x).numpy(), rtol=1e-6, atol=1e-6)


def test_a_tracked_keras_model_is_flagged(tmp_path):
    # The upstream behaviour the export works around (keras-team/keras#20095): the restore op
    # fills copies of the Keras variables; the signature reads the originals.
    module = Tracked(small_model())
    tf.saved_model.save(module, str(tmp_path), signatures={"serve": module.serve})
    assert unrestored_variables(tmp_path) == ["hidden/bias", "hidden/kernel", "out/bias",
                                              "out/kernel"]
    with pytest.raises(tf.errors.FailedPreconditionError, match="Could not find variable"):
        SessionModel(tmp_path).run("serve", {"x": np.zeros((1, 3), np.float32)})


def test_wrapped_variables_are_unique_and_typed():
    shared = keras.layers.Embedding(5, 2, name="shared")
    shared.build((None,))
    holder = KerasObjects(variables=[shared.embeddings, shared.embeddings.value])
    assert wrapped_variables(shared, None, holder) == [shared.embeddings.value]
    assert isinstance(wrapped_variable(shared.embeddings), tf.Variable)
    with pytest.raises(TypeError, match="Expected a Keras or TensorFlow variable"):
        wrapped_variable(np.zeros(2))

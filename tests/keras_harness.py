"""The shared Keras test harness: every layer and model goes through these two checks.

``run_layer_test``: eager and symbolic calls agree on shapes, the weight count is as expected,
and one ``fit`` step moves the trainable weights. ``run_serialization_test``: the config
survives a JSON round trip and a ``.keras`` save/load (``safe_mode=True``) gives the same
outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np


def _to_numpy(tree):
    return keras.tree.map_structure(lambda x: np.asarray(x), tree)


def _symbolic(value):
    value = np.asarray(value)
    dtype = "int32" if value.dtype.kind in "iu" else ("bool" if value.dtype == bool
                                                     else "float32")
    return keras.Input(value.shape[1:], dtype=dtype)


def _wrap(layer, inputs, call_kwargs):
    """A functional model around ``layer`` with the same (nested) inputs."""
    symbolic = keras.tree.map_structure(_symbolic, inputs)
    kwargs = {k: keras.tree.map_structure(_symbolic, v) for k, v in call_kwargs.items()}
    outputs = layer(symbolic, **kwargs)
    flat = keras.tree.flatten(symbolic) + keras.tree.flatten(kwargs)
    return keras.Model(flat, outputs), flat


def run_layer_test(layer, inputs, *, call_kwargs: dict | None = None,
                   expected_output_shape=None, expected_num_trainable_weights: int | None = None,
                   run_training_step: bool = True):
    """Checks ``layer`` on ``inputs`` (arrays, dict or tuple of arrays); returns its output."""
    call_kwargs = call_kwargs or {}
    eager = _to_numpy(layer(inputs, **call_kwargs))
    if expected_output_shape is not None:
        assert tuple(eager.shape) == tuple(expected_output_shape), eager.shape
    assert np.all(np.isfinite(eager)), "non-finite output"
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, [
            w.path for w in layer.trainable_weights]
    model, flat = _wrap(layer, inputs, call_kwargs)
    values = keras.tree.flatten(inputs) + keras.tree.flatten(call_kwargs)
    symbolic_out = np.asarray(model(values))
    np.testing.assert_allclose(symbolic_out, eager, rtol=1e-5, atol=1e-5)
    if run_training_step and layer.trainable_weights:
        before = [np.array(w) for w in layer.trainable_weights]
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        target = np.random.default_rng(0).normal(size=eager.shape).astype("float32")
        model.fit(values, target, batch_size=len(target), epochs=1, verbose=0)
        after = [np.array(w) for w in layer.trainable_weights]
        assert any(not np.allclose(a, b) for a, b in zip(before, after, strict=True)), \
            "one training step changed no weight"
    return eager


def run_serialization_test(obj, inputs, tmp_path: Path, *, call_kwargs: dict | None = None):
    """Config JSON round trip and ``.keras`` save/load with identical outputs."""
    call_kwargs = call_kwargs or {}
    config = obj.get_config()
    restored = obj.__class__.from_config(json.loads(json.dumps(config)))
    assert restored.get_config() == config
    if isinstance(obj, keras.Model):
        model, values = obj, inputs
    else:
        model, _ = _wrap(obj, inputs, call_kwargs)
        values = keras.tree.flatten(inputs) + keras.tree.flatten(call_kwargs)
    expected = _to_numpy(model(values, training=False))
    path = Path(tmp_path) / "object.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    actual = _to_numpy(loaded(values, training=False))
    keras.tree.map_structure(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6),
                             actual, expected)
    return loaded


def assert_padding_invariant(fn, inputs: dict, *, sequence_keys, extra: int = 3):
    """Appending ``extra`` padding positions never changes the outputs at the old positions."""
    padded = dict(inputs)
    for key in sequence_keys:
        value = np.asarray(inputs[key])
        pad = np.zeros((value.shape[0], extra, *value.shape[2:]), value.dtype)
        padded[key] = np.concatenate([value, pad], axis=1)
    base, longer = _to_numpy(fn(inputs)), _to_numpy(fn(padded))
    length = np.asarray(inputs[sequence_keys[0]]).shape[1]
    keras.tree.map_structure(
        lambda a, b: np.testing.assert_allclose(b[:, :length] if b.ndim > 1 else b, a,
                                                rtol=1e-5, atol=1e-5), base, longer)


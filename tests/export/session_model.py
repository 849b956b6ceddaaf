"""Test-only: a SavedModel loaded the way TF Serving loads it — its MetaGraph imported into a
session, the variables filled by the SavedModel's own restore op, the init op run — and its
signatures called by ``Session.run`` on their tensor names. ``tf.saved_model.load`` restores by
object graph instead and can hide variables the restore op misses (see
``recsys_tf/export/keras_variables.py``). Imports only TensorFlow, so the fresh-process check
can use it."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


class SessionModel:
    """``run(signature, inputs)`` -> ``{output: ndarray}`` through a TF1 session."""

    def __init__(self, export_dir, tags=("serve",)):
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.session = tf.compat.v1.Session(graph=self.graph)
            meta_graph = tf.compat.v1.saved_model.loader.load(self.session, list(tags),
                                                              str(export_dir))
        self.signature_defs = meta_graph.signature_def

    def run(self, signature: str, inputs: dict) -> dict[str, np.ndarray]:
        definition = self.signature_defs[signature]
        unknown = set(inputs) - set(definition.inputs)
        if unknown:
            raise ValueError(f"{signature} has no inputs {sorted(unknown)}")
        feed = {definition.inputs[name].name: np.asarray(value)
                for name, value in inputs.items()}
        fetch = {name: info.name for name, info in definition.outputs.items()}
        return self.session.run(fetch, feed)

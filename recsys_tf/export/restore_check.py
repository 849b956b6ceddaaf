"""Does a SavedModel's restore op fill every variable its graph reads?

TF Serving (and ``saved_model_cli``) loads a SavedModel into a session and fills the variables
by running the SavedModel's own restore op (``saver_def.restore_op_name``); a variable handle
the graph reads but that op does not restore fails the first request with ``Could not find
variable ...``. ``tf.saved_model.load`` restores by object graph and cannot show this (see
:mod:`recsys_tf.export.keras_variables` for how Keras 3 objects cause it). The check reads
``saved_model.pb`` only: no TensorFlow runtime, no session.

Example::

    missing = unrestored_variables("exports/recsys/1")   # [] for a servable export
"""

from __future__ import annotations

from pathlib import Path


def unrestored_variables(directory: str | Path) -> list[str]:
    """Names (``shared_name``) of the variables in the SavedModel under ``directory`` that its
    restore op does not restore, sorted; empty when TF Serving can restore them all."""
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString((Path(directory) / "saved_model.pb").read_bytes())
    missing = set()
    for meta_graph in saved_model.meta_graphs:
        nodes = meta_graph.graph_def.node
        handles = {node.name: node.attr["shared_name"].s.decode() or node.name
                   for node in nodes if node.op == "VarHandleOp"}
        restore = meta_graph.saver_def.restore_op_name.split(":")[0]
        restored = {name.lstrip("^").split(":")[0] for node in nodes if node.name == restore
                    for name in node.input}
        missing.update(shared for name, shared in handles.items() if name not in restored)
    return sorted(missing)

"""Run as ``python -m tests.export.fresh_process_check EXPORT_DIR`` from the repository root:
loads an export in a process that never imports tensorflow_text, keras_hub or recsys_tf
(``import tensorflow`` itself loads ``keras``), replays the export's warm-up
requests through every signature twice — through a session filled by the SavedModel's restore
op, as TF Serving runs it, and through ``tf.saved_model.load`` — and prints JSON."""

import json
import sys

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from tests.export.session_model import SessionModel


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    if a.dtype.kind in "OSU":
        return 0.0 if np.array_equal(a, b) else float("inf")
    return float(np.max(np.abs(a.astype(np.float64) - b), initial=0.0))


def main(export_dir: str) -> None:
    session = SessionModel(export_dir)
    loaded = tf.saved_model.load(export_dir)
    results = {}
    records = tf.data.TFRecordDataset(f"{export_dir}/assets.extra/tf_serving_warmup_requests")
    for record in records:
        request = prediction_log_pb2.PredictionLog.FromString(record.numpy()).predict_log.request
        name = request.model_spec.signature_name
        inputs = {key: tf.make_ndarray(proto) for key, proto in request.inputs.items()}
        served = session.run(name, inputs)
        objects = {key: value.numpy() for key, value in loaded.signatures[name](
            **{key: tf.constant(value) for key, value in inputs.items()}).items()}
        results[name] = {
            key: {"shape": list(value.shape),
                  "finite": bool(np.all(np.isfinite(value))) if value.dtype.kind == "f" else True,
                  "loaders_differ_by": _difference(value, objects[key])}
            for key, value in served.items()}
    forbidden = sorted(name for name in sys.modules
                       if name.split(".")[0] in ("tensorflow_text", "keras_hub", "keras_nlp",
                                                 "recsys_tf"))
    print(json.dumps({"signatures": sorted(loaded.signatures.keys()), "results": results,
                      "forbidden_modules": forbidden}))


if __name__ == "__main__":
    main(sys.argv[1])

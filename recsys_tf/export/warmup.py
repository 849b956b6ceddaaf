"""TF Serving warm-up requests: one ``PredictRequest`` per signature, written as the TFRecord
of ``PredictionLog`` that TF Serving replays from ``assets.extra/tf_serving_warmup_requests``
before it serves a new version (so the first real request does not pay for graph setup).

Example::

    requests = example_requests(module, vocabularies)    # {signature: {input: ndarray}}
    write_warmup_file(path / "assets.extra", requests, model_name="recsys")
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

WARMUP_FILE = "tf_serving_warmup_requests"


def example_requests(module, vocabularies, *, length: int = 3) -> dict[str, dict[str, np.ndarray]]:
    """Small valid inputs for every signature of a
    :class:`~recsys_tf.export.serving_module.ServingModule` (the catalogue's first items)."""
    candidates = module.candidate_items
    items = np.array([vocabularies.item_id.token(int(i)) for i in candidates[:length]], object)
    event = vocabularies.event_type.token(2) if len(vocabularies.event_type) > 2 else ""
    times = 1_700_000_000 + 3_600 * np.arange(len(items), dtype=np.int64)

    def history_of(specs):
        values = {"item_ids": items[None], "event_types": np.full((1, len(items)), event, object),
                  "timestamps": times[None], "cross_item_ids": items[None, :1],
                  "cross_event_types": np.array([[event]], object),
                  "cross_timestamps": times[None, :1] - 60}
        return {name: values[name] for name in specs}

    history = history_of(module.history_specs())
    update = {"state": np.zeros((1, module.state.size), np.float32), "item_id": items[:1],
              "event_type": np.array([event], object), "timestamp": times[:1],
              "last_timestamp": np.array([-1], np.int64), "cross_domain": np.array([False]),
              "exclude_item_ids": items[None, :1]}
    requests = {"recommend": history, "user_embedding": history,
                "recommend_with_new_items": {**history,
                                             "new_item_slots": np.array([1], np.int32)},
                "item_embedding": {"item_ids": items},
                "update_interest": {k: update[k] for k in module.update_specs()},
                "explain": {**history, "item_id": np.array([""], object)}}
    if module.token_encoder is not None:
        tokens = np.array([[2, 5, 3, 0]], np.int32)  # [CLS] w [SEP] [PAD]-shaped
        requests["item_embedding_from_tokens"] = {"token_ids": tokens,
                                                  "padding_mask": (tokens > 0).astype(np.int32)}
    return requests


def write_warmup_file(directory: str | Path, requests: dict[str, dict[str, np.ndarray]], *,
                      model_name: str) -> Path:
    """Writes ``directory/tf_serving_warmup_requests``; returns its path."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    path = Path(directory) / WARMUP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature, inputs in requests.items():
            request = predict_pb2.PredictRequest()
            request.model_spec.name = model_name
            request.model_spec.signature_name = signature
            for name, value in inputs.items():
                request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return path

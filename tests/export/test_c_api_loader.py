"""Every export (and the TFRS index) loads through TF Serving's C++ SavedModel loader and answers
its own warm-up requests as ``tf.saved_model.load`` does."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.export.warmup import WARMUP_FILE
from tests.export.c_api_session import CApiSession, c_api_library

pytestmark = pytest.mark.skipif(
    c_api_library() is None,
    reason="this TensorFlow wheel has no libtensorflow_cc.so.2 with the C API")


def warmup_requests(export_dir) -> list[tuple[str, dict[str, np.ndarray]]]:
    from tensorflow_serving.apis import prediction_log_pb2

    requests = []
    for record in tf.data.TFRecordDataset(str(export_dir / "assets.extra" / WARMUP_FILE)):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        request = log.predict_log.request
        requests.append((request.model_spec.signature_name,
                         {k: tf.make_ndarray(v) for k, v in request.inputs.items()}))
    return requests


def assert_same(got: dict, expected: dict, what: str) -> None:
    assert set(got) == set(expected), what
    for name, value in expected.items():
        value = value.numpy()
        if value.dtype == object:
            np.testing.assert_array_equal(got[name], value, err_msg=f"{what}: {name}")
        else:
            np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=1e-5,
                                       err_msg=f"{what}: {name}")


@pytest.mark.parametrize("export", ["tiny_export", "tiny_transition_export"])
def test_the_c_api_replays_every_warmup_request_like_python(export, request):
    export_dir = request.getfixturevalue(export)
    session = CApiSession(export_dir)
    python = tf.saved_model.load(str(export_dir))
    requests = warmup_requests(export_dir)
    signatures = {signature for signature, _ in requests}
    assert signatures >= {"recommend", "user_embedding", "item_embedding", "update_interest",
                          "explain"}
    for signature, inputs in requests:
        expected = python.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})
        assert_same(session.run(signature, inputs), expected, f"{export} {signature}")


def test_the_tfrs_index_loads_through_the_c_api(tiny_export, tiny_index):
    index_dir = tiny_index
    history = dict(warmup_requests(tiny_export))["recommend"]
    got = CApiSession(index_dir).run("query", history)
    expected = tf.saved_model.load(str(index_dir)).signatures["query"](
        **{k: tf.constant(v) for k, v in history.items()})
    assert_same(got, expected, "index query")
    recommend = tf.saved_model.load(str(tiny_export)).signatures["recommend"](
        **{k: tf.constant(v) for k, v in history.items()})
    np.testing.assert_array_equal(got["item_ids"], recommend["item_ids"].numpy())

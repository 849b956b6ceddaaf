"""Test-only stand-in for TF Serving: a gRPC PredictionService on 127.0.0.1 that serves one
export directory (no TF Serving binary can be installed here). Like TF Serving it loads the
SavedModel with the C++ loader of the TensorFlow C API (:class:`tests.export.c_api_session.
CApiSession`; where the wheel lacks it, a Python session filled by the restore op,
:class:`tests.export.session_model.SessionModel`) and runs the signatures by tensor name."""

from __future__ import annotations

import contextlib
from concurrent import futures

import grpc
import tensorflow as tf
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from tests.export.c_api_session import CApiSession, c_api_library
from tests.export.session_model import SessionModel


class SavedModelServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """``Predict`` and ``GetModelMetadata`` of one SavedModel, with TF Serving's status codes.

    ``failures`` is a list of status codes returned (and popped) before real answers, to test
    the client's retries; ``calls`` counts every call.
    """

    def __init__(self, export_dir, model_name: str = "recsys"):
        self.model_name = model_name
        self.model = (CApiSession(export_dir) if c_api_library() is not None
                      else SessionModel(export_dir))
        self.signature_defs = self.model.signature_defs
        self.version = int(str(export_dir).rstrip("/").rsplit("/", 1)[-1])
        self.failures: list[grpc.StatusCode] = []
        self.calls = 0

    def _check(self, spec, context):
        self.calls += 1
        if self.failures:
            context.abort(self.failures.pop(0), "injected failure")
        if spec.name != self.model_name:
            context.abort(grpc.StatusCode.NOT_FOUND,
                          f"Servable not found for request: Latest({spec.name})")

    def Predict(self, request, context):  # noqa: N802 (gRPC method name)
        self._check(request.model_spec, context)
        name = request.model_spec.signature_name or "serving_default"
        if name not in self.signature_defs or name.startswith("__"):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          f"Serving signature name: \"{name}\" not found in signature def")
        inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        try:
            outputs = self.model.run(name, inputs)
        except (TypeError, ValueError, tf.errors.InvalidArgumentError) as error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        response = predict_pb2.PredictResponse()
        response.model_spec.name = self.model_name
        response.model_spec.version.value = self.version
        response.model_spec.signature_name = name
        for key, value in outputs.items():
            response.outputs[key].CopyFrom(tf.make_tensor_proto(value))
        return response

    def GetModelMetadata(self, request, context):  # noqa: N802
        self._check(request.model_spec, context)
        signatures = get_model_metadata_pb2.SignatureDefMap()
        for key, value in self.signature_defs.items():
            signatures.signature_def[key].CopyFrom(value)
        response = get_model_metadata_pb2.GetModelMetadataResponse()
        response.model_spec.name = self.model_name
        response.model_spec.version.value = self.version
        response.metadata["signature_def"].Pack(signatures)
        return response


@contextlib.contextmanager
def serving(servicer: SavedModelServicer):
    """Runs ``servicer`` on a free port of 127.0.0.1; yields ``"127.0.0.1:PORT"``."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)

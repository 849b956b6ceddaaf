"""A typed gRPC client for the exported model behind TensorFlow Serving.

Every call has one deadline, over all its attempts. A call that fails with ``UNAVAILABLE``
(server starting, restarting, overloaded, connection reset) is retried by gRPC's own retry
policy (a service config: jittered exponential backoff, retry throttling when most calls
fail); any other status fails at once. A failure is a :class:`ServingError` naming the
signature, the server and the status. Inputs are
converted to the dtypes the signature declares (read once from ``GetModelMetadata``), an
unknown or missing input name fails before anything is sent, and sequence inputs start with
one padding entry so that server-side batching pads them with padding (:data:`LEADING_PAD`).

Example::

    with RecommenderClient("localhost:8500", model_name="recsys") as client:
        top = client.recommend(item_ids=[["item-1", "item-2"]], event_types=[["view", "buy"]],
                               timestamps=[[1700000000, 1700000300]])
        top["item_ids"], top["scores"]                                # [1, k] each
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

RETRIED = ("UNAVAILABLE",)
# Sequence inputs get one leading padding entry: TF Serving's batching pads shorter requests
# with each tensor's *first* element (pad_variable_length_inputs), so that element must be
# padding ("" / 0), which the model ignores wherever it stands.
LEADING_PAD = frozenset({"item_ids", "event_types", "timestamps", "cross_item_ids",
                         "cross_event_types", "cross_timestamps", "exclude_item_ids"})


class ServingError(RuntimeError):
    """A failed call: ``code`` is the gRPC status name (e.g. ``INVALID_ARGUMENT``)."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """gRPC's retry policy for ``UNAVAILABLE``: at most ``attempts`` (gRPC caps it at 5), the
    n-th retry after a random delay in ``[0, min(initial_s · 2^n, max_s)]``; retries stop when
    most recent calls failed (``throttle``: gRPC's retry throttling)."""

    attempts: int = 4
    initial_s: float = 0.05
    max_s: float = 1.0
    throttle: bool = True

    def __post_init__(self):
        if not 1 <= self.attempts <= 5 or self.initial_s <= 0 or self.max_s < self.initial_s:
            raise ValueError(f"Invalid retry policy (1 <= attempts <= 5, 0 < initial_s <= "
                             f"max_s): {self}")

    def service_config(self) -> str:
        """The gRPC service config (JSON) of this policy for TF Serving's services."""
        config = {"methodConfig": [{
            "name": [{"service": "tensorflow.serving.PredictionService"}],
            "retryPolicy": {"maxAttempts": self.attempts,
                            "initialBackoff": f"{self.initial_s:.3f}s",
                            "maxBackoff": f"{self.max_s:.3f}s", "backoffMultiplier": 2,
                            "retryableStatusCodes": list(RETRIED)}}]}
        if self.throttle:
            config["retryThrottling"] = {"maxTokens": 10, "tokenRatio": 0.1}
        return json.dumps(config)


class RecommenderClient:
    """``PredictionService`` client for one model.

    Args:
        target: ``host:port`` of TF Serving's gRPC port (8500).
        model_name: the model's name in ``models.config``.
        version: a fixed version; None = the server's latest.
        timeout_s: the deadline of each call, over all its attempts.
        retry: retry policy for ``UNAVAILABLE``.
        channel: an existing ``grpc.Channel`` (default: an insecure channel to ``target`` with
            ``retry``'s service config; a channel passed here keeps its own).
    """

    def __init__(self, target: str, *, model_name: str = "recsys", version: int | None = None,
                 timeout_s: float = 2.0, retry: RetryPolicy = RetryPolicy(), channel=None):
        import grpc
        from tensorflow_serving.apis import prediction_service_pb2_grpc

        if not (timeout_s > 0 and math.isfinite(timeout_s)):
            raise ValueError(f"`timeout_s` must be > 0. Received: {timeout_s}")
        self.target = target
        self.model_name = model_name
        self.version = version
        self.timeout_s = timeout_s
        self.retry = retry
        self._channel = channel or grpc.insecure_channel(target, options=[
            ("grpc.enable_retries", 1), ("grpc.service_config", retry.service_config())])
        self._stub = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        self._signatures: dict | None = None

    # === Typed calls ===

    def recommend(self, **history) -> dict[str, np.ndarray]:
        """History (``item_ids``, ``event_types``, ``timestamps``, ``cross_*``; each
        ``[batch, length]``) -> ``item_ids``, ``scores`` ``[batch, k]``."""
        return self.predict("recommend", history)

    def user_embedding(self, **history) -> dict[str, np.ndarray]:
        """History -> ``user_embedding``, ``query_embedding``, ``interest``, ``state``,
        ``last_timestamp``."""
        return self.predict("user_embedding", history)

    def update_interest(self, **event) -> dict[str, np.ndarray]:
        """``state``, ``last_timestamp`` + one event per row -> the new state, the user
        embedding, the interest and the top-k."""
        return self.predict("update_interest", event)

    def metadata(self) -> dict[str, dict]:
        """``{signature: {"inputs": {name: dtype}, "outputs": {name: dtype}}}`` of the model."""
        from tensorflow_serving.apis import get_model_metadata_pb2

        request = get_model_metadata_pb2.GetModelMetadataRequest(
            metadata_field=["signature_def"])
        self._fill_spec(request.model_spec)
        response = self._call("GetModelMetadata", self._stub.GetModelMetadata, request)
        signatures = get_model_metadata_pb2.SignatureDefMap()
        response.metadata["signature_def"].Unpack(signatures)
        return {name: {"inputs": {k: _dtype_name(v.dtype) for k, v in sig.inputs.items()},
                       "outputs": {k: _dtype_name(v.dtype) for k, v in sig.outputs.items()}}
                for name, sig in signatures.signature_def.items()
                if not name.startswith("__")}  # __saved_model_init_op is not callable

    # === Generic call ===

    def predict(self, signature: str, inputs: dict) -> dict[str, np.ndarray]:
        """Calls ``signature`` with ``inputs`` (arrays or nested lists)."""
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2

        declared = self._declared_inputs(signature)
        unknown, missing = sorted(set(inputs) - set(declared)), sorted(set(declared) - set(inputs))
        if unknown or missing:
            raise ServingError(f"{signature}: unknown inputs {unknown}, missing inputs {missing}; "
                               f"the signature takes {sorted(declared)}", "INVALID_ARGUMENT")
        request = predict_pb2.PredictRequest()
        self._fill_spec(request.model_spec)
        request.model_spec.signature_name = signature
        for name, value in inputs.items():
            array = _as_array(name, value, declared[name])
            if name in LEADING_PAD and array.ndim == 2:
                pad = np.zeros((array.shape[0], 1), array.dtype)
                if array.dtype == object:
                    pad[:] = ""
                array = np.concatenate([pad, array], axis=1)
            request.inputs[name].CopyFrom(tf.make_tensor_proto(array))
        response = self._call(signature, self._stub.Predict, request)
        return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}

    def _declared_inputs(self, signature: str) -> dict[str, str]:
        if self._signatures is None:
            self._signatures = self.metadata()
        if signature not in self._signatures:
            raise ServingError(f"model {self.model_name!r} on {self.target} has no signature "
                               f"{signature!r}; it has {sorted(self._signatures)}",
                               "INVALID_ARGUMENT")
        return self._signatures[signature]["inputs"]

    def _fill_spec(self, spec) -> None:
        spec.name = self.model_name
        if self.version is not None:
            spec.version.value = self.version

    def _call(self, what: str, method, request):
        import grpc

        try:
            return method(request, timeout=self.timeout_s)
        except grpc.RpcError as error:
            code = error.code().name if error.code() else "UNKNOWN"
            retried = (f" (UNAVAILABLE is retried up to {self.retry.attempts} attempts within "
                       f"the {self.timeout_s:g} s deadline)" if code in RETRIED else "")
            raise ServingError(f"{what} on {self.target} (model {self.model_name!r}) failed: "
                               f"{code}: {error.details()}{retried}", code) from None

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> RecommenderClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _dtype_name(enum_value: int) -> str:
    import tensorflow as tf

    return tf.dtypes.as_dtype(enum_value).name


def _as_array(name: str, value, dtype: str) -> np.ndarray:
    """``value`` as an array of the signature's ``dtype``; refuses, naming the input, what
    would change meaning on the way (nested objects, ragged lists, ``"false"`` for a bool,
    NaN or out-of-range numbers for an integer)."""
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"input {name!r}: not a rectangular array ({error})") from None
    if array.dtype == object and any(isinstance(v, dict | list | tuple | set)
                                     for v in array.ravel()):
        raise ValueError(f"input {name!r}: holds nested objects or ragged lists; expected an "
                         f"array of {dtype} values")
    if dtype == "string":
        if array.size and not all(isinstance(v, str | bytes) for v in array.ravel()):
            raise ValueError(f"input {name!r}: expected strings")
        return array.astype(object) if array.size else array.astype(object).reshape(array.shape)
    if dtype == "bool":
        if array.size and array.dtype != bool:
            raise ValueError(f"input {name!r}: expected true/false, got {array.dtype} values "
                             f"such as {array.ravel()[0]!r}")
        return array.astype(bool)
    if array.dtype == object or array.dtype.kind in "USb" or array.dtype == bool:
        raise ValueError(f"input {name!r}: expected {dtype} numbers")
    if dtype.startswith("int"):
        info = np.iinfo(dtype)
        if array.dtype.kind == "f":
            if not np.isfinite(array).all():
                raise ValueError(f"input {name!r}: NaN or infinite values for an {dtype} input")
            if (array != np.round(array)).any():
                raise ValueError(f"input {name!r}: fractional values for an {dtype} input")
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise ValueError(f"input {name!r}: values outside the {dtype} range")
    elif not np.isfinite(array.astype(np.float64)).all():
        raise ValueError(f"input {name!r}: NaN or infinite values")
    return array.astype(dtype)

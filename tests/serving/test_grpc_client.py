"""The gRPC client against an in-process PredictionService serving the exported SavedModel."""

import json
import time

import grpc
import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.cli import main
from recsys_tf.serving import RecommenderClient, RetryPolicy, ServingError
from tests.serving.inprocess_server import SavedModelServicer, serving

FAST_RETRY = RetryPolicy(attempts=3, initial_s=0.01, max_s=0.02)


@pytest.fixture(scope="module")
def servicer(tiny_export):
    return SavedModelServicer(tiny_export)


@pytest.fixture(scope="module")
def loaded(tiny_export):
    """The same export through ``tf.saved_model.load`` (the object-graph restore)."""
    return tf.saved_model.load(str(tiny_export))


@pytest.fixture()
def client(servicer):
    servicer.failures.clear()
    with serving(servicer) as target:
        with RecommenderClient(target, timeout_s=20.0, retry=FAST_RETRY) as client:
            yield client


def history(servicer):
    """A short two-domain history of the tiny synthetic catalogue."""
    items = ["media-astronomy-000", "media-astronomy-003", "media-chess-001"]
    return {"item_ids": [items], "event_types": [["view", "click", "view"]],
            "timestamps": [[1_700_000_000, 1_700_000_600, 1_700_003_600]],
            "cross_item_ids": [["goods-chess-002"]], "cross_event_types": [["purchase"]],
            "cross_timestamps": [[1_699_999_000]]}


def direct(loaded, signature, inputs):
    dtypes = loaded.signatures[signature].structured_input_signature[1]
    tensors = {k: tf.constant(np.asarray(v, object if dtypes[k].dtype == tf.string else
                                         dtypes[k].dtype.as_numpy_dtype))
               for k, v in inputs.items()}
    return {k: v.numpy() for k, v in loaded.signatures[signature](**tensors).items()}


def test_calls_equal_direct_savedmodel_calls(client, servicer, loaded):
    inputs = history(servicer)
    for signature, got in (("recommend", client.recommend(**inputs)),
                           ("user_embedding", client.user_embedding(**inputs))):
        expected = direct(loaded, signature, inputs)
        assert set(got) == set(expected)
        for name, value in expected.items():
            if value.dtype == object:
                np.testing.assert_array_equal(got[name], value)
            else:
                np.testing.assert_allclose(got[name], value, rtol=1e-6)
    user = client.user_embedding(**inputs)
    event = {"state": user["state"], "last_timestamp": user["last_timestamp"],
             "item_id": ["media-chess-004"], "event_type": ["view"],
             "timestamp": [1_700_007_200], "cross_domain": [False],
             "exclude_item_ids": inputs["item_ids"]}
    got = client.update_interest(**event)
    expected = direct(loaded, "update_interest", event)
    np.testing.assert_allclose(got["state"], expected["state"], rtol=1e-6)
    np.testing.assert_array_equal(got["item_ids"], expected["item_ids"])


def test_metadata_lists_the_signatures_and_their_inputs(client):
    meta = client.metadata()
    assert {"recommend", "update_interest", "explain", "serving_default"} <= set(meta)
    assert meta["recommend"]["inputs"]["timestamps"] == "int64"
    assert meta["update_interest"]["outputs"]["state"] == "float32"


def test_unavailable_is_retried_by_grpc_and_other_errors_are_not(client, servicer):
    servicer.failures[:] = [grpc.StatusCode.UNAVAILABLE] * 2
    calls = servicer.calls
    client.metadata()  # the third attempt succeeds
    assert servicer.calls == calls + 3
    servicer.failures[:] = [grpc.StatusCode.UNAVAILABLE] * 3
    with pytest.raises(ServingError, match="UNAVAILABLE: injected failure.*up to 3 attempts"
                       ) as error:
        client.metadata()
    assert error.value.code == "UNAVAILABLE"
    calls = servicer.calls
    servicer.failures[:] = [grpc.StatusCode.INTERNAL]
    with pytest.raises(ServingError, match="INTERNAL"):
        client.metadata()
    assert servicer.calls == calls + 1


def test_the_retry_policy_is_grpcs_service_config():
    config = json.loads(RetryPolicy(attempts=3, initial_s=0.1, max_s=2).service_config())
    policy = config["methodConfig"][0]["retryPolicy"]
    assert policy == {"maxAttempts": 3, "initialBackoff": "0.100s", "maxBackoff": "2.000s",
                      "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}
    assert "retryThrottling" in config
    with pytest.raises(ValueError, match="attempts <= 5"):
        RetryPolicy(attempts=6)


def test_a_server_that_is_down_fails_within_one_deadline():
    slow_retries = RetryPolicy(attempts=5, initial_s=0.5, max_s=5.0)
    with RecommenderClient("127.0.0.1:9", timeout_s=1.0, retry=slow_retries) as client:
        started = time.monotonic()
        with pytest.raises(ServingError, match="UNAVAILABLE|DEADLINE_EXCEEDED"):
            client.metadata()
        assert time.monotonic() - started < 2.0  # not 5 attempts of 1 s each


def test_inputs_that_would_change_meaning_are_refused(client, servicer):
    inputs = history(servicer)
    for name, bad, why in (("timestamps", [[1e300]], "outside the int64 range"),
                           ("timestamps", [[float("nan")]], "NaN"),
                           ("timestamps", [[1.5]], "fractional"),
                           ("item_ids", [[{"id": 1}]], "nested objects"),
                           ("item_ids", [["a"], ["b", "c"]], "rectangular|nested")):
        with pytest.raises(ValueError, match=f"input '{name}': .*({why})"):
            client.recommend(**dict(inputs, **{name: bad}))
    metadata = client.metadata()["update_interest"]["inputs"]
    if "cross_domain" in metadata:
        from recsys_tf.serving.grpc_client import _as_array
        with pytest.raises(ValueError, match="expected true/false"):
            _as_array("cross_domain", ["false"], "bool")


def test_bad_requests_fail_with_clear_errors(client, servicer):
    inputs = history(servicer)
    with pytest.raises(ServingError, match=r"missing inputs \['timestamps'\]"):
        client.recommend(**{k: v for k, v in inputs.items() if k != "timestamps"})
    with pytest.raises(ServingError, match="has no signature 'rank'"):
        client.predict("rank", inputs)
    with pytest.raises(ServingError, match="(?s)INVALID_ARGUMENT.*event_types. must have"):
        client.recommend(**dict(inputs, event_types=[["view"]]))


def test_deadline_and_wrong_model_name(servicer):
    with serving(servicer) as target:
        with RecommenderClient(target, model_name="other", retry=FAST_RETRY) as client:
            with pytest.raises(ServingError, match="NOT_FOUND"):
                client.metadata()
    with RecommenderClient("127.0.0.1:9", timeout_s=0.2, retry=FAST_RETRY) as client:
        with pytest.raises(ServingError, match="UNAVAILABLE|DEADLINE_EXCEEDED"):
            client.metadata()


def test_query_command_prints_json(servicer, capsys):
    with serving(servicer) as target:
        inputs = json.dumps(history(servicer))
        assert main(["query", "recommend", "--target", target, "--inputs", inputs]) == 0
        out = json.loads(capsys.readouterr().out)
        assert len(out["item_ids"][0]) == 5 and all(isinstance(i, str) for i in out["item_ids"][0])
        assert main(["query", "metadata", "--target", target]) == 0
        assert "update_interest" in json.loads(capsys.readouterr().out)
        assert main(["query", "recommend", "--target", target, "--inputs", "[1]"]) == 2
        assert "JSON object" in capsys.readouterr().err

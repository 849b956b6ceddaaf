"""The TFRS index built in its own process returns the export's `recommend` top-k."""

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.cli import main
from recsys_tf.experiment.prepared_data import prepare_data
from recsys_tf.experiment.run_directory import FinishedRun
from tests.export.history_requests import requests_for_targets
from tests.export.session_model import SessionModel


@pytest.fixture(scope="module")
def index_dir(tiny_index):
    return tiny_index


def test_tfrs_top_k_equals_recommend(index_dir, tiny_export, tiny_run):
    run = FinishedRun.load(tiny_run)
    prepared = prepare_data(run.experiment.data, vocabularies=run.vocabularies)
    request = {k: tf.constant(v) for k, v in requests_for_targets(prepared, 30).items()}
    index = tf.saved_model.load(str(index_dir))
    export = tf.saved_model.load(str(tiny_export))
    assert set(index.signatures) >= {"query", "serving_default"}
    got = index.signatures["query"](**request)
    expected = export.signatures["recommend"](**request)
    np.testing.assert_array_equal(got["item_ids"].numpy(), expected["item_ids"].numpy())
    np.testing.assert_allclose(got["scores"].numpy(), expected["scores"].numpy(), rtol=1e-5,
                               atol=1e-5)
    # As TF Serving loads it: a session filled by the index's restore op.
    served = SessionModel(index_dir).run("query", {k: v.numpy() for k, v in request.items()})
    np.testing.assert_array_equal(served["item_ids"], expected["item_ids"].numpy())
    np.testing.assert_allclose(served["scores"], expected["scores"].numpy(), rtol=1e-5,
                               atol=1e-5)


def test_the_index_command_refuses_bad_input(tiny_export, index_dir, tmp_path, capfd):
    assert main(["retrieval-index", "--export", str(tiny_export), "--output",
                 str(index_dir)]) == 2
    assert "already exists" in capfd.readouterr().err
    assert main(["retrieval-index", "--export", str(tmp_path), "--output",
                 str(tmp_path / "x")]) == 2
    assert "saved_model.pb is missing" in capfd.readouterr().err


def test_importing_the_adapter_after_keras3_tensorflow_fails_clearly():
    import os

    if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
        pytest.skip("this process already runs with legacy Keras")
    with pytest.raises(ImportError, match="TF_USE_LEGACY_KERAS=1"):
        import recsys_tf.retrieval.tfrs_index  # noqa: F401

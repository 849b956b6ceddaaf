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


@pytest.fixture(scope="module")
def index_mode_export(tiny_run, tmp_path_factory):
    from recsys_tf.export import export_run

    base = tmp_path_factory.mktemp("index_mode") / "recsys"
    return export_run(tiny_run, base, mode="index", log=lambda line: None)


def test_index_mode_export_and_its_index_return_the_full_exports_top_k(
        index_mode_export, tiny_export, tiny_run, tmp_path):
    from recsys_tf.export.export_manifest import check_export

    manifest = check_export(index_mode_export)
    assert manifest["mode"] == "index"
    export = tf.saved_model.load(str(index_mode_export))
    assert set(export.signatures) == {"user_embedding", "update_interest", "serving_default"}
    for table in ("item_vectors", "candidate_mask", "new_items"):  # the ranking's tables
        assert not hasattr(export, table)
        assert hasattr(tf.saved_model.load(str(tiny_export)), table)
    full_bytes = sum(check_export(tiny_export)["variable_files"].values())
    assert sum(manifest["variable_files"].values()) < full_bytes

    output = tmp_path / "index"
    assert main(["retrieval-index", "--export", str(index_mode_export), "--output",
                 str(output), "--k", "5"]) == 0
    run = FinishedRun.load(tiny_run)
    prepared = prepare_data(run.experiment.data, vocabularies=run.vocabularies)
    request = {k: tf.constant(v) for k, v in requests_for_targets(prepared, 30).items()}
    got = tf.saved_model.load(str(output)).signatures["query"](**request)
    full = tf.saved_model.load(str(tiny_export))
    expected = full.signatures["recommend"](**request)
    np.testing.assert_array_equal(got["item_ids"].numpy(), expected["item_ids"].numpy())
    np.testing.assert_allclose(got["scores"].numpy(), expected["scores"].numpy(), rtol=1e-5,
                               atol=1e-5)

    # update_interest keeps the state: the same state and user embedding as the full export's.
    state = full.signatures["user_embedding"](**request)
    inputs = {"state": state["state"], "item_id": request["item_ids"][:, -1],
              "event_type": request["event_types"][:, -1]}
    if "timestamps" in request:
        inputs.update(timestamp=request["timestamps"][:, -1] + 60,
                      last_timestamp=state["last_timestamp"])
    if "cross_item_ids" in request:
        inputs["cross_domain"] = tf.zeros_like(inputs["item_id"], tf.bool)
    ours = export.signatures["update_interest"](**inputs)
    theirs = full.signatures["update_interest"](
        **inputs, exclude_item_ids=request["item_ids"])
    assert "item_ids" not in ours
    np.testing.assert_allclose(ours["state"].numpy(), theirs["state"].numpy(), atol=1e-6)
    np.testing.assert_allclose(ours["user_embedding"].numpy(),
                               theirs["user_embedding"].numpy(), atol=1e-6)


def test_scann_whose_ops_do_not_load_gives_a_clear_error_and_bruteforce_still_works(
        tiny_export, tmp_path):
    """scann 1.4.2 on TF 2.21: `from scann import scann_ops` raises NotFoundError, which TFRS
    does not catch. A stand-in package raising it reproduces that."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    fake = tmp_path / "site" / "scann"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "scann_ops.py").write_text(
        "import tensorflow as tf\n"
        "raise tf.errors.NotFoundError(None, None, 'scann_ops.so: undefined symbol: "
        "_ZN10tensorflow8OpKernel')\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'site'}{os.pathsep}{REPO}",
           "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}

    def index(backend, output):
        return subprocess.run([sys.executable, "-m", "recsys_tf.retrieval.tfrs_index",
                               "--export", str(tiny_export), "--output", str(output),
                               "--backend", backend, "--k", "5"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300)

    result = index("scann", tmp_path / "scann")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "its TensorFlow ops do not load" in result.stderr
    assert "undefined symbol" in result.stderr and "Traceback" not in result.stderr
    result = index("bruteforce", tmp_path / "bruteforce")
    assert result.returncode == 0, result.stderr[-2000:]


def test_partitioned_index_scanning_every_partition_is_exact_and_fewer_probes_never_score_higher(
        tiny_export, tiny_run, tmp_path):
    run = FinishedRun.load(tiny_run)
    prepared = prepare_data(run.experiment.data, vocabularies=run.vocabularies)
    request = {k: tf.constant(v) for k, v in requests_for_targets(prepared, 30).items()}
    expected = tf.saved_model.load(str(tiny_export)).signatures["recommend"](**request)

    def query(name, *options):
        output = tmp_path / name
        assert main(["retrieval-index", "--export", str(tiny_export), "--output", str(output),
                     "--k", "5", "--backend", "partitioned", "--partitions", "4",
                     *options]) == 0
        return tf.saved_model.load(str(output)).signatures["query"](**request)

    every = query("all", "--probes", "4")
    np.testing.assert_array_equal(every["item_ids"].numpy(), expected["item_ids"].numpy())
    np.testing.assert_allclose(every["scores"].numpy(), expected["scores"].numpy(), rtol=1e-5,
                               atol=1e-5)
    one = query("one", "--probes", "1")["scores"].numpy()
    assert np.isfinite(one[:, 0]).all()
    assert (one <= expected["scores"].numpy() + 1e-5).all()  # a subset's i-th best <= the i-th
    assert (np.diff(one, axis=1) <= 0).all()

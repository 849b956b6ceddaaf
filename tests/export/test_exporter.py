"""Atomic versioned export: layout, warm-up, fresh-process load, kills and damaged copies."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from recsys_tf.evaluation.new_item_slots import (
    DEFAULT_MIN_SIMILARITY,
    DEFAULT_OFFSET,
    DEFAULT_SLOTS,
    DEFAULT_TITLE_WEIGHT,
)
from recsys_tf.export import ExportError, check_export, export_run, load_export, versions
from recsys_tf.export.exporter import publish_version

REPO = Path(__file__).resolve().parents[2]
SIGNATURES = {"recommend", "recommend_with_new_items", "user_embedding", "item_embedding",
              "item_embedding_from_tokens", "update_interest", "explain"}


def test_export_writes_an_integer_version_with_warmup_and_manifest(tiny_export):
    assert tiny_export.name == "1" and versions(tiny_export.parent) == [1]
    assert not [p for p in tiny_export.parent.iterdir() if not p.name.isdigit()]
    manifest = check_export(tiny_export)
    assert set(manifest["signatures"]) == SIGNATURES | {"serving_default"}
    assert manifest["new_item_slots"] == DEFAULT_SLOTS
    assert manifest["new_item_title_weight"] == DEFAULT_TITLE_WEIGHT
    assert manifest["new_item_min_similarity"] == pytest.approx(DEFAULT_MIN_SIMILARITY)
    assert manifest["new_item_offset"] == (None if DEFAULT_OFFSET == float("inf")
                                           else pytest.approx(DEFAULT_OFFSET))
    assert manifest["top_k"] == 5 and manifest["state_size"] == sum(
        part["size"] for part in manifest["state_layout"])
    records = tf.data.TFRecordDataset(
        str(tiny_export / "assets.extra" / "tf_serving_warmup_requests"))
    warmed = [prediction_log_pb2.PredictionLog.FromString(r.numpy()).predict_log.request
              .model_spec.signature_name for r in records]
    assert sorted(warmed) == sorted(SIGNATURES)
    assert (tiny_export / "assets.extra" / "vocab.txt").read_text().startswith("[PAD]")


@pytest.mark.parametrize("export", ["tiny_export", "tiny_transition_export"])
def test_signatures_run_as_tf_serving_loads_them_in_a_process_without_our_imports(
        export, request):
    """Also with the transition prior (its int32 successor table restores; core ops only)."""
    tiny_export = request.getfixturevalue(export)
    result = subprocess.run([sys.executable, "-m", "tests.export.fresh_process_check",
                             str(tiny_export)], cwd=REPO, capture_output=True, text=True,
                            timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["forbidden_modules"] == []
    assert set(report["results"]) == SIGNATURES
    for outputs in report["results"].values():
        assert all(value["finite"] for value in outputs.values())
        # The session (restore-op) load serves the same numbers as the object-graph load.
        assert all(value["loaders_differ_by"] <= 1e-6 for value in outputs.values()), outputs
    assert report["results"]["recommend"]["item_ids"]["shape"] == [1, 5]


def test_versions_are_immutable_and_numbered_on(tiny_run, tiny_export, tmp_path):
    base = tmp_path / "models"
    shutil.copytree(tiny_export, base / "1")
    with pytest.raises(ValueError, match="already exists"):
        export_run(tiny_run, base, version=1, log=lambda line: None)
    (base / ".tmp-9-999999999").mkdir()  # left by a killed export
    (base / ".tmp-notes").mkdir()          # the user's own: not ours to delete
    (base / ".tmp-9-1.txt").write_text("mine")
    lines = []
    assert export_run(tiny_run, base, log=lines.append).name == "2"
    assert versions(base) == [1, 2] and not (base / ".tmp-9-999999999").exists()
    assert (base / ".tmp-notes").is_dir() and (base / ".tmp-9-1.txt").is_file()
    assert any("removed the unfinished export" in line for line in lines)


def test_a_version_taken_by_a_concurrent_export_moves_on_or_fails(tmp_path):
    base = tmp_path / "models"
    (base / "3").mkdir(parents=True)
    (base / "3" / "saved_model.pb").write_text("the other export's")
    temporary = base / ".tmp-3-1"
    temporary.mkdir()
    (temporary / "saved_model.pb").write_text("ours")
    with pytest.raises(ValueError, match="written by another export meanwhile"):
        publish_version(temporary, base, 3, chosen=False)
    relabelled = []
    assert publish_version(temporary, base, 3, chosen=True,
                           relabel=relabelled.append).name == "4"
    assert relabelled == [4] and (base / "4" / "saved_model.pb").read_text() == "ours"
    assert (base / "3" / "saved_model.pb").read_text() == "the other export's"


def test_bad_base_paths_and_a_damaged_manifest_are_clear_errors(tiny_run, tiny_export, tmp_path,
                                                                capsys):
    from recsys_tf.cli import main

    afile = tmp_path / "models"
    afile.write_text("")
    assert main(["export", "--model", str(tiny_run), "--base-path", str(afile)]) == 2
    assert "is a file" in capsys.readouterr().err
    copy = tmp_path / "5"
    shutil.copytree(tiny_export, copy)
    (copy / "assets.extra" / "recsys_tf.json").write_text("{not json")
    with pytest.raises(ExportError, match=r"recsys_tf\.json is damaged"):
        check_export(copy)


def test_missing_or_truncated_variables_fail_at_load_with_the_file_named(tiny_export, tmp_path):
    copy = tmp_path / "7"
    shutil.copytree(tiny_export, copy)
    data = next((copy / "variables").glob("variables.data-*"))
    data.write_bytes(data.read_bytes()[:100])
    with pytest.raises(ExportError, match="truncated"):
        load_export(copy)
    data.unlink()
    with pytest.raises(ExportError, match=f"{data.name} is missing"):
        load_export(copy)
    (copy / "saved_model.pb").unlink()
    with pytest.raises(ExportError, match="saved_model.pb is missing"):
        load_export(copy)
    assert load_export(tiny_export).signatures["recommend"] is not None


@pytest.mark.slow
def test_killing_the_export_never_leaves_a_partial_version(tiny_run, tmp_path):
    base = tmp_path / "models"
    command = [sys.executable, "-m", "recsys_tf", "export", "--model", str(tiny_run),
               "--base-path", str(base)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    for delay in (1.0, 4.0, 7.0, 9.0, 11.0):
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for version in versions(base):
            check_export(base / str(version))  # every integer directory is complete
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not [p for p in base.iterdir() if not p.name.isdigit()]
    for version in versions(base):
        check_export(base / str(version))


def test_an_export_tf_serving_could_not_restore_is_refused(tiny_run, tmp_path, monkeypatch):
    import recsys_tf.export.exporter as exporter

    monkeypatch.setattr(exporter, "unrestored_variables", lambda directory: ["fusion/gate/bias"])
    base = tmp_path / "models"
    with pytest.raises(ExportError, match=r"misses 1 variable\(s\).*fusion/gate/bias"):
        export_run(tiny_run, base, log=lambda line: None)
    assert list(base.iterdir()) == []  # no version, no temporary directory

"""Process-level training tests: SIGKILL resume, mirrored = one device, two workers."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def run_tiny(*args, env=None, wait=True):
    command = [sys.executable, "-m", "tests.training.run_tiny", *map(str, args)]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    if not wait:
        return process
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output[-3000:]
    return result_of(output)


def result_of(output):
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    assert lines, output[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def test_sigkill_resume_ends_where_an_uninterrupted_run_ends(tmp_path):
    cache = tmp_path / "cache"
    reference = run_tiny(tmp_path / "reference", cache, 5, "one")
    process = run_tiny(tmp_path / "killed", cache, 5, "one", wait=False)
    state = tmp_path / "killed" / "checkpoints" / "state.json"
    deadline = time.time() + 300
    while time.time() < deadline:
        if state.is_file() and json.loads(state.read_text())["epoch"] >= 2:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    completed = json.loads(state.read_text())["epoch"]
    assert 2 <= completed < 5, "the run was not killed mid-training"
    resumed = run_tiny(tmp_path / "killed", cache, 5, "one")
    assert len(resumed["history"]) == len(reference["history"]) == 5
    for ours, theirs in zip(resumed["history"], reference["history"], strict=True):
        assert ours["loss"] == pytest.approx(theirs["loss"], rel=1e-4)
        assert ours["val_ndcg@10"] == pytest.approx(theirs["val_ndcg@10"], abs=1e-4)
    assert resumed["test"]["ndcg@10"] == pytest.approx(reference["test"]["ndcg@10"], abs=1e-4)


def test_mirrored_on_two_logical_cpus_matches_one_device(tmp_path):
    cache = tmp_path / "cache"
    one = run_tiny(tmp_path / "one", cache, 3, "one", 2)
    mirrored = run_tiny(tmp_path / "mirrored", cache, 3, "mirrored", 2)
    for a, b in zip(one["history"], mirrored["history"], strict=True):
        assert b["loss"] == pytest.approx(a["loss"], rel=0.02)
    assert mirrored["history"][-1]["loss"] < mirrored["history"][0]["loss"]


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def two_workers(run, cache, epochs, *extra):
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(run_tiny(run, f"{cache}{index}", epochs, "multiworker", *extra,
                                  env={"TF_CONFIG": json.dumps(config)}, wait=False))
    outputs = []
    for process in processes:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-3000:]
        outputs.append(result_of(output))
    return outputs


def test_two_workers_read_disjoint_shard_files_and_warm_start_from_their_run(tmp_path):
    from recsys_tf.experiment.shard_files import prepare_shards
    from tests.training.tiny_experiment import tiny_experiment

    shards = tmp_path / "shards"
    manifest = prepare_shards(tiny_experiment(tmp_path / "cache0", epochs=3), shards, shards=4,
                              log=lambda line: None)
    chief, other = two_workers(tmp_path / "run", tmp_path / "cache", 3, 1, "", shards)
    assert [h["val_ndcg@10"] for h in chief["history"]] == pytest.approx(
        [h["val_ndcg@10"] for h in other["history"]], abs=1e-6)   # the same weights
    assert chief["history"][-1]["loss"] < chief["history"][0]["loss"]
    files = manifest["splits"]["train"]["files"]
    assert chief["input"]["files"] == files[0::2] and other["input"]["files"] == files[1::2]
    assert (tmp_path / "run" / "model.keras").is_file()
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["workers"] == 2

    # The same data in memory on one device learns as well (a different shuffle, so not the
    # same numbers: within the tiny validation set's noise).
    memory = run_tiny(tmp_path / "memory", tmp_path / "cache", 3, "one")
    assert memory["input"] == {"shards": None, "files": []}
    assert chief["history"][-1]["val_ndcg@10"] == pytest.approx(
        memory["history"][-1]["val_ndcg@10"], abs=0.05)

    # Warm start under the multi-worker strategy, batches from memory: the first epoch starts
    # from the finished run's weights (a cold start's first epoch has a far higher loss).
    warm, warm_other = two_workers(tmp_path / "warm", tmp_path / "cache", 1, 1, tmp_path / "run")
    assert warm["warm_start"] == str(tmp_path / "run")
    assert warm["input"] == {"shards": None, "files": []}
    assert warm["history"][0]["val_ndcg@10"] == pytest.approx(
        warm_other["history"][0]["val_ndcg@10"], abs=1e-6)
    cold = [h["loss"] for h in chief["history"]]
    assert warm["history"][0]["loss"] < (cold[0] + cold[1]) / 2


def test_a_missing_worker_fails_with_its_address_and_sigterm_stops_the_wait(tmp_path):
    from tests.training.tiny_experiment import tiny_experiment

    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    config = tmp_path / "tiny.json"
    tiny_experiment(tmp_path / "cache", epochs=1, startup_timeout_s=3.0).save(config)
    tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": 0}}
    command = [sys.executable, "-m", "recsys_tf", "train", "--config", str(config),
               "--output", str(tmp_path / "run"), "--strategy", "multiworker"]
    env = {**os.environ, "TF_CONFIG": json.dumps(tf_config), "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"no answer from {workers[1]} within 3 s" in result.stderr
    assert not (tmp_path / "run").exists()  # nothing written

    tiny_experiment(tmp_path / "cache", epochs=1, startup_timeout_s=600.0).save(config)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)  # past the imports, waiting for the other worker
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) in (-signal.SIGTERM, 128 + signal.SIGTERM)
    finally:
        process.kill()

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


def test_two_workers_on_localhost(tmp_path):
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(run_tiny(tmp_path / "run", tmp_path / f"cache{index}", 2,
                                  "multiworker", env={"TF_CONFIG": json.dumps(config)},
                                  wait=False))
    outputs = []
    for process in processes:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-3000:]
        outputs.append(result_of(output))
    chief, other = outputs
    assert [h["val_ndcg@10"] for h in chief["history"]] == pytest.approx(
        [h["val_ndcg@10"] for h in other["history"]], abs=1e-6)   # the same weights
    assert chief["history"][-1]["loss"] < chief["history"][0]["loss"]
    assert (tmp_path / "run" / "model.keras").is_file()
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["workers"] == 2

"""The GPU check on a CPU machine: it says there is no GPU and exits 3; its table and the
cuDNN probe read what they are given."""

import subprocess
from pathlib import Path

from benchmarks.gpu_check import NO_GPU_STATUS, gpu_check_table, lstm_op_types, visible_gpus

ROOT = Path(__file__).parents[2]


def test_without_a_gpu_the_script_says_so_and_exits_3():
    assert visible_gpus() == []  # CI and this machine have none
    done = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--epochs", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == NO_GPU_STATUS
    assert "no GPU visible to TensorFlow" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_probe_sees_the_generic_lstm_kernel_on_cpu(tmp_path):
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import build_model
    from tests.training.tiny_experiment import tiny_experiment

    experiment = tiny_experiment(tmp_path)
    prepared = prepare_data(experiment.data)
    model = build_model(experiment, prepared)
    ops = lstm_op_types(model, {name: prepared.train[name][:4] for name in model.input_names})
    assert ops and not any(op.startswith("CudnnRNN") for op in ops)  # a while loop on CPU


def test_table_rows():
    result = {"gpus": ["NVIDIA H100"], "rows": {
        "cuDNN LSTM kernel": {"used": True, "ops": ["CudnnRNNV3"]},
        "float32": {"epochs": 3, "seconds_per_epoch": 4.5, "valid_ndcg@10": 0.04321},
        "mirrored, all GPUs": {"error": "ValueError: boom"}}}
    table = gpu_check_table(result)
    assert "GPUs: NVIDIA H100" in table
    assert "| cuDNN LSTM kernel | – | – | – | used: CudnnRNNV3 |" in table
    assert "| float32 | 3 | 4.50 | 0.0432 | |" in table
    assert "| mirrored, all GPUs | – | – | – | failed: ValueError: boom |" in table

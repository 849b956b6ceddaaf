"""The TF Serving deployment files in ``serving/`` are consistent with each other and parse as
the server parses them (no server binary here: see the README)."""

from pathlib import Path

import yaml
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

SERVING = Path(__file__).resolve().parents[2] / "serving"


def _compose_service() -> dict:
    compose = yaml.safe_load((SERVING / "compose.yaml").read_text())
    (service,) = compose["services"].values()
    return service


def _model_server_config():
    return text_format.Parse((SERVING / "models.config").read_text(),
                             model_server_config_pb2.ModelServerConfig())


def _flags(service) -> dict[str, str]:
    return dict(flag.removeprefix("--").split("=", 1) for flag in service["command"])


def test_models_config_parses_as_a_model_server_config():
    (model,) = _model_server_config().model_config_list.config
    assert model.name == "recsys" and model.model_platform == "tensorflow"
    assert model.model_version_policy.latest.num_versions == 2


def test_compose_mounts_the_configs_its_command_names_and_the_model_base_path():
    service = _compose_service()
    flags = _flags(service)
    mounts = {}
    for volume in service["volumes"]:
        source, target, *_ = volume.split(":")
        mounts[target] = source
    for flag in ("model_config_file", "batching_parameters_file"):
        source = SERVING / mounts[flags[flag]]
        assert source.is_file(), f"{flag} -> {flags[flag]} is mounted from a missing {source}"
    assert _model_server_config().model_config_list.config[0].base_path in mounts
    assert flags["enable_batching"] == "true" and flags["enable_model_warmup"] == "true"
    # Runs `--xla-update` exports (XLA on CPU is off in TF Serving by default).
    assert flags["xla_cpu_compilation_enabled"] == "true"
    assert {"8500:8500", "8501:8501"} <= {str(port).split()[0] for port in service["ports"]}


def test_batching_pads_variable_length_inputs_within_the_largest_allowed_batch():
    lines = [line.split("#")[0].strip() for line in
             (SERVING / "batching.config").read_text().splitlines()]
    lines = [line for line in lines if line]
    assert "pad_variable_length_inputs: true" in lines
    sizes = [int(line.split(":")[1]) for line in lines
             if line.startswith("allowed_batch_sizes:")]
    assert sizes == sorted(sizes) and sizes[-1] == 256
    assert "max_batch_size { value: 256 }" in lines


def test_the_compose_image_is_pinned_to_the_tensorflow_release_that_writes_the_exports():
    import re

    import tensorflow as tf

    compose = (SERVING / "compose.yaml").read_text()
    tag = re.search(r"image: tensorflow/serving:\$\{TF_SERVING_TAG:-([^}]+)\}", compose)
    assert tag, "the image tag must default to a pinned release, not `latest`"
    assert tag.group(1).split(".")[:2] == tf.__version__.split(".")[:2]

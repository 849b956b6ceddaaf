"""Shared fixtures. Real datasets are read from ``../shared/datasets`` beside the repository (or
``$RECSYS_TF_DATASETS``); tests that need them skip with the reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("RECSYS_TF_DATASETS", REPO.parent / "shared" / "datasets"))


def dataset_path(name: str) -> Path:
    """Path of a shared dataset, or skip the test saying where it was looked for."""
    path = DATASETS / name
    if not path.is_dir():
        pytest.skip(f"dataset {name!r} not found at {path} (licensed data is not in the repo; "
                    "set RECSYS_TF_DATASETS to the folder holding it)")
    return path


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A finished run of the tiny synthetic experiment (both domains, text, topics)."""
    from recsys_tf.training.trainer import train
    from tests.training.tiny_experiment import tiny_experiment

    root = tmp_path_factory.mktemp("tiny_run")
    train(tiny_experiment(root / "cache", epochs=2), root / "run", verbose=0)
    return root / "run"


@pytest.fixture(scope="session")
def tiny_transition_run(tmp_path_factory) -> Path:
    """``tiny_run`` as ``food-kitchen.toml`` sets its model: the transition prior
    (``use_transitions``) and the cross tower reading the other domain by text only
    (``cross_domain_item_ids = false``)."""
    from recsys_tf.training.trainer import train
    from tests.training.tiny_experiment import tiny_experiment

    root = tmp_path_factory.mktemp("tiny_transition_run")
    train(tiny_experiment(root / "cache", epochs=2,
                          model={"use_transitions": True, "cross_domain_item_ids": False}),
          root / "run", verbose=0)
    return root / "run"


@pytest.fixture(scope="session")
def tiny_export(tiny_run, tmp_path_factory) -> Path:
    """``tiny_run`` exported as version 1 (top 5)."""
    from recsys_tf.export import export_run

    base = tmp_path_factory.mktemp("exports") / "recsys"
    return export_run(tiny_run, base, top_k=5, log=lambda line: None)


@pytest.fixture(scope="session")
def tiny_index(tiny_export, tmp_path_factory) -> Path:
    """The TFRS BruteForce index over ``tiny_export`` (top 5), built by the command."""
    from recsys_tf.cli import main

    output = tmp_path_factory.mktemp("index") / "1"
    assert main(["retrieval-index", "--export", str(tiny_export), "--output", str(output),
                 "--k", "5"]) == 0
    return output


@pytest.fixture(scope="session")
def tiny_transition_export(tiny_transition_run, tmp_path_factory) -> Path:
    """``tiny_transition_run`` exported as version 1 (top 5)."""
    from recsys_tf.export import export_run

    base = tmp_path_factory.mktemp("transition_exports") / "recsys"
    return export_run(tiny_transition_run, base, top_k=5, log=lambda line: None)

"""RecBole 1.2.1 peers (SASRec, GRU4Rec) run side by side on our split, results cached.

RecBole pins numpy < 2 and pandas < 2.2, which conflict with ours, so it lives in its own
virtual environment (created on first use under ``~/.cache/recsys_tf/peers``, see
:mod:`recsys_tf.user_cache`; PyTorch CPU
``torch==2.13.0``); the two sides exchange files only (:mod:`peer_data` out,
:mod:`recbole_runner` JSON back). A result is cached under ``<work dir>/peers/`` with its
settings, the data fingerprint, versions, machine and date, and reused until the settings or
the data change. A run saves its state after every epoch
(``<dataset>-<model>-<key>.checkpoint.pt`` beside the results, the key leaving out the epoch
cap): a run that was stopped (a session's end, a kill) goes on from its last epoch when the
same benchmark is started again, and a capped run can be continued with a higher cap.

Example::

    result = run_peer(prepared, dataset="ml-100k", model="SASRec",
                      work_dir="~/.cache/recsys_tf/bench")
    ranking_metrics(peer_ranks(result)["full"], ks=(10, 20))
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks.peers.peer_data import export_peer_data
from recsys_tf.experiment.prepared_data import PreparedData
from recsys_tf.user_cache import cache_root

RECBOLE_VERSION = "1.2.1"
VENV_PACKAGES = ["torch==2.13.0", f"recbole=={RECBOLE_VERSION}", "numpy<2", "pandas<2.2"]
PEER_MODELS = ("SASRec", "GRU4Rec")
# Part of the cache key: bump it when the runner's behaviour changes, so results it made
# before are not reused. 2: histories share the target's item table (``alias_of_item_id``).
RUNNER_REVISION = 2
# The protocol of the reference figures: CE loss, length 50, dim 64; RecBole's
# defaults otherwise (Adam 1e-3, batch 2048; SASRec 2 layers x 2 heads, dropout 0.5).
DEFAULT_SETTINGS = {
    "SASRec": {"hidden_size": 64, "inner_size": 256, "n_layers": 2, "n_heads": 2},
    "GRU4Rec": {"embedding_size": 64, "hidden_size": 64, "num_layers": 1},
}
COMMON_SETTINGS = {"MAX_ITEM_LIST_LENGTH": 50, "learning_rate": 0.001,
                   "train_batch_size": 2048, "epochs": 200, "patience": 10, "seed": 0,
                   "threads": 2}


def venv_dir() -> Path:
    return Path(os.environ.get("RECSYS_TF_PEER_VENV",
                               cache_root() / "peers" / f"recbole-{RECBOLE_VERSION}"))


def ensure_venv() -> Path:
    """The peer venv's Python, creating the venv (``python -m venv`` + pip) on first use."""
    directory = venv_dir()
    python = directory / "bin" / "python"
    marker = directory / ".recsys_tf-ready"
    if marker.is_file():
        return python
    print(f"Creating the RecBole venv in {directory} (first use; a few minutes) ...",
          file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *VENV_PACKAGES], check=True)
    check = "import recbole, torch, numpy; assert numpy.__version__ < '2'"
    subprocess.run([str(python), "-c", check], check=True)
    marker.write_text(" ".join(VENV_PACKAGES) + "\n")
    return python


def peer_settings(model: str, **overrides) -> dict:
    if model not in PEER_MODELS:
        raise ValueError(f"`model` must be one of {PEER_MODELS}. Received: {model!r}")
    return {**COMMON_SETTINGS, **DEFAULT_SETTINGS[model], **overrides}


def data_fingerprint(prepared: PreparedData) -> str:
    """Digest of what the peers see: training events, targets and histories."""
    digest = hashlib.sha256()
    for split in (prepared.valid, prepared.test):
        for key in ("item_ids", "target", "history_length"):
            digest.update(np.ascontiguousarray(split[key]).tobytes())
    digest.update(np.ascontiguousarray(prepared.train["targets"]).tobytes())
    return digest.hexdigest()[:16]


def run_peer(prepared: PreparedData, *, dataset: str, model: str, work_dir: str | Path,
             negatives: dict[str, np.ndarray] | None = None, force: bool = False,
             cache_only: bool = False, log=None, **overrides) -> dict | None:
    """Trains ``model`` with RecBole on ``prepared``'s split (or reads the cached result;
    with ``cache_only``, returns None when there is none)."""
    settings = peer_settings(model, **overrides)
    key = {"dataset": dataset, "model": model, "settings": settings,
           "data": data_fingerprint(prepared), "recbole": RECBOLE_VERSION,
           "runner": RUNNER_REVISION,
           "negatives": sorted(negatives or {})}
    name = _digest(key)
    directory = Path(work_dir).expanduser().resolve() / "peers"
    checkpoint = directory / (f"{dataset}-{model}-"
                              f"{_digest({**key, 'settings': {**settings, 'epochs': None}})}"
                              f".checkpoint.pt")
    cached = directory / f"{dataset}-{model}-{name}.json"
    if cached.is_file() and not force:
        return json.loads(cached.read_text())
    if cache_only:
        return None
    python = ensure_venv()
    data = export_peer_data(prepared, directory / f"{dataset}-data-{key['data']}",
                            max_length=settings["MAX_ITEM_LIST_LENGTH"], negatives=negatives)
    runner = Path(__file__).with_name("recbole_runner.py")
    output = cached.with_suffix(".partial.json")
    command = [str(python), str(runner), "--data", str(data), "--model", model,
               "--config", json.dumps(settings), "--output", str(output),
               "--checkpoint", str(checkpoint)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    if checkpoint.is_file() and log is not None:
        log(f"{dataset} {model}: resuming from {checkpoint}")
    with open(cached.with_suffix(".log"), "a" if checkpoint.is_file() else "w") as log_file:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log_file, text=True,
                                   env=env)
        for line in process.stdout:  # one JSON line per epoch
            log_file.write(line)
            log_file.flush()
            if log is not None:
                log(f"{dataset} {model}: {line.strip()}")
        if process.wait():
            raise RuntimeError(f"The {model} peer failed (exit {process.returncode}); see "
                               f"{cached.with_suffix('.log')}")
    result = {**json.loads(output.read_text()), "key": key}
    cached.write_text(json.dumps(result) + "\n")
    output.unlink()
    return result


def side_by_side(prepared: PreparedData, *, dataset: str, work_dir: str | Path,
                 negatives: dict[str, np.ndarray], train: bool = False,
                 models: tuple[str, ...] | None = None, settings: dict | None = None,
                 log=print) -> dict[str, dict]:
    """Every peer's result on ``prepared`` by model name: trained with ``train`` (only the
    ``models`` named, default all) where none is cached, read from the cache otherwise. A peer
    with no result is logged and left out."""
    results = {}
    for model in PEER_MODELS:
        trains = train and (models is None or model in models)
        result = run_peer(prepared, dataset=dataset, model=model, work_dir=work_dir,
                          negatives=negatives, cache_only=not trains,
                          log=lambda line: log(f"  {line}"), **(settings or {}))
        if result is None:
            log(f"  {dataset} {model}: no cached result (run with --peers)")
        else:
            results[model] = result
    return results


def peer_ranks(result: dict) -> dict[str, np.ndarray]:
    """A peer result's test ranks by protocol (``full``, ``sampled_<n>``), keyed as
    :func:`~benchmarks.suites.ranking.ranks_of` keys ours."""
    return {"full": np.asarray(result["test_ranks"]),
            **{f"sampled_{size}": np.asarray(ranks)
               for size, ranks in result["sampled_test_ranks"].items()}}


def peer_summary(result: dict) -> dict:
    """What a benchmark row keeps of a peer run besides its metrics."""
    return {"best_epoch": result["best_epoch"], "settings": result["settings"],
            "epochs": len(result["history"]), "stopped": result["stopped"],
            "seconds_per_epoch": round(float(np.mean([h["seconds"]
                                                      for h in result["history"]])), 1),
            "measured": result["date"], "versions": result["versions"]}


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]

"""tf.distribute strategies by name."""

from __future__ import annotations

import json
import os
import signal

import tensorflow as tf

from recsys_tf.training.worker_rendezvous import wait_for_workers


def make_strategy(name: str, *, startup_timeout_s: float = 300.0) -> tf.distribute.Strategy:
    """``auto``: MirroredStrategy over all GPUs when there are several, else the default
    (one device); ``one``: one device (the first GPU, else the CPU); ``mirrored``: all local
    devices (GPUs, else the logical CPUs); ``multiworker``: MultiWorkerMirroredStrategy from
    ``TF_CONFIG`` (used by the custom loop, not ``fit``: keras-team/keras#20585), once every
    worker answered within ``startup_timeout_s``
    (:func:`~recsys_tf.training.worker_rendezvous.wait_for_workers`)."""
    if name == "multiworker":
        return _multi_worker(startup_timeout_s)
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "one":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if name == "mirrored":
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    raise ValueError(f"Unknown strategy {name!r}; use auto, one, mirrored or multiworker.")


def _multi_worker(startup_timeout_s: float) -> tf.distribute.Strategy:
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise ValueError("--strategy multiworker needs TF_CONFIG (the cluster and this task)")
    try:
        tf_config = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not JSON: {error}") from None
    wait_for_workers(tf_config, timeout_s=startup_timeout_s)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    # TensorFlow's coordination service replaces SIGTERM's action (it waits for a preemption
    # checkpoint that this loop does not take); a stopped job must stop.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    return strategy


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def worker_role(strategy: tf.distribute.Strategy) -> tuple[bool, str]:
    """``(is_chief, name)`` of this process: the chief writes the run directory; the other
    workers of a multi-worker strategy train beside it and write to a scratch folder."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return True, "chief"
    task_type, task_id = resolver.task_type, resolver.task_id
    is_chief = task_type in (None, "chief") or (task_type == "worker" and task_id == 0
                                                and "chief" not in resolver.cluster_spec().jobs)
    return is_chief, f"{task_type}-{task_id}"

"""tf.distribute strategies by name."""

from __future__ import annotations

import tensorflow as tf


def make_strategy(name: str) -> tf.distribute.Strategy:
    """``auto``: MirroredStrategy over all GPUs when there are several, else the default
    (one device); ``one``: one device (the first GPU, else the CPU); ``mirrored``: all local
    devices (GPUs, else the logical CPUs); ``multiworker``: MultiWorkerMirroredStrategy from
    ``TF_CONFIG`` (used by the custom loop, not ``fit``: keras-team/keras#20585)."""
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "one":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if name == "mirrored":
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"Unknown strategy {name!r}; use auto, one, mirrored or multiworker.")

"""Runs the tiny experiment in its own process (resume, mirrored and multi-worker tests).

    python -m tests.training.run_tiny OUTPUT CACHE EPOCHS STRATEGY [LOGICAL_CPUS [WARM_START
        [SHARDS]]]

With LOGICAL_CPUS > 1 the host CPU is split into that many logical devices first (TensorFlow
allows this only before it initialises, hence a separate process). WARM_START "" = none;
SHARDS: a ``recsys-tf data prepare`` folder to read the training batches from.
"""

import json
import sys

import tensorflow as tf


def main(argv):
    output, cache, epochs, strategy = argv[:4]
    cpus = int(argv[4]) if len(argv) > 4 else 1
    warm_start = (argv[5] if len(argv) > 5 else None) or None
    shards = argv[6] if len(argv) > 6 else None
    if cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * cpus)
    tf.config.experimental.enable_op_determinism()
    from recsys_tf.training.trainer import train
    from tests.training.tiny_experiment import tiny_experiment

    metrics = train(tiny_experiment(cache, epochs=int(epochs)), output, strategy=strategy,
                    verbose=0, warm_start=warm_start, shards=shards)
    print("RESULT " + json.dumps({"history": metrics["history"], "test": metrics["test"]["model"],
                                  "warm_start": metrics["warm_start"],
                                  "input": metrics["input"]}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

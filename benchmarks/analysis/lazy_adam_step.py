"""What does one optimizer step on an item table cost, Keras's Adam against lazy Adam?

Run:  python -m benchmarks.analysis.lazy_adam_step [--items 100000 1000000] [--dim 64]

One ``items × dim`` table; each step looks up the rows a sampled-softmax step names (a batch of
256 targets over 5 positions plus 1,000 negatives) and applies the gradient of a sum of their
squares. Prints milliseconds per step of :class:`keras.optimizers.Adam` and of
:class:`~recsys_tf.training.lazy_adam.LazyAdam`, timed in the same process, and their ratio.
Keras's Adam passes over the whole table (both moments and the weights) every step; the lazy
step reads and writes the named rows only.
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np
import tensorflow as tf

from recsys_tf.training.lazy_adam import LazyAdam

LOOKUPS = 256 * 5 + 1000
STEPS = 20


def step_ms(optimizer: keras.optimizers.Optimizer, items: int, dim: int, seed: int = 0) -> float:
    """Milliseconds per step (after two untimed steps: the trace)."""
    rng = np.random.default_rng(seed)
    table = keras.Variable(rng.normal(size=(items, dim)).astype("float32"))
    optimizer.build([table])
    rows = tf.constant(rng.integers(0, items, LOOKUPS), tf.int32)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(table.value, rows) ** 2)
        optimizer.apply(tape.gradient(loss, [table.value]), [table])

    step(), step()
    started = time.perf_counter()
    for _ in range(STEPS):
        step()
    return (time.perf_counter() - started) / STEPS * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analysis.lazy_adam_step")
    parser.add_argument("--items", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=64)
    args = parser.parse_args(argv)
    print("| items | Adam ms/step | LazyAdam ms/step | ratio |\n|---:|---:|---:|---:|")
    for items in args.items:
        dense = step_ms(keras.optimizers.Adam(1e-3), items, args.dim)
        lazy = step_ms(LazyAdam(1e-3), items, args.dim)
        print(f"| {items:,} | {dense:.1f} | {lazy:.1f} | {dense / lazy:.0f}× |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

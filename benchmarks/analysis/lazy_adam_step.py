"""What does one training step on an item table cost as the catalogue grows?

Run:  python -m benchmarks.analysis.lazy_adam_step [--items 100000 1000000] [--dim 64]

One ``items × dim`` table; each step looks up the rows a sampled-softmax step names (a batch of
256 targets over 5 positions plus 1,000 negatives) and applies the gradient of a sum of their
squares. Prints milliseconds per step, timed in the same process, of:

- Keras's ``Embedding`` and ``Adam`` (what the model had): Adam passes over the whole table
  (both moments and the weights) every step;
- Keras's ``Embedding`` and :class:`~recsys_tf.optimizers.lazy_adam.LazyAdam`: the update
  touches the named rows only, but the lookup read the whole table, so the row update copies
  it first (TensorFlow variables copy on write);
- :class:`~recsys_tf.layers.RowEmbedding` and ``LazyAdam`` (the model now): rows only.
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np
import tensorflow as tf

from recsys_tf.layers import RowEmbedding
from recsys_tf.optimizers.lazy_adam import LazyAdam

LOOKUPS = 256 * 5 + 1000
STEPS = 20


def step_ms(optimizer: keras.optimizers.Optimizer, layer: keras.layers.Embedding,
            seed: int = 0) -> float:
    """Milliseconds per step (after two untimed steps: the trace)."""
    rng = np.random.default_rng(seed)
    layer.build((LOOKUPS,))
    optimizer.build(layer.trainable_variables)
    rows = tf.constant(rng.integers(0, layer.input_dim, LOOKUPS), tf.int32)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(rows) ** 2)
        optimizer.apply(tape.gradient(loss, layer.trainable_variables),
                        layer.trainable_variables)

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
    print("| items | Embedding + Adam | Embedding + LazyAdam | RowEmbedding + LazyAdam | "
          "ratio to the first |\n|---:|---:|---:|---:|---:|")
    for items in args.items:
        times = [step_ms(keras.optimizers.Adam(1e-3), keras.layers.Embedding(items, args.dim)),
                 step_ms(LazyAdam(1e-3), keras.layers.Embedding(items, args.dim)),
                 step_ms(LazyAdam(1e-3), RowEmbedding(items, args.dim))]
        print(f"| {items:,} | " + " | ".join(f"{t:.1f} ms" for t in times)
              + f" | {times[0] / times[2]:.0f}× |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

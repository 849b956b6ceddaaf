"""How long the data layer takes to produce one epoch of training batches on Amazon Beauty.

Run:  python -m benchmarks.analysis.data_pipeline [--data ../shared/datasets/amazon-beauty] \\
          [--epochs 3]

Prints the time of each stage (load + clean, vocabularies, encoding, split, windowing, one epoch
of tf.data batches) in one run. The model issue compares the epoch figure against a model epoch
measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "amazon-beauty"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--max-length", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from recsys_tf.data.examples import SequenceConfig, training_examples
    from recsys_tf.data.loaders import load_amazon
    from recsys_tf.data.pipeline import make_dataset
    from recsys_tf.data.splits import leave_one_out
    from recsys_tf.data.vocabularies import Vocabularies, encode_events

    timings: dict[str, float] = {}

    def stage(name, fn):
        start = time.perf_counter()
        result = fn()
        timings[name] = time.perf_counter() - start
        return result

    log = stage("load_and_clean", lambda: load_amazon(args.data))
    vocabularies = stage("vocabularies", lambda: Vocabularies.build(log))
    encoded = stage("encode", lambda: encode_events(log, vocabularies))
    split = stage("split", lambda: leave_one_out(log))
    config = SequenceConfig(max_length=args.max_length)
    examples = stage("windows", lambda: training_examples(encoded, config, train=split.train))
    dataset = stage("dataset", lambda: make_dataset(examples, batch_size=args.batch_size,
                                                    shuffle=True, seed=0))
    epoch_times = []
    batches = 0
    for _ in range(args.epochs):
        start = time.perf_counter()
        batches = sum(1 for _ in dataset)
        epoch_times.append(time.perf_counter() - start)
    result = {
        "dataset": str(args.data), "events": len(log.events), "users": log.num_users,
        "examples": int(len(examples["targets"])),
        "targets": int((examples["targets"] > 0).sum()), "batches_per_epoch": batches,
        "batch_size": args.batch_size, "max_length": args.max_length,
        "stage_seconds": {k: round(v, 4) for k, v in timings.items()},
        "prepare_seconds": round(sum(timings.values()), 3),
        "epoch_seconds": [round(t, 4) for t in epoch_times],
        "batches_per_second": round(batches / min(epoch_times), 1),
        "cpu_count": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:20s} {value}")
    return result


if __name__ == "__main__":
    main()

"""Epoch time of the full fused model on Amazon Beauty next to the data pipeline's, one run.

Run:  python -m benchmarks.analysis.model_epoch [--config beauty] [--epochs 2]

Prepares Beauty as ``beauty`` says (item titles through the cached
all-MiniLM-L6-v2), then in the same process times (a) iterating one epoch of the training
``tf.data`` pipeline and (b) one ``fit`` epoch of the full model (behaviour + content +
topic-interest, full softmax over 12,101 items), alternating A B A B. Prints seconds, the ratio,
an analytic FLOP estimate of one training epoch, the FLOP rate that the measured time means and,
as the ceiling, this machine's dense float32 matmul rate measured in the same run.
The first model epoch includes tracing and is reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def epoch_flops(config, train_examples: dict, batch_size: int) -> dict[str, float]:
    """Multiply-adds x 2 of one training epoch (forward x 3 for forward + backward).

    LSTMs run over every (also padded) position; logits only at valid positions; the
    candidate tower embeds the whole catalogue once per step.
    """
    n, length = train_examples["item_ids"].shape
    positions = n * length
    valid = int((train_examples["targets"] > 0).sum())
    steps = -(-n // batch_size)
    h, e, d, t = config.hidden_dim, config.embedding_dim, config.query_dim, config.text_dim

    def lstm(width):
        return 2 * 4 * (width + h) * h

    per_position = 0
    towers = 0
    if config.use_behaviour:
        per_position += lstm(e + (32 if config.use_time_features else 8))
        towers += 1
    if config.use_content:
        per_position += 2 * t * e + lstm(e)
        towers += 1
    per_position += 2 * towers * h * d + 2 * (towers * h) * (towers * d) + 2 * d * d
    if config.use_topic_interest:
        per_position += 2 * t * config.topic_count + 2 * length * config.topic_count
    logits = 2 * config.num_items * d + (2 * config.num_items * config.topic_count
                                         if config.use_topic_interest else 0)
    candidates = config.num_items * (2 * t * d + 2 * d * d if t else 0)
    forward = {"towers": positions * per_position, "logits": valid * logits,
               "candidate_tower": steps * candidates}
    return {**{k: 3.0 * v for k, v in forward.items()},
            "total": 3.0 * sum(forward.values())}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="beauty")
    parser.add_argument("--epochs", type=int, default=2, help="timed model epochs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import keras

    from recsys_tf.data.pipeline import epoch_dataset
    from recsys_tf.experiment.experiment_config import ExperimentConfig
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import build_model

    experiment = ExperimentConfig.load(args.config)
    settings = experiment.train
    started = time.perf_counter()
    prepared = prepare_data(experiment.data)
    prepare_seconds = time.perf_counter() - started
    keras.utils.set_random_seed(0)
    model = build_model(experiment, prepared)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate))

    def dataset_for(epoch):
        return epoch_dataset(prepared.train, batch_size=settings.batch_size, seed=0,
                             first_epoch=epoch, last_epoch=epoch + 1,
                             feature_keys=model.input_names)

    def time_pipeline(epoch):
        dataset, _ = dataset_for(epoch)
        start = time.perf_counter()
        for _ in dataset:
            pass
        return time.perf_counter() - start

    def time_model(epoch):
        dataset, steps = dataset_for(epoch)
        start = time.perf_counter()
        model.fit(dataset, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
        return time.perf_counter() - start

    def matmul_gflops(size=2048, repeats=10):
        """This machine's dense float32 matmul rate now: the practical ceiling."""
        import tensorflow as tf

        a = tf.random.normal((size, size))
        tf.linalg.matmul(a, a).numpy()
        start = time.perf_counter()
        for _ in range(repeats):
            tf.linalg.matmul(a, a).numpy()
        return 2 * size ** 3 * repeats / (time.perf_counter() - start) / 1e9

    first_model_epoch = time_model(0)  # includes tracing
    pipeline_times, model_times = [], []
    for epoch in range(1, args.epochs + 1):
        pipeline_times.append(time_pipeline(epoch))
        model_times.append(time_model(epoch))
    flops = epoch_flops(model.config, prepared.train, settings.batch_size)
    peak = matmul_gflops()
    model_seconds = min(model_times)
    pipeline_seconds = min(pipeline_times)
    result = {
        "config": args.config, "train_examples": len(prepared.train["item_ids"]),
        "train_targets": int((prepared.train["targets"] > 0).sum()),
        "batches_per_epoch": -(-len(prepared.train["item_ids"]) // settings.batch_size),
        "prepare_seconds": round(prepare_seconds, 2),
        "first_model_epoch_seconds": round(first_model_epoch, 2),
        "pipeline_epoch_seconds": [round(t, 3) for t in pipeline_times],
        "model_epoch_seconds": [round(t, 2) for t in model_times],
        "model_over_pipeline": round(model_seconds / pipeline_seconds, 1),
        "epoch_gflop": {k: round(v / 1e9, 1) for k, v in flops.items()},
        "achieved_gflop_per_s": round(flops["total"] / 1e9 / model_seconds, 1),
        "matmul_gflop_per_s": round(peak, 1),
        "seconds_at_matmul_rate": round(flops["total"] / 1e9 / peak, 1),
        "threads": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return result


if __name__ == "__main__":
    main()

"""``recsys-tf bench speed``: training epochs of ours and of each RecBole peer, alternated.

On Beauty, one training epoch of our full model (in this process) and one of each peer (a
RecBole subprocess of this process, same cores) run in turn — ours, SASRec, GRU4Rec, ours,
SASRec, GRU4Rec, … — so that load on the shared machine hits every side alike. Reported per
side: seconds per training epoch (each round and the median), validation-evaluation seconds,
peak resident memory of the process that trained (ours: the whole benchmark process, data
included; a peer: its own address space, ``VmHWM``), and the ratio ours / peer of the median
epoch seconds (the goal is ≤ 1.0 against SASRec). Peer epochs are timed inside RecBole's
process, after its data loading.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def run_speed_benchmark(*, rounds: int = 2, config: str | Path | None = None,
                        peer_models: tuple[str, ...] | None = None, log=print) -> dict:
    import keras

    from benchmarks.peers.recbole_peers import PEER_MODELS, run_peer
    from recsys_tf.data.pipeline import epoch_dataset
    from recsys_tf.evaluation.full_ranking import evaluate_full_ranking
    from recsys_tf.evaluation.model_scores import model_scorer
    from recsys_tf.experiment.experiment_config import ExperimentConfig
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import build_model, make_optimizer

    if rounds < 1:
        raise ValueError(f"`rounds` must be >= 1. Received: {rounds}")
    experiment = ExperimentConfig.load(config or "beauty")
    settings = experiment.train
    prepared = prepare_data(experiment.data)
    keras.utils.set_random_seed(settings.seed)
    model = build_model(experiment, prepared)
    model.compile(optimizer=make_optimizer(settings, model), jit_compile=settings.jit_compile)
    peers = peer_models or PEER_MODELS
    sides = {"ours": {"epoch_seconds": [], "eval_seconds": []},
             **{name: {"epoch_seconds": [], "eval_seconds": []} for name in peers}}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(rounds):
            dataset, steps = epoch_dataset(prepared.train, batch_size=settings.batch_size,
                                           seed=settings.seed, first_epoch=round_,
                                           last_epoch=round_ + 1, feature_keys=model.input_names)
            started = time.perf_counter()
            model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
            sides["ours"]["epoch_seconds"].append(round(time.perf_counter() - started, 2))
            started = time.perf_counter()
            evaluate_full_ranking(model_scorer(model), prepared.valid,
                                  candidate_mask=prepared.candidate_mask,
                                  history=prepared.valid_history,
                                  batch_size=settings.eval_batch_size)
            sides["ours"]["eval_seconds"].append(round(time.perf_counter() - started, 2))
            sides["ours"]["peak_rss_mb"] = round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            log(f"round {round_ + 1}: ours {sides['ours']['epoch_seconds'][-1]:.1f} s")
            for name in peers:
                result = run_peer(prepared, dataset="speed", model=name, work_dir=scratch,
                                  force=True, epochs=1, patience=1)
                epoch = result["history"][0]
                sides[name]["epoch_seconds"].append(epoch["seconds"])
                sides[name]["eval_seconds"].append(epoch["eval_seconds"])
                sides[name]["peak_rss_mb"] = max(sides[name].get("peak_rss_mb", 0.0),
                                                 result.get("peak_rss_mb", 0.0))
                log(f"round {round_ + 1}: {name} {epoch['seconds']:.1f} s")
    ours = float(np.median(sides["ours"]["epoch_seconds"]))
    for side in sides.values():
        side["median_epoch_seconds"] = float(np.median(side["epoch_seconds"]))
        side["ours_over_this"] = round(ours / side["median_epoch_seconds"], 3)
    return {"benchmark": "speed", "dataset": experiment.data.path, "rounds": rounds,
            "config": experiment.to_dict(), "steps_per_epoch": steps, "sides": sides,
            "date": time.strftime("%Y-%m-%d")}


def speed_table(result: dict) -> str:
    lines = ["| side | epoch s (each round) | median epoch s | ours / side | validation eval s | "
             "peak RSS MB |", "|---|---|---:|---:|---:|---:|"]
    for name, side in result["sides"].items():
        label = name if name == "ours" else f"RecBole {name}"
        lines.append(f"| {label} | {', '.join(f'{s:.1f}' for s in side['epoch_seconds'])} | "
                     f"{side['median_epoch_seconds']:.1f} | {side['ours_over_this']:.2f} | "
                     f"{np.median(side['eval_seconds']):.1f} | {side['peak_rss_mb']:.0f} |")
    return "\n".join(lines)

"""``recsys-tf bench drift``: how fast recommendations follow a true interest switch.

On the synthetic data (ground-truth interest per event), after each switch we count the events
of the new interest a recommender needs until at least half of its top-10 belongs to the new
topic (:func:`~recsys_tf.evaluation.interest_drift.switch_following`). Ours (the sequential
model) against a static, order-free profile — item-KNN over the user's whole history with equal
weights (``decay = 1``), the non-sequential counterpart of the same item similarities — and
the most-popular list.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.suites.seeded_runs import benchmark_experiment, trained_model
from recsys_tf.baselines import ItemKNN
from recsys_tf.evaluation.full_ranking import popularity_position_scores
from recsys_tf.evaluation.interest_drift import switch_following

CONFIG = "synthetic"


def run_drift_benchmark(*, work_dir: str | Path, seeds: int = 1,
                        config: str | Path | None = None, epochs: int | None = None,
                        log=print) -> dict:
    from recsys_tf.evaluation.model_scores import model_position_scorer
    from recsys_tf.experiment.prepared_data import prepare_data

    started = time.perf_counter()
    experiment = benchmark_experiment(config, CONFIG, epochs)
    prepared = prepare_data(experiment.data)
    rows = {}
    static = ItemKNN(window=3, recent=prepared.sequence.max_length, decay=1.0).fit(
        prepared.train, prepared.num_items)
    rows["static profile (order-free item-KNN)"] = switch_following(static.position_scorer(),
                                                                    prepared)
    rows["popularity"] = switch_following(popularity_position_scores(prepared.popularity),
                                          prepared)
    for seed in range(seeds):
        run_dir = Path(work_dir) / "runs" / f"drift-seed{seed}"
        _, model = trained_model(experiment.replace(train={"seed": seed}), run_dir, prepared)
        rows[f"ours (seed {seed})"] = switch_following(model_position_scorer(model), prepared)
    for label, row in rows.items():
        log(f"  {label:<38} followed {row['followed_share']:.1%}, mean events "
            f"{row['mean_events']:.2f}")
    return {"benchmark": "drift", "config": experiment.to_dict(), "rows": rows,
            "seconds": round(time.perf_counter() - started, 1)}


def drift_table(result: dict) -> str:
    lines = ["| recommender | switches | followed | mean events | median events |",
             "|---|---|---|---|---|"]
    for label, row in result["rows"].items():
        mean = "–" if np.isnan(row["mean_events"]) else f"{row['mean_events']:.2f}"
        median = "–" if np.isnan(row["median_events"]) else f"{row['median_events']:.1f}"
        lines.append(f"| {label} | {row['switches']} | {row['followed_share']:.1%} | {mean} | "
                     f"{median} |")
    return "\n".join(lines)

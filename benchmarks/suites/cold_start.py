"""``recsys-tf bench cold-start``: items never seen in training, recommended through their text.

A seeded 10% of the Beauty catalogue is held out of training entirely: their events are removed
from the training sequences (as inputs and as targets) and they are not candidates while the
model trains (they do not exist yet). At test time every item is a candidate again; the report
covers the test targets whose item is held out — reachable only through the item tower's text
path, since their id embeddings never trained. Ours is compared with most-popular (which scores
them 0: ID-only models cannot rank an unseen item) and with a text-only baseline (cosine of the
candidate's title embedding with the mean of the user's last three items').
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from benchmarks.suites.seeded_runs import benchmark_experiment, trained_model
from recsys_tf.baselines.feature_logistic_regression import FeatureLogisticRegression
from recsys_tf.baselines.recent_text import recent_text_scorer
from recsys_tf.data.examples import training_examples
from recsys_tf.evaluation.full_ranking import compute_ranks, popularity_scores
from recsys_tf.evaluation.ranking_metrics import ranking_metrics
from recsys_tf.experiment.prepared_data import PreparedData, training_statistics

HELD_OUT_FRACTION = 0.1


def hold_out_items(prepared: PreparedData, *, fraction: float = HELD_OUT_FRACTION,
                   seed: int = 0) -> tuple[PreparedData, np.ndarray]:
    """``(training view, held-out item mask)``: ``fraction`` of the candidate items (seeded)
    removed from the training examples, the training statistics and the training candidates.
    Validation and test examples are unchanged."""
    if not 0 < fraction < 1:
        raise ValueError(f"`fraction` must be in (0, 1). Received: {fraction}")
    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(prepared.candidate_mask)
    chosen = rng.choice(candidates, size=int(round(fraction * len(candidates))), replace=False)
    held_out = np.zeros(prepared.num_items, bool)
    held_out[chosen] = True
    usable = prepared.split.train & ~held_out[prepared.encoded.items]
    train = training_examples(prepared.encoded, prepared.sequence, train=usable,
                              domain_vocabulary=prepared.vocabularies.domain)
    known, popularity = training_statistics(train, prepared.num_items)
    view = dataclasses.replace(prepared, train=train, known_items=known, popularity=popularity,
                               candidate_mask=prepared.candidate_mask & ~held_out)
    return view, held_out


def run_cold_start_benchmark(*, work_dir: str | Path, seeds: int = 1,
                             config: str | Path | None = None, epochs: int | None = None,
                             log=print) -> dict:
    from recsys_tf.evaluation.model_scores import model_scorer
    from recsys_tf.experiment.prepared_data import prepare_data

    started = time.perf_counter()
    experiment = benchmark_experiment(config, "beauty", epochs)
    prepared = prepare_data(experiment.data)
    view, held_out = hold_out_items(prepared)
    cold_rows = held_out[prepared.test["target"]]
    log(f"cold-start: {int(held_out.sum())} of {int(prepared.candidate_mask.sum())} items held "
        f"out; {int(cold_rows.sum())} of {len(cold_rows)} test targets are held-out items")

    def cold_metrics(score_fn) -> dict:
        ranks = compute_ranks(score_fn, prepared.test, candidate_mask=prepared.candidate_mask,
                              history=prepared.test_history)
        return {"cold": ranking_metrics(ranks[cold_rows], (10, 20)),
                "warm": ranking_metrics(ranks[~cold_rows], (10, 20))}

    title_similarity = recent_text_scorer(prepared.item_text)
    rows = {"popularity": cold_metrics(popularity_scores(view.popularity)),
            "text similarity (last 3 items)": cold_metrics(title_similarity)}
    ours, fused = [], []
    for seed in range(seeds):
        run_dir = Path(work_dir) / "runs" / f"cold-start-seed{seed}"
        run, model = trained_model(experiment.replace(train={"seed": seed}), run_dir, view)
        ours.append({**cold_metrics(model_scorer(model)), "best_epoch": run["best_epoch"],
                     "epochs": len(run["history"])})
        # The S0 §4.1 logistic regression over our score and the title similarity, fitted
        # on validation pairs: a calibrated way to let text-only candidates compete.
        fusion = FeatureLogisticRegression({"ours": model_scorer(model),
                                            "title similarity": title_similarity}).fit(
            prepared.valid, prepared.valid_history, prepared.candidate_mask)
        fused.append({**cold_metrics(fusion.scorer()), "coefficients": fusion.coefficients})
        for label, row in (("ours", ours[-1]), ("ours + title similarity", fused[-1])):
            log(f"  {label} (seed {seed}): cold HR@10 {row['cold']['hr@10']:.4f}, "
                f"NDCG@10 {row['cold']['ndcg@10']:.4f}")
    for seed, row in enumerate(ours):
        rows[f"ours (seed {seed})"] = row
    for seed, row in enumerate(fused):
        rows[f"ours + title similarity, LR on validation (seed {seed})"] = row
    return {"benchmark": "cold-start", "config": experiment.to_dict(),
            "held_out_items": int(held_out.sum()), "cold_test_targets": int(cold_rows.sum()),
            "test_targets": int(len(cold_rows)), "rows": rows,
            "seconds": round(time.perf_counter() - started, 1),
            "date": time.strftime("%Y-%m-%d")}


def cold_start_table(result: dict) -> str:
    lines = [f"held-out items: {result['held_out_items']}; test targets on them: "
             f"{result['cold_test_targets']} of {result['test_targets']} (full ranking over "
             "all items, history masked)", "",
             "| model | cold HR@10 | cold NDCG@10 | warm HR@10 | warm NDCG@10 |",
             "|---|---:|---:|---:|---:|"]
    for label, row in result["rows"].items():
        lines.append(f"| {label} | {row['cold']['hr@10']:.4f} | {row['cold']['ndcg@10']:.4f} | "
                     f"{row['warm']['hr@10']:.4f} | {row['warm']['ndcg@10']:.4f} |")
    return "\n".join(lines)

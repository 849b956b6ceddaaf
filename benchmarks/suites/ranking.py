"""``recsys-tf bench ml-100k|beauty``: ours vs baselines vs RecBole peers, one protocol.

Every model is ranked on the same test targets: full ranking over the catalogue with the
user's full prior history masked (target kept, ties against the target) at K = 10, 20 and MRR,
and the sampled protocol (100 / 999 seeded negatives from the target's domain). Our model is
trained once per seed (mean ± std); hyper-parameters come from the config and the item-KNN grid
is chosen on validation only.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.suites.seeded_runs import benchmark_experiment, trained_model
from recsys_tf.baselines import ItemKNN
from recsys_tf.baselines.feature_logistic_regression import (
    FeatureLogisticRegression,
    labelled_pairs,
    pair_values,
)
from recsys_tf.baselines.recent_text import recent_text_scorer
from recsys_tf.evaluation.classification_metrics import classification_metrics
from recsys_tf.evaluation.full_ranking import (
    ScoreFn,
    compute_ranks,
    evaluate_full_ranking,
    popularity_scores,
)
from recsys_tf.evaluation.protocol import KS, negatives_for_test
from recsys_tf.evaluation.ranking_metrics import ranking_metrics
from recsys_tf.evaluation.sampled_ranking import compute_sampled_ranks

CONFIGS = {"ml-100k": "ml-100k", "beauty": "beauty"}
# Published, same protocol (leave-one-out, full ranking): Vasilev et al. 2025 (eSASRec
# benchmark), Amazon Beauty, 22,363 users.
PUBLISHED = {"beauty": [("SASRec, sampled softmax (eSASRec paper)", 0.0921, 0.0531),
                        ("eSASRec (eSASRec paper)", 0.0928, 0.0523),
                        ("TIGER (eSASRec paper)", 0.0648, 0.0384)]}
KNN_GRID = [{"window": w, "decay": d} for w in (1, 3) for d in (0.5, 0.9)]


def ranks_of(score_fn: ScoreFn, prepared, negatives: dict[str, np.ndarray], *,
             batch_size: int = 1024) -> dict[str, np.ndarray]:
    """Test ranks under every protocol: ``full`` and ``sampled_<n>``."""
    out = {"full": compute_ranks(score_fn, prepared.test, candidate_mask=prepared.candidate_mask,
                                 history=prepared.test_history, batch_size=batch_size)}
    for size, values in negatives.items():
        out[f"sampled_{size}"] = compute_sampled_ranks(score_fn, prepared.test, values,
                                                       batch_size=batch_size)
    return out


def metrics_of(ranks: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    return {protocol: ranking_metrics(values, KS) for protocol, values in ranks.items()}


def tune_item_knn(prepared) -> tuple[ItemKNN, dict]:
    """The item-KNN setting with the best validation NDCG@10 over :data:`KNN_GRID`."""
    best, best_score, scores = None, -1.0, {}
    for setting in KNN_GRID:
        knn = ItemKNN(**setting).fit(prepared.train, prepared.num_items)
        score = evaluate_full_ranking(knn.scorer(), prepared.valid,
                                      candidate_mask=prepared.candidate_mask,
                                      history=prepared.valid_history)["ndcg@10"]
        scores[str(setting)] = score
        if score > best_score:
            best, best_score = knn, score
    return best, {"grid_valid_ndcg@10": scores, "chosen": {"window": best.window,
                                                           "decay": best.decay}}


def run_ranking_benchmark(name: str, *, work_dir: str | Path, seeds: int = 1,
                          peers: bool = False, config: str | Path | None = None,
                          epochs: int | None = None, peer_models: tuple[str, ...] | None = None,
                          peer_settings: dict | None = None, log=print) -> dict:
    """Runs the benchmark ``name`` and returns its result (also written by the caller).

    ``peers`` trains the RecBole peers that have no cached result (``peer_models``, default
    all); otherwise only cached peer results are shown. ``peer_settings`` override RecBole
    settings (e.g. an ``epochs`` cap); they are part of the peers' cache key."""
    from benchmarks.peers.recbole_peers import peer_ranks, peer_summary, side_by_side
    from recsys_tf.evaluation.model_scores import model_scorer
    from recsys_tf.experiment.prepared_data import prepare_data

    results = Path(work_dir).expanduser()
    experiment = benchmark_experiment(config, CONFIGS[name], epochs)
    started = time.perf_counter()
    prepared = prepare_data(experiment.data)
    negatives = negatives_for_test(prepared)
    log(f"{name}: {len(prepared.test['target'])} test targets, {prepared.num_items - 2} items; "
        f"sampled protocols: {sorted(negatives, key=int)}")
    rows, curves, ranks = {}, {}, {}

    def add(label, score_fn, *, plot_as=None, **extra) -> dict:
        """Ranks ``score_fn`` on the test targets; keeps the ranks (for HR@K) as ``plot_as``."""
        t = time.perf_counter()
        these = ranks_of(score_fn, prepared, negatives)
        if plot_as:
            ranks[plot_as] = these
        row = {"metrics": metrics_of(these), "eval_seconds": round(time.perf_counter() - t, 2),
               **extra}
        log(f"  {label:<14} test NDCG@10 {row['metrics']['full']['ndcg@10']:.4f}")
        return row

    rows["popularity"] = add("popularity", popularity_scores(prepared.popularity),
                             plot_as="popularity")
    knn, knn_info = tune_item_knn(prepared)
    rows["item-knn"] = add("item-knn", knn.scorer(), plot_as="item-knn", **knn_info)

    per_seed = []
    for seed in range(seeds):
        run_dir = results / "runs" / f"{name}-seed{seed}"
        run, model = trained_model(experiment.replace(train={"seed": seed}), run_dir, prepared)
        if seed == 0:
            first_model = model
        label = f"ours (seed {seed})"
        per_seed.append(add(
            label, model_scorer(model), plot_as="ours" if seed == 0 else None,
            best_epoch=run["best_epoch"], epochs=len(run["history"]),
            seconds_per_epoch=_seconds_per_epoch(run)))
        curves[label] = [h["val_ndcg@10"] for h in run["history"]]
    rows["ours"] = _mean_std(per_seed)

    # The seeds' logistic regression (S0 §4.1) over simpler recommenders' scores, fitted on
    # validation pairs; and the classification metrics (S2 ch. 6) on test pairs, ours
    # Platt-scaled on validation the same way.
    features = {"log popularity": popularity_scores(np.log1p(prepared.popularity)),
                "item-knn": knn.scorer()}
    if prepared.item_text is not None:
        features["title similarity"] = recent_text_scorer(prepared.item_text)
    regression = FeatureLogisticRegression(features)
    platt = FeatureLogisticRegression({"ours": model_scorer(first_model)})
    # The same regression with our score as one more feature: a stacked ensemble, shown as its
    # own row (the "ours" row stays the model alone).
    fusion = FeatureLogisticRegression({**platt.features, **features})
    # All three share their pairs (same negatives and seed): score each feature on them once.
    valid_items, _ = fusion.pairs(prepared.valid, prepared.valid_history,
                                  prepared.candidate_mask)
    valid_values = pair_values(fusion.features, prepared.valid, valid_items)
    for lr in (regression, platt, fusion):
        lr.fit(prepared.valid, prepared.valid_history, prepared.candidate_mask,
               values=valid_values)
    rows["logistic regression (S0 §4.1)"] = add(
        "logistic regression", regression.scorer(), coefficients=regression.coefficients)
    rows["ours + logistic-regression fusion (seed 0)"] = add(
        "ours + LR fusion", fusion.scorer(), coefficients=fusion.coefficients)
    items, labels = labelled_pairs(prepared.test, prepared.test_history,
                                   prepared.candidate_mask, negatives=4, seed=1)
    test_values = pair_values(fusion.features, prepared.test, items)
    classification = {
        label: classification_metrics(
            labels.ravel(), lr.probabilities(prepared.test, items, values=test_values).ravel())
        for label, lr in (("logistic regression (S0 §4.1)", regression),
                          ("ours, Platt-scaled (seed 0)", platt),
                          ("ours + logistic-regression fusion (seed 0)", fusion))}

    for model_name, result in side_by_side(
            prepared, dataset=name, work_dir=results, negatives=negatives, train=peers,
            models=peer_models, settings=peer_settings, log=log).items():
        label = f"RecBole {model_name}"
        ranks[label] = peer_ranks(result)
        rows[label] = {"metrics": metrics_of(ranks[label]), **peer_summary(result)}
        curves[label] = [h["val_ndcg@10"] for h in result["history"]]
    return {"benchmark": name, "config": experiment.to_dict(), "seeds": seeds,
            "rows": rows, "curves": curves, "published": PUBLISHED.get(name, []),
            "classification": classification,
            "hit_rate_at_k": {label: [float((r["full"] < k).mean()) for k in range(1, 51)]
                              for label, r in ranks.items()},
            "seconds": round(time.perf_counter() - started, 1)}


def _seconds_per_epoch(run: dict) -> float | None:
    """Training seconds per epoch trained by this call (None when a finished run was reused)."""
    trained = len(run["history"]) - run["resumed_from_epoch"]
    return round(run["seconds"]["train"] / trained, 1) if trained > 0 else None


def _mean_or_none(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 1) if values else None


def seed_mean_std(per_seed: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per-protocol, per-metric mean and (population) std over seeds' :func:`metrics_of`
    results, ``<metric>_std`` beside each value (none beside ``count``).

    >>> seed_mean_std([{"full": {"ndcg@10": 0.25, "count": 5}},
    ...                {"full": {"ndcg@10": 0.75, "count": 5}}])["full"]
    {'ndcg@10': 0.5, 'ndcg@10_std': 0.25, 'count': 5.0}
    """
    out = {}
    for protocol, first in per_seed[0].items():
        values = {}
        for key in first:
            column = [metrics[protocol][key] for metrics in per_seed]
            values[key] = float(np.mean(column))
            if key != "count":
                values[f"{key}_std"] = float(np.std(column))
        out[protocol] = values
    return out


def _mean_std(rows: list[dict]) -> dict:
    """The seeds' rows as one: metrics as :func:`seed_mean_std`, epochs listed per seed."""
    return {"metrics": seed_mean_std([r["metrics"] for r in rows]), "seeds": len(rows),
            "best_epoch": [r["best_epoch"] for r in rows],
            "epochs": [r["epochs"] for r in rows],
            "seconds_per_epoch": _mean_or_none([r["seconds_per_epoch"] for r in rows]),
            "eval_seconds": rows[0]["eval_seconds"]}

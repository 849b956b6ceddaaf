"""``recsys-tf bench food-kitchen``: per domain, both protocols, with and without the
cross-domain tower.

For each target domain (every domain of the data: Food, then Kitchen) the dataset's own
valid/test lines whose target is in that domain are ranked (the other domain's events feed the
cross-domain tower) under the published protocol — 999 negatives sampled (seeded) from the
target's domain — and under full ranking over the target's domain, history masked. Rows:
most-popular, item-KNN (tuned on validation), ours without the cross-domain tower (the
single-domain ablation) and ours with it, one row per seed and, with more than one seed, their
mean ± std; and the RecBole peers (:mod:`~benchmarks.peers.recbole_peers`), which see the target
domain's sequences only, cached per domain as ``food-kitchen-<domain>``.

Every row's full-ranking ranks are also split by the user's history
(:func:`~recsys_tf.evaluation.history_groups.history_groups`: earlier target-domain events
0–1, 2–3, 4–7, 8+, ≤ 3, and whether the other domain has any), stored as the protocols
``full · <group>``; :func:`history_table` sets the tower against its ablation per group,
with a 95% paired bootstrap interval of the ratio over the group's users
(:func:`~recsys_tf.evaluation.paired_bootstrap.ratio_interval`; each user's NDCG@10 averaged
over seeds): about a hundred users per short-history group make that interval wide.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.report import cell, epochs_cell
from benchmarks.suites.ranking import metrics_of, ranks_of, seed_mean_std, tune_item_knn
from benchmarks.suites.seeded_runs import benchmark_experiment, trained_model
from recsys_tf.evaluation.full_ranking import popularity_scores
from recsys_tf.evaluation.history_groups import GROUPED, history_groups, ranks_by_group
from recsys_tf.evaluation.paired_bootstrap import ratio_interval
from recsys_tf.evaluation.ranking_metrics import user_ndcg


def run_cross_domain_benchmark(*, work_dir: str | Path, seeds: int = 1,
                               config: str | Path | None = None, epochs: int | None = None,
                               peers: bool = False, peer_models: tuple[str, ...] | None = None,
                               peer_settings: dict | None = None,
                               domains: list[str] | None = None, log=print) -> dict:
    """Runs the benchmark; ``peers``, ``peer_models`` and ``peer_settings`` as in
    :func:`~benchmarks.suites.ranking.run_ranking_benchmark`; ``domains``: the target domains
    to rank (default: every domain of the data)."""
    from benchmarks.peers.recbole_peers import peer_ranks, peer_summary, side_by_side
    from recsys_tf.evaluation.model_scores import model_scorer
    from recsys_tf.evaluation.protocol import negatives_for_test
    from recsys_tf.experiment.prepared_data import load_log, prepare_data

    started = time.perf_counter()
    base = benchmark_experiment(config, "food-kitchen", epochs)
    known = sorted(load_log(base.data)[0].domains)
    unknown = sorted(set(domains or ()) - set(known))
    if unknown:
        raise ValueError(f"No domain {unknown} in the data; its domains: {known}")
    targets, domains = [d for d in known if not domains or d in domains], {}
    for domain in targets:
        experiment = base.replace(data={"target_domain": domain})
        prepared = prepare_data(experiment.data)
        negatives = negatives_for_test(prepared, sizes=(999,))
        log(f"{domain}: {len(prepared.test['target'])} test targets, "
            f"{int(prepared.candidate_mask.sum())} items in the domain")
        groups = history_groups(prepared.test)

        def metrics_by_group(ranks, groups=groups):
            return metrics_of(ranks_by_group(ranks, groups))

        rows = {"popularity": metrics_by_group(ranks_of(popularity_scores(prepared.popularity),
                                                        prepared, negatives))}
        knn, _ = tune_item_knn(prepared)
        rows["item-knn"] = metrics_by_group(ranks_of(knn.scorer(), prepared, negatives))
        user_gains = {}  # cross -> each user's full-ranking NDCG@10, mean over seeds
        for cross in (False, True):
            label = "ours" if cross else "ours without cross-domain tower"
            per_seed, gains = [], []
            for seed in range(seeds):
                variant = experiment.replace(model={"use_cross_domain": cross},
                                             train={"seed": seed})
                run_dir = (Path(work_dir) / "runs" /
                           f"food-kitchen-{domain}-{'cross' if cross else 'single'}-seed{seed}")
                run, model = trained_model(variant, run_dir, prepared)
                ranks = ranks_of(model_scorer(model), prepared, negatives)
                gains.append(user_ndcg(ranks["full"], 10))
                metrics = metrics_by_group(ranks)
                per_seed.append(metrics)
                row = {**metrics, "best_epoch": run["best_epoch"],
                       "epochs": len(run["history"])}
                rows[f"{label} (seed {seed})"] = row
                sampled = row.get("sampled_999", {}).get("ndcg@10", float("nan"))
                log(f"  {label} (seed {seed}): full NDCG@10 {row['full']['ndcg@10']:.4f}, "
                    f"999-sampled NDCG@10 {sampled:.4f}")
            if seeds > 1:
                rows[f"{label} (mean ± std, {seeds} seeds)"] = seed_mean_std(per_seed)
            user_gains[cross] = np.mean(gains, axis=0)
        for model, result in side_by_side(
                prepared, dataset=f"food-kitchen-{domain}", work_dir=work_dir,
                negatives=negatives, train=peers, models=peer_models, settings=peer_settings,
                log=log).items():
            row = {**metrics_by_group(peer_ranks(result)), **peer_summary(result)}
            rows[f"RecBole {model}"] = row
            log(f"  RecBole {model}: full NDCG@10 {row['full']['ndcg@10']:.4f}")
        intervals = {label: list(ratio_interval(user_gains[True][mask], user_gains[False][mask]))
                     for label, mask in groups.items() if mask.any()}
        domains[domain] = {"test_targets": int(len(prepared.test["target"])), "rows": rows,
                           "ratio_intervals": intervals}
    return {"benchmark": "food-kitchen", "config": base.to_dict(), "domains": domains,
            "seconds": round(time.perf_counter() - started, 1),
            "date": time.strftime("%Y-%m-%d")}


def cross_domain_table(result: dict) -> str:
    lines = ["| domain | model | full HR@10 | full NDCG@10 | 999-sampled HR@10 | "
             "999-sampled NDCG@10 | epochs (best) | measured |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    for domain, block in result["domains"].items():
        for label, row in block["rows"].items():
            full, sampled = row["full"], row.get("sampled_999")
            sampled_cells = (f"{cell(sampled, 'hr@10')} | {cell(sampled, 'ndcg@10')}"
                             if sampled else "– | –")
            lines.append(f"| {domain} ({block['test_targets']} targets) | {label} | "
                         f"{cell(full, 'hr@10')} | {cell(full, 'ndcg@10')} | {sampled_cells} | "
                         f"{epochs_cell(row)} | {row.get('measured', 'this run')} |")
    return "\n".join(lines)


def history_table(result: dict) -> str:
    """Full-ranking NDCG@10 per history group: the baselines, ours without and with the
    cross-domain tower (mean ± std over seeds, or the one seed), their ratio and its 95% paired
    bootstrap interval over users ("–" in results files made before it was measured)."""
    lines = ["| domain | users | group | popularity | item-knn | ours without cross-domain "
             "tower | ours | ratio | 95% interval |",
             "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for domain, block in result["domains"].items():
        rows, intervals = block["rows"], block.get("ratio_intervals", {})
        single, cross = (_seed_row(rows, label) for label in
                         ("ours without cross-domain tower", "ours"))
        for protocol in (p for p in cross if p.startswith(GROUPED)):
            values = [row.get(protocol, {}) for row in
                      (rows["popularity"], rows["item-knn"], single, cross)]
            ratio = (f"{values[3]['ndcg@10'] / values[2]['ndcg@10']:.2f}×"
                     if values[2].get("ndcg@10") else "–")
            group = protocol.removeprefix(GROUPED)
            interval = intervals.get(group)
            interval = (f"{interval[0]:.2f}–{interval[1]:.2f}×" if interval
                        and not np.isnan(interval).any() else "–")
            lines.append(f"| {domain} | {int(values[3]['count'])} | {group} | "
                         + " | ".join(cell(v, "ndcg@10") for v in values)
                         + f" | {ratio} | {interval} |")
    return "\n".join(lines)


def _seed_row(rows: dict, label: str) -> dict:
    """The mean ± std row of ``label`` where there is one, else its single seed's row."""
    mean = next((row for key, row in rows.items() if key.startswith(f"{label} (mean")), None)
    return mean or rows[f"{label} (seed 0)"]

"""Test-split report of a trained model beside the most-popular baseline (and drift).

The benchmarks' protocol (:mod:`protocol`): full ranking at K = 10 and 20 with MRR, and the
sampled protocol (100 and 999 seeded negatives from the target's domain, where every user leaves
that many unseen items).
"""

from __future__ import annotations

import numpy as np

from recsys_tf.evaluation.full_ranking import (
    evaluate_full_ranking,
    popularity_position_scores,
    popularity_scores,
)
from recsys_tf.evaluation.interest_drift import switch_following
from recsys_tf.evaluation.model_ranking import HOST_RANKING_MAX_ITEMS, ModelRanking
from recsys_tf.evaluation.model_scores import model_position_scorer, model_scorer
from recsys_tf.evaluation.protocol import KS, negatives_for_test
from recsys_tf.evaluation.ranking_metrics import ranking_metrics
from recsys_tf.evaluation.sampled_ranking import compute_sampled_ranks


def evaluate_prepared(model, prepared, *, batch_size: int = 1024,
                      device_above: int = HOST_RANKING_MAX_ITEMS) -> dict:
    """Test HR/NDCG@10,20 and MRR of ``model`` and popularity, full ranking (``test``) and
    sampled (``test_sampled``: one entry per number of negatives); validation full ranking;
    with synthetic ground truth, also how fast each follows interest switches. ``domain`` is
    the ranked domain (None: every item). The model ranks on the device above
    ``device_above`` items (:class:`~recsys_tf.evaluation.model_ranking.ModelRanking`)."""
    scorers = {"model": model_scorer(model),
               "popularity": popularity_scores(prepared.popularity)}
    ranking = ModelRanking(model, prepared.candidate_mask, device_above=device_above)
    common = {"candidate_mask": prepared.candidate_mask, "batch_size": batch_size, "ks": KS}
    report = {
        "domain": prepared.sequence.target_domain,
        "test": {"model": ranking.metrics(prepared.test, history=prepared.test_history,
                                          batch_size=batch_size, ks=KS),
                 "popularity": evaluate_full_ranking(scorers["popularity"], prepared.test,
                                                     history=prepared.test_history, **common)},
        "test_sampled": {
            size: {name: ranking_metrics(compute_sampled_ranks(
                       scorer, prepared.test, negatives, batch_size=batch_size), KS)
                   for name, scorer in scorers.items()}
            for size, negatives in negatives_for_test(prepared).items()},
        "valid": {"model": ranking.metrics(prepared.valid, history=prepared.valid_history,
                                           batch_size=batch_size, ks=KS)},
    }
    if prepared.trajectory is not None:
        report["interest_drift"] = {
            "model": switch_following(model_position_scorer(model), prepared),
            "popularity": switch_following(popularity_position_scores(prepared.popularity),
                                           prepared)}
    return report


def format_report(report: dict) -> str:
    """A few aligned lines for the terminal."""
    header = "".join(f"{f'HR@{k}':>8}{f'NDCG@{k}':>9}" for k in KS) + f"{'MRR':>8}"

    def row(name: str, metrics: dict) -> str:
        cells = "".join(f"{metrics[f'hr@{k}']:>8.4f}{metrics[f'ndcg@{k}']:>9.4f}" for k in KS)
        return f"{name:<12}{cells}{metrics['mrr']:>8.4f}"

    domain = report.get("domain")
    where = f", {domain} items" if domain else ""
    lines = [f"{'':<12}{header}  (test, full ranking{where}, "
             f"{report['test']['model']['count']} targets, history masked)"]
    lines += [row(name, metrics) for name, metrics in report["test"].items()]
    for size, by_model in report.get("test_sampled", {}).items():
        lines.append(f"{'':<12}{header}  (test, target vs {size} sampled negatives{where})")
        lines += [row(name, metrics) for name, metrics in by_model.items()]
    drift = report.get("interest_drift")
    if drift:
        lines.append("interest switches: events of the new interest until >= 50% of the "
                     "top-10 is the new topic")
        for name, values in drift.items():
            mean = values["mean_events"]
            lines.append(f"{name:<12}followed {values['followed_share']:.1%} of "
                         f"{values['switches']} switches; mean "
                         f"{'n/a' if np.isnan(mean) else f'{mean:.2f}'} events, median "
                         f"{values['median_events']}")
    return "\n".join(lines)


def evaluate_run(model_dir, experiment=None) -> dict:
    """Loads the finished run ``model_dir``, prepares the data of ``experiment`` (default: the
    run's own ``experiment.json``) with the run's vocabularies and reports on the test split."""
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.experiment.run_directory import FinishedRun

    run = FinishedRun.load(model_dir)
    experiment = experiment or run.experiment
    prepared = prepare_data(experiment.data, vocabularies=run.vocabularies)
    if prepared.num_items != run.model.config.num_items:
        raise ValueError(f"The data has {prepared.num_items} items but the model "
                         f"{run.model.config.num_items}: not the data this model was trained on.")
    return evaluate_prepared(run.model, prepared, batch_size=experiment.train.eval_batch_size)

import json

import numpy as np
import pytest

from recsys_tf.data.transitions import transition_table
from recsys_tf.evaluation.full_ranking import evaluate_full_ranking
from recsys_tf.evaluation.model_scores import model_scorer
from recsys_tf.evaluation.ranking_metrics import target_ranks
from recsys_tf.experiment.prepared_data import prepare_data
from recsys_tf.experiment.run_directory import FinishedRun
from recsys_tf.training.transition_fit import CUTOFF, prior_ranking

NUM_ITEMS = 40


class FixedScores:
    """A score function reading rows of a fixed ``[n, items]`` matrix by example index."""

    def __init__(self, scores):
        self.scores = scores

    def __call__(self, batch):
        return self.scores[batch["row"]]


class History:
    def __init__(self, dense):
        self.matrix = dense

    def dense(self, rows, num_items):
        return self.matrix[rows]


def brute_force_ranks(base, examples, table, excluded, a, b):
    """Scores with the prior added to every item, then the evaluation's ``target_ranks``."""
    counts = np.zeros((NUM_ITEMS, NUM_ITEMS))
    for item in range(NUM_ITEMS):
        counts[item, table.successors[item]] += table.counts[item]
    counts[:, 0] = 0
    last = examples["item_ids"][np.arange(len(base)), examples["history_length"] - 1]
    prior = a * np.log1p(counts) + b * counts / np.maximum(table.totals, 1)[:, None]
    return target_ranks(base + prior[last], examples["target"], excluded)


@pytest.mark.parametrize("weights", [(0.0, 0.0), (1.0, 0.0), (0.5, 3.0), (5.0, 30.0)])
def test_ranks_match_the_full_ranking_below_the_cutoff(weights):
    rng = np.random.default_rng(0)
    n, length = 300, 6
    train = {"item_ids": rng.integers(2, 12, (200, length)),
             "targets": rng.integers(2, 14, (200, length))}
    table = transition_table(train, NUM_ITEMS, 5)
    # Coarse scores: many ties, which count against the target.
    base = np.round(rng.normal(size=(n, NUM_ITEMS)), 1)
    examples = {"item_ids": rng.integers(2, 12, (n, length)).astype(np.int32),
                "history_length": rng.integers(1, length + 1, n),
                "target": rng.integers(2, 14, n), "row": np.arange(n)}
    candidates = np.arange(NUM_ITEMS) >= 2
    candidates[30:] = False                             # not rankable
    history = rng.random((n, NUM_ITEMS)) < 0.1        # masked, the target kept
    ranking = prior_ranking(FixedScores(base), examples, candidate_mask=candidates,
                            history=History(history), successors=table.successors,
                            counts=table.counts, totals=table.totals, batch_size=64)
    excluded = history | ~candidates
    excluded[np.arange(n), examples["target"]] = False
    expected = brute_force_ranks(base, examples, table, excluded, *weights)
    actual = ranking.ranks(*weights)
    assert (expected < CUTOFF).mean() > 0.1           # the cut-off matters in this data
    np.testing.assert_array_equal(np.minimum(actual, CUTOFF), np.minimum(expected, CUTOFF))


def test_the_fitted_prior_scores_validation_as_recorded(tiny_transition_run):
    """The training run fitted the weights on a grid; the loaded model, scored through the
    evaluation path (the real scatter), gives the recorded validation NDCG@10, at least the
    one without the prior."""
    run = FinishedRun.load(tiny_transition_run)
    fit = json.loads((tiny_transition_run / "metrics.json").read_text())["transition_prior"]
    prior = run.model.retrieval_score.transitions
    assert (float(prior.log_count_weight), float(prior.share_weight)) == (
        fit["log_count"], fit["share"])
    assert fit["valid_ndcg"] == max(fit["grid"].values()) >= fit["without_prior_ndcg"]
    prepared = prepare_data(run.experiment.data, vocabularies=run.vocabularies)
    metrics = evaluate_full_ranking(model_scorer(run.model), prepared.valid,
                                    candidate_mask=prepared.candidate_mask,
                                    history=prepared.valid_history)
    assert metrics["ndcg@10"] == pytest.approx(fit["valid_ndcg"], abs=1e-6)
    assert prior.counts.numpy().sum() + fit["dropped_transitions"] == fit["transitions"]

"""Ranks and top-k over catalogue blocks in TF equal the host ranks (ties, masks, the prior)."""

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.data.transitions import transition_table
from recsys_tf.evaluation.device_ranks import BlockRanker, block_ranks
from recsys_tf.evaluation.full_ranking import compute_ranks
from recsys_tf.evaluation.model_scores import model_scorer
from recsys_tf.evaluation.ranking_metrics import target_ranks
from recsys_tf.layers import RetrievalScore

NUM_ITEMS, DIM, BATCH = 23, 3, 12


def catalogue(prior: bool):
    """Integer-valued vectors (exact float sums, so many exact ties), items 0-1 and 20 not
    candidates, and a history per row that sometimes holds the target."""
    rng = np.random.default_rng(0)
    items = rng.integers(-2, 3, size=(NUM_ITEMS, DIM)).astype("float32")
    users = rng.integers(-2, 3, size=(BATCH, DIM)).astype("float32")
    targets = rng.integers(2, NUM_ITEMS, size=BATCH).astype("int32")
    targets[0] = 20  # a target outside the candidates is still ranked
    candidates = np.arange(NUM_ITEMS) >= 2
    candidates[20] = False
    history = [np.unique(rng.integers(2, NUM_ITEMS, size=rng.integers(0, 6)))
               for _ in range(BATCH)]
    history[1] = np.append(history[1], targets[1])  # a repeat: the target stays ranked
    score = RetrievalScore(NUM_ITEMS, max_successors=2 if prior else 0)
    score.set_candidates(candidates)
    last = rng.integers(0, NUM_ITEMS, size=BATCH).astype("int32")
    if prior:
        train = {"item_ids": rng.integers(2, NUM_ITEMS, size=(40, 5)),
                 "targets": rng.integers(2, NUM_ITEMS, size=(40, 5))}
        score.transitions.set_table(transition_table(train, NUM_ITEMS, 2))
        score.transitions.set_weights_to(log_count=1.0, share=0.0)  # integer-valued bonus
    return score, items, users, targets, candidates, history, last


def host_ranks(score, items, users, targets, candidates, history, last, prior):
    scores = np.asarray(score(users, items, last_items=last if prior else None))
    excluded = np.broadcast_to(~candidates, scores.shape).copy()
    for row, values in enumerate(history):
        excluded[row, values] = True
    return target_ranks(scores, targets, excluded), scores, excluded


@pytest.mark.parametrize("block_size", [1, 4, 7, NUM_ITEMS, 64])
@pytest.mark.parametrize("prior", [False, True])
def test_block_ranks_equal_the_host_ranks(block_size, prior):
    score, items, users, targets, candidates, history, last = catalogue(prior)
    expected, scores, excluded = host_ranks(score, items, users, targets, candidates, history,
                                            last, prior)
    assert len(set(np.round(scores[2], 6))) < NUM_ITEMS  # the data does have ties
    splits = np.cumsum([0] + [len(h) for h in history])
    ranks, (top_scores, top_items) = block_ranks(
        tf.constant(users), targets, np.concatenate(history).astype("int32"), splits,
        score=score, item_vectors=tf.constant(items), num_items=NUM_ITEMS,
        block_size=block_size, k=5, last_items=last if prior else None)
    np.testing.assert_array_equal(ranks.numpy(), expected)
    # Top-5: tf.math.top_k over the row with excluded items at -inf (ties to the lower id).
    reference = tf.math.top_k(np.where(excluded, -np.inf, scores).astype("float32"), k=5)
    np.testing.assert_array_equal(top_items.numpy(), reference.indices.numpy())
    np.testing.assert_array_equal(top_scores.numpy(), reference.values.numpy())


def test_a_nan_target_score_ranks_last():
    score, items, users, targets, candidates, history, last = catalogue(False)
    users[3] = np.nan
    expected, _, _ = host_ranks(score, items, users, targets, candidates, history, last, False)
    ranks, _ = block_ranks(tf.constant(users), targets, np.zeros(0, "int32"),
                           np.zeros(BATCH + 1, "int64"), score=score,
                           item_vectors=tf.constant(items), num_items=NUM_ITEMS, block_size=5)
    assert ranks.numpy()[3] == expected[3] == NUM_ITEMS - 1


def test_the_model_ranker_equals_compute_ranks(tmp_path):
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import build_model
    from tests.training.tiny_experiment import tiny_experiment

    experiment = tiny_experiment(tmp_path, model={"use_transitions": True})
    prepared = prepare_data(experiment.data)
    model = build_model(experiment, prepared)
    model.retrieval_score.transitions.set_table(
        transition_table(prepared.train, prepared.num_items, model.config.max_successors))
    model.retrieval_score.transitions.set_weights_to(log_count=0.5, share=1.0)
    expected = compute_ranks(model_scorer(model), prepared.test,
                             candidate_mask=prepared.candidate_mask,
                             history=prepared.test_history, batch_size=64)
    ranks, top = BlockRanker(model, block_size=64).ranks(
        prepared.test, history=prepared.test_history, batch_size=64, k=10)
    np.testing.assert_array_equal(ranks, expected)
    # The top-10 are a best 10 of the host scores with history and non-candidates left out
    # (equal up to float32 rounding between the block and whole-catalogue products).
    scores = model_scorer(model)(prepared.test)
    excluded = ~prepared.candidate_mask | prepared.test_history.dense(
        slice(0, len(ranks)), prepared.num_items)
    best = np.sort(np.where(excluded, -np.inf, scores), axis=1)[:, ::-1][:, :10]
    chosen = np.take_along_axis(scores, top, axis=1)
    assert not np.take_along_axis(excluded, top, axis=1).any()
    np.testing.assert_allclose(chosen, best, rtol=1e-5, atol=1e-5)


def test_validation_above_the_host_limit_ranks_on_the_device_with_the_same_figures(tmp_path):
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.ranking_validation import RankingValidation
    from recsys_tf.training.trainer import build_model
    from tests.training.tiny_experiment import tiny_experiment

    experiment = tiny_experiment(tmp_path)
    prepared = prepare_data(experiment.data)
    model = build_model(experiment, prepared)
    figures = []
    for device_above in (10**9, 0):  # the host path, then the device path
        validation = RankingValidation(prepared.valid, prepared.valid_history,
                                       prepared.candidate_mask, batch_size=64,
                                       device_above=device_above)
        validation.set_model(model)
        validation.on_train_begin()
        logs = {}
        validation.on_epoch_end(0, logs)
        figures.append(logs)
    assert isinstance(validation.ranking.scorer, BlockRanker)
    assert figures[0] == pytest.approx(figures[1], abs=1e-9)
    assert figures[0]["val_ndcg@10"] > 0


def test_the_test_report_ranks_the_model_on_the_device_with_the_host_figures(tmp_path):
    from recsys_tf.evaluation.run_report import evaluate_prepared
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import build_model
    from tests.training.tiny_experiment import tiny_experiment

    experiment = tiny_experiment(tmp_path)
    prepared = prepare_data(experiment.data)
    model = build_model(experiment, prepared)
    host = evaluate_prepared(model, prepared, batch_size=64, device_above=10**9)
    device = evaluate_prepared(model, prepared, batch_size=64, device_above=0)
    for split in ("test", "valid"):
        assert device[split]["model"] == pytest.approx(host[split]["model"], abs=1e-9)
    assert device["test"]["model"]["ndcg@20"] > 0 and device["test"]["model"]["count"] > 0


def test_host_batches_shrink_to_a_bounded_score_array(monkeypatch):
    from recsys_tf.evaluation import full_ranking

    monkeypatch.setattr(full_ranking, "HOST_SCORES", 30)
    seen = []

    def score(batch):
        seen.append(len(batch["target"]))
        return np.tile(np.arange(10.0), (len(batch["target"]), 1))

    examples = {"target": np.arange(2, 9)}
    ranks = full_ranking.compute_ranks(score, examples, candidate_mask=np.arange(10) >= 2,
                                       batch_size=1024)
    assert seen == [3, 3, 1]
    np.testing.assert_array_equal(ranks, 9 - examples["target"])

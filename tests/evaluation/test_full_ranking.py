import numpy as np

from recsys_tf.evaluation import evaluate_full_ranking, popularity_scores, target_ranks


def test_batched_equals_one_shot():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(37, 15))
    examples = {"target": rng.integers(2, 15, 37).astype("int32"), "row": np.arange(37)}
    mask = np.arange(15) >= 2
    batched = evaluate_full_ranking(lambda b: scores[b["row"]], examples, candidate_mask=mask,
                                    batch_size=8, ks=(10, 20))
    ranks = target_ranks(scores, examples["target"], np.broadcast_to(~mask, scores.shape))
    assert batched["hr@10"] == np.mean(ranks < 10)
    assert batched["count"] == 37


def test_popularity_baseline():
    counts = np.array([0, 0, 5, 9, 1], float)
    examples = {"target": np.array([3, 2, 4])}
    m = evaluate_full_ranking(popularity_scores(counts), examples,
                              candidate_mask=np.arange(5) >= 2, ks=(1,))
    assert m["hr@1"] == 1 / 3 and m["mrr"] == (1 + 1 / 2 + 1 / 3) / 3

"""Reserved places for new items: against a plain-Python reference of the rule."""

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.evaluation.full_ranking import compute_ranks
from recsys_tf.evaluation.new_item_slots import merge_new_item_slots, new_item_slot_ranks

K = 10


def reference_list(scores: np.ndarray, new: np.ndarray, slots: int, k: int = K) -> list[int]:
    """The rule in the module docstring, one row, item by item."""
    order = [int(i) for i in np.argsort(-scores, kind="stable") if np.isfinite(scores[i])]
    top = order[:k]
    missing = slots - sum(new[i] for i in top)
    extra = [i for i in order[k:] if new[i]][:max(missing, 0)]
    for _ in extra:  # the lowest-scored warm item leaves
        warm = [i for i in top if not new[i]]
        top.remove(warm[-1])
    return top + extra


def merged(scores: np.ndarray, new: np.ndarray, slots) -> np.ndarray:
    top = tf.math.top_k(scores, k=K)
    best_new = tf.math.top_k(np.where(new, scores, -np.inf), k=K)
    return merge_new_item_slots(top.values, top.indices, tf.gather(new, top.indices),
                                best_new.values, best_new.indices, slots)[1].numpy()


@pytest.mark.parametrize("slots", [0, 1, 3, K])
def test_equals_the_reference_rule(slots):
    rng = np.random.default_rng(slots)
    scores = rng.normal(size=(200, 300)).astype("float32")
    new = rng.random(300) < 0.1
    scores[:50, new] += 1.5  # some rows already hold new items on their own score
    scores[50:60, rng.random(300) < 0.5] = -np.inf  # excluded items (history, non-candidates)
    lists = merged(scores, new, slots)
    for row in range(len(scores)):
        assert lists[row].tolist() == reference_list(scores[row], new, slots), row


def test_k_reserved_slots_hold_exactly_k_new_items_when_enough_exist():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(64, 500)).astype("float32")
    new = np.zeros(500, bool)
    new[400:] = True
    scores[:, new] -= 10.0  # new items never make the list on their score
    for slots in range(K + 1):
        lists = merged(scores, new, slots)
        assert (new[lists].sum(axis=1) == slots).all(), slots
        warm_top = np.argsort(-np.where(new, -np.inf, scores), axis=1)[:, :K - slots]
        np.testing.assert_array_equal(lists[:, :K - slots], warm_top)
        new_top = np.argsort(-np.where(new, scores, -np.inf), axis=1)[:, :slots]
        np.testing.assert_array_equal(lists[:, K - slots:], new_top)


def test_too_few_new_items_keep_the_warm_ones_and_slots_may_differ_per_row():
    scores = np.array([[9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5, 0.2, 0.1]] * 2, "float32")
    new = np.zeros(12, bool)
    new[11] = True  # one new item only
    lists = merged(scores, new, np.array([3, 0]))
    assert lists[0].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 11]
    assert lists[1].tolist() == list(range(10))


def test_offline_ranks_match_full_ranking_without_slots_and_count_the_cold_gain():
    rng = np.random.default_rng(1)
    num_items, count = 120, 300
    scores = rng.normal(size=(count, num_items)).astype("float32")
    examples = {"target": rng.integers(2, num_items, size=count), "row": np.arange(count)}
    candidates = np.arange(num_items) >= 2
    new = np.zeros(num_items, bool)
    new[100:] = True

    def score_fn(batch):
        return scores[batch["row"]]

    ranks = new_item_slot_ranks(score_fn, examples, candidate_mask=candidates, new_items=new,
                                slots=(0, 2), batch_size=64)
    plain, reserved = ranks[0], ranks[2]
    full = compute_ranks(score_fn, examples, candidate_mask=candidates)
    np.testing.assert_array_equal(plain, np.minimum(full, K))
    cold = new[examples["target"]]
    assert (reserved[cold] < K).sum() > (plain[cold] < K).sum()
    assert (reserved[~cold] < K).sum() <= (plain[~cold] < K).sum()

"""Reserved places for new items: against a plain-Python reference of the rule."""

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.evaluation.full_ranking import compute_ranks
from recsys_tf.evaluation.new_item_slots import (
    ALWAYS,
    earned_slots,
    last_item_similarity,
    merge_new_item_slots,
    new_item_scores,
    new_item_slot_ranks,
)

K = 10


def reference_list(scores: np.ndarray, new: np.ndarray, slots: int, k: int = K,
                   new_scores: np.ndarray | None = None, offset: float = ALWAYS) -> list[int]:
    """The rule in the module docstring, one row, item by item (new items ranked for the
    places by ``new_scores``, default ``scores``; one scored -inf there takes no place; one
    takes it only while its new score plus ``offset`` reaches the warm item that leaves)."""
    order = [int(i) for i in np.argsort(-scores, kind="stable") if np.isfinite(scores[i])]
    top = order[:k]
    missing = slots - sum(new[i] for i in top)
    new_scores = scores if new_scores is None else new_scores
    new_order = [int(i) for i in np.argsort(-new_scores, kind="stable")
                 if new[i] and np.isfinite(scores[i]) and np.isfinite(new_scores[i])
                 and i not in top]
    extra = []
    for item in new_order[:max(missing, 0)]:  # the lowest-scored warm item leaves
        warm = [i for i in top if not new[i]]
        if not warm or new_scores[item] + offset < scores[warm[-1]]:
            break
        top.remove(warm[-1])
        extra.append(item)
    return top + extra


def merged(scores: np.ndarray, new: np.ndarray, slots, new_scores=None,
           offset=None) -> np.ndarray:
    top = tf.math.top_k(scores, k=K)
    new_scores = scores if new_scores is None else np.where(np.isfinite(scores), new_scores,
                                                            -np.inf)
    best_new = tf.math.top_k(np.where(new, new_scores, -np.inf), k=K)
    parts = (top.values, top.indices, tf.gather(new, top.indices), best_new.values,
             best_new.indices)
    if offset is not None:
        slots = earned_slots(*parts, slots, offset)
    return merge_new_item_slots(*parts, slots)[1].numpy()


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
    examples = {"target": rng.integers(2, num_items, size=count), "row": np.arange(count),
                "item_ids": rng.integers(2, num_items, size=(count, 4)),
                "history_length": np.full(count, 4)}
    candidates = np.arange(num_items) >= 2
    new = np.zeros(num_items, bool)
    new[100:] = True

    def score_fn(batch):
        return scores[batch["row"]]

    ranks = new_item_slot_ranks(score_fn, examples, candidate_mask=candidates, new_items=new,
                                slots=(0, 2), batch_size=64)
    plain, reserved = ranks[0, 0.0, -1.0, ALWAYS], ranks[2, 0.0, -1.0, ALWAYS]
    full = compute_ranks(score_fn, examples, candidate_mask=candidates)
    np.testing.assert_array_equal(plain, np.minimum(full, K))
    # A new target with its user's last item's title is found once titles count (new items
    # scored below every warm one: no list holds one on its own).
    low = np.where(new, scores - 10.0, scores)
    text = np.eye(num_items, dtype="float32")
    # New item 100 + i has a title close to warm item 2 + i's (cosine 0.8), not the same one.
    text[100:] = 0.8 * text[2:22] + 0.6 * text[22:42]
    cold_twins = examples["target"] >= 100
    examples["item_ids"][cold_twins, -1] = examples["target"][cold_twins] - 98
    by_title = new_item_slot_ranks(lambda batch: low[batch["row"]], examples,
                                   candidate_mask=candidates,
                                   new_items=new, slots=(1,), item_text=text,
                                   title_weights=(0.0, 100.0), batch_size=64)
    assert (by_title[1, 100.0, -1.0, ALWAYS][cold_twins] < K).mean() > 0.9
    assert (by_title[1, 0.0, -1.0, ALWAYS][cold_twins] < K).mean() < 0.5
    cold = new[examples["target"]]
    assert (reserved[cold] < K).sum() > (plain[cold] < K).sum()
    assert (reserved[~cold] < K).sum() <= (plain[~cold] < K).sum()


@pytest.mark.parametrize("slots", [1, 4])
def test_new_items_may_be_ranked_for_the_places_by_their_own_score(slots):
    rng = np.random.default_rng(10 + slots)
    scores = rng.normal(size=(100, 200)).astype("float32")
    new_scores = rng.normal(size=(100, 200)).astype("float32")
    new = rng.random(200) < 0.2
    scores[:30, new] += 1.5  # some new items make the list on the main score
    lists = merged(scores, new, slots, new_scores)
    for row in range(len(scores)):
        assert lists[row].tolist() == reference_list(scores[row], new, slots, K,
                                                     new_scores[row]), row


def test_new_item_scores_add_the_last_items_title_cosine():
    rng = np.random.default_rng(2)
    text = rng.normal(size=(30, 8)).astype("float32")
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    scores = rng.normal(size=(4, 30)).astype("float32")
    last = np.array([3, 7, 7, 29])
    out = new_item_scores(scores, last_item_similarity(text, last), 2.5).numpy()
    similarity = text[last] @ text.T
    own = similarity > 0.999  # each row's last item itself, the only same title here
    assert own.sum() == len(last) and np.isneginf(out[own]).all()
    np.testing.assert_allclose(out[~own], (scores + 2.5 * similarity)[~own], rtol=1e-5,
                               atol=1e-6)


def test_title_twins_of_the_last_item_and_items_under_the_least_similarity_get_no_place():
    text = np.array([[1, 0, 0], [1, 0, 0], [0.8, 0.6, 0], [0, 1, 0], [0.6, 0, 0.8]], "float32")
    scores = np.zeros((1, 5), "float32")
    out = new_item_scores(scores, last_item_similarity(text, np.array([0])), 1.0).numpy()[0]
    # item 1 is item 0's title again (the same product listed twice): never a place.
    assert np.isneginf(out[[0, 1]]).all()
    np.testing.assert_allclose(out[2:], [0.8, 0.0, 0.6], atol=1e-6)
    gated = new_item_scores(scores, last_item_similarity(text, np.array([0])), 1.0,
                            min_similarity=0.7).numpy()[0]
    assert np.isneginf(gated[[0, 1, 3, 4]]).all() and gated[2] == pytest.approx(0.8)


def test_a_least_similarity_leaves_the_lists_without_a_close_new_item_as_they_were():
    rng = np.random.default_rng(3)
    num_items, count = 60, 200
    scores = rng.normal(size=(count, num_items)).astype("float32")
    new = np.arange(num_items) >= 50
    scores[:, new] -= 10.0
    text = rng.normal(size=(num_items, 6)).astype("float32")
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    examples = {"target": rng.integers(1, num_items, size=count), "row": np.arange(count),
                "item_ids": rng.integers(1, 50, size=(count, 3)),
                "history_length": np.full(count, 3)}
    ranks = new_item_slot_ranks(lambda batch: scores[batch["row"]], examples,
                                candidate_mask=np.arange(num_items) >= 1, new_items=new,
                                slots=(0, 2), item_text=text, min_similarities=(-1.0, 0.5),
                                batch_size=64)
    close = (text[examples["item_ids"][:, -1]] @ text[new].T >= 0.5).sum(axis=1)
    assert 0 < (close == 0).sum() < count
    plain = ranks[0, 0.0, -1.0, ALWAYS]
    # Without a new item within 0.5 of the last item's title, the warm list is served as is.
    np.testing.assert_array_equal(ranks[2, 0.0, 0.5, ALWAYS][close == 0], plain[close == 0])
    # With one, it takes a place (the lowest warm item leaves): the list differs from the
    # plain one exactly where a warm target sat in a place it lost or a new one got in.
    changed = ranks[2, 0.0, 0.5, ALWAYS] != plain
    assert changed[close > 0].any() and not changed[close == 0].any()


@pytest.mark.parametrize("offset", [-np.inf, -1.0, 0.0, 0.7, ALWAYS])
def test_an_offset_gives_a_place_only_where_the_new_item_beats_the_warm_one_it_pushes_out(
        offset):
    rng = np.random.default_rng(20)
    scores = rng.normal(size=(150, 200)).astype("float32")
    new_scores = rng.normal(size=(150, 200)).astype("float32")
    new = rng.random(200) < 0.2
    scores[:30, new] += 1.5  # some new items make the list on the main score
    scores[30:40, rng.random(200) < 0.5] = -np.inf
    lists = merged(scores, new, 3, new_scores, offset)
    for row in range(len(scores)):
        assert lists[row].tolist() == reference_list(scores[row], new, 3, K, new_scores[row],
                                                     offset), row
    if offset == ALWAYS:  # the unconditional places
        np.testing.assert_array_equal(lists, merged(scores, new, 3, new_scores))


def test_offline_ranks_under_an_offset_match_the_served_lists():
    rng = np.random.default_rng(21)
    num_items, count = 90, 250
    scores = rng.normal(size=(count, num_items)).astype("float32")
    new = np.arange(num_items) >= 70
    scores[:, new] -= 1.0
    examples = {"target": rng.integers(1, num_items, size=count), "row": np.arange(count),
                "item_ids": rng.integers(1, 70, size=(count, 3)),
                "history_length": np.full(count, 3)}
    offsets = (-np.inf, 0.5, 1.5, ALWAYS)
    ranks = new_item_slot_ranks(lambda batch: scores[batch["row"]], examples,
                                candidate_mask=np.arange(num_items) >= 1, new_items=new,
                                slots=(0, 1, 3), offsets=offsets, batch_size=64)
    masked = np.where(np.arange(num_items) >= 1, scores, -np.inf)
    for offset in offsets:
        for slots in (0, 1, 3):
            lists = merged(masked, new, slots, offset=offset)
            hit = lists == examples["target"][:, None]
            expected = np.where(hit.any(axis=1), hit.argmax(axis=1), K)
            np.testing.assert_array_equal(ranks[slots, 0.0, -1.0, float(offset)], expected)
    # No offset gives a place no new item earns; a higher one never gives fewer.
    np.testing.assert_array_equal(ranks[3, 0.0, -1.0, -np.inf], ranks[0, 0.0, -1.0, ALWAYS])
    placed = [(ranks[3, 0.0, -1.0, d] != ranks[0, 0.0, -1.0, ALWAYS]).sum() for d in offsets]
    assert placed == sorted(placed) and 0 < placed[1] < placed[-1]

import collections

import numpy as np
import pytest

from recsys_tf.data.transitions import transition_table


def random_train(seed=0, examples=40, length=6, num_items=12):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, length + 1, examples)
    valid = np.arange(length)[None] < lengths[:, None]
    items = np.where(valid, rng.integers(2, num_items, (examples, length)), 0)
    targets = np.where(valid, rng.integers(2, num_items, (examples, length)), 0)
    return {"item_ids": items.astype("int32"), "targets": targets.astype("int32")}


@pytest.mark.parametrize("max_successors", [1, 3, 20])
def test_counts_match_a_pair_counter(max_successors):
    train, num_items = random_train(), 12
    pairs = collections.Counter(
        (int(a), int(b)) for a, b in zip(train["item_ids"].ravel(), train["targets"].ravel(),
                                         strict=True) if b > 0)
    table = transition_table(train, num_items, max_successors)
    dropped = 0
    for item in range(num_items):
        ranked = sorted(((-n, b) for (a, b), n in pairs.items() if a == item))
        kept = ranked[:max_successors]
        dropped -= sum(n for n, _ in ranked[max_successors:])
        width = len(kept)
        assert table.successors[item, :width].tolist() == [b for _, b in kept]
        assert table.counts[item, :width].tolist() == [-n for n, _ in kept]
        assert not table.successors[item, width:].any() and not table.counts[item, width:].any()
        assert table.totals[item] == sum(n for (a, _), n in pairs.items() if a == item)
    assert table.dropped == dropped
    assert table.totals.sum() == (train["targets"] > 0).sum()


def test_bad_size():
    with pytest.raises(ValueError, match="max_successors"):
        transition_table(random_train(), 12, 0)

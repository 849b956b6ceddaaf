import numpy as np

from benchmarks.analysis.cross_domain_signal import cross_cooccurrence, latest_cross_items


def random_windows(seed=0, n=30, length=6, cross_length=5, items=12):
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, items, (n, length))
    cross = rng.integers(0, items, (n, cross_length))
    lengths = np.sort(rng.integers(0, cross_length + 1, (n, length)), axis=1)
    return {"targets": targets, "cross_item_ids": cross, "cross_lengths": lengths}


def test_cooccurrence_matches_a_loop_over_every_visible_event():
    train, window, items = random_windows(), 3, 12
    counts = np.zeros((items, items))
    for n in range(len(train["targets"])):
        for j, target in enumerate(train["targets"][n]):
            visible = train["cross_item_ids"][n, :train["cross_lengths"][n, j]]
            for item in visible[-window:]:
                if target and item:
                    counts[item, target] += 1
    rows, cols = counts.sum(axis=1), counts.sum(axis=0)
    expected = counts / np.sqrt(np.maximum(rows, 1e-24)[:, None] * np.maximum(cols, 1e-24)[None])
    np.testing.assert_allclose(cross_cooccurrence(train, items, window).toarray(), expected,
                               rtol=1e-12, atol=1e-12)


def test_only_events_visible_before_the_last_position_score():
    windows = random_windows(seed=1)
    batch = {"cross_item_ids": windows["cross_item_ids"],
             "cross_lengths": windows["cross_lengths"],
             "history_length": np.full(len(windows["targets"]), 4)}
    latest = latest_cross_items(batch, 2)
    for n, row in enumerate(latest):
        visible = batch["cross_item_ids"][n, :batch["cross_lengths"][n, 3]]
        assert row.tolist() == (visible[::-1][:2].tolist() + [0, 0])[:2]

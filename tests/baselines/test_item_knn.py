import numpy as np
import pytest

from recsys_tf.baselines import ItemKNN


def _reference_scores(sequences, history, num_items, window, recent, decay):
    """Dense NumPy reference of ItemKNN (no neighbour cut-off, no back-off)."""
    counts = np.zeros((num_items, num_items))
    occurrences = np.zeros(num_items)
    for seq in sequences:
        for item in seq:
            occurrences[item] += 1
        for t in range(len(seq)):
            for d in range(1, window + 1):
                if t + d < len(seq) and seq[t] != seq[t + d]:
                    counts[seq[t], seq[t + d]] += 1
                    counts[seq[t + d], seq[t]] += 1
    norm = 1 / np.sqrt(np.maximum(occurrences, 1))
    sim = counts * norm[:, None] * norm[None, :]
    scores = np.zeros(num_items)
    for age, item in enumerate(reversed(history[-recent:])):
        scores += decay ** age * sim[item]
    return scores


def test_matches_dense_reference():
    rng = np.random.default_rng(0)
    num_items, length = 12, 8
    sequences = [list(rng.integers(2, num_items, rng.integers(3, length + 2)))
                 for _ in range(30)]
    item_ids = np.zeros((30, length), int)
    targets = np.zeros((30, length), int)
    for row, seq in enumerate(sequences):  # examples: inputs seq[:-1], targets seq[1:]
        seq = seq[-(length + 1):]
        item_ids[row, :len(seq) - 1] = seq[:-1]
        targets[row, :len(seq) - 1] = seq[1:]
        sequences[row] = seq
    knn = ItemKNN(window=2, recent=4, decay=0.5, neighbours=1000).fit(
        {"item_ids": item_ids, "targets": targets}, num_items)
    history = [5, 3, 7, 7, 2, 9]
    batch = {"item_ids": np.array([history + [0, 0]]), "history_length": np.array([6])}
    got = knn.scorer()(batch)[0]
    expected = _reference_scores(sequences, history, num_items, 2, 4, 0.5)
    np.testing.assert_allclose(got, expected, atol=2e-6)  # back-off term <= 1e-6


def test_neighbour_cut_off_and_empty_history_back_off():
    item_ids = np.array([[2, 3, 2, 4, 2, 5]])
    targets = np.array([[3, 2, 4, 2, 5, 5]])
    knn = ItemKNN(window=1, neighbours=1).fit({"item_ids": item_ids, "targets": targets}, 6)
    assert (np.diff(knn.similarity.indptr) <= 1).all()
    empty = knn.scorer()({"item_ids": np.zeros((1, 6), int), "history_length": np.array([0])})
    assert empty.argmax() == 2  # most frequent target
    with pytest.raises(ValueError, match="decay"):
        ItemKNN(decay=0)


def test_position_scorer_equals_scoring_each_prefix():
    item_ids = np.array([[2, 3, 4, 2, 5], [4, 5, 3, 0, 0]])
    targets = np.array([[3, 4, 2, 5, 3], [5, 3, 2, 0, 0]])
    knn = ItemKNN(window=2, decay=0.7).fit({"item_ids": item_ids, "targets": targets}, 6)
    every = knn.position_scorer()({"item_ids": item_ids})
    assert every.shape == (2, 5, 6)
    for p in range(5):
        prefix = knn.scorer()({"item_ids": item_ids, "history_length": np.full(2, p + 1)})
        np.testing.assert_allclose(every[:, p], prefix)

import numpy as np
import pytest

from recsys_tf.data.pipeline import make_dataset


def examples(n=50):
    return {"item_ids": np.arange(n * 3, dtype=np.int32).reshape(n, 3),
            "targets": np.arange(n * 3, dtype=np.int32).reshape(n, 3) + 1}


def order(dataset):
    return np.concatenate([x["item_ids"][:, 0].numpy() for x, _ in dataset]).tolist()


def test_seeded_shuffle_is_reproducible_and_a_permutation():
    first = order(make_dataset(examples(), batch_size=8, shuffle=True, seed=7))
    again = order(make_dataset(examples(), batch_size=8, shuffle=True, seed=7))
    other = order(make_dataset(examples(), batch_size=8, shuffle=True, seed=8))
    assert first == again and first != other
    assert sorted(first) == list(range(0, 150, 3))


def test_labels_stay_aligned_with_features():
    for features, labels in make_dataset(examples(), batch_size=16, shuffle=True, seed=1):
        np.testing.assert_array_equal(features["item_ids"].numpy() + 1, labels.numpy())


def test_batching_and_errors():
    dataset = make_dataset(examples(10), batch_size=4, shuffle=False, drop_remainder=True)
    assert [x["item_ids"].shape[0] for x, _ in dataset] == [4, 4]
    with pytest.raises(ValueError, match="same first dimension"):
        make_dataset({"a": np.zeros(3), "targets": np.zeros(4)}, batch_size=2, shuffle=False)
    with pytest.raises(ValueError, match="label_key"):
        make_dataset({"a": np.zeros(3)}, batch_size=2, shuffle=False)

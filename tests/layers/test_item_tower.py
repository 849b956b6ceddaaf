import numpy as np
import pytest

from recsys_tf.layers import ItemTower
from tests.keras_harness import run_layer_test, run_serialization_test
from tests.layers.fixtures import NUM_ITEMS, text_table


def items(ids=(2, 3, 4, 1)):
    ids = np.array(ids, "int32")
    return {"item_ids": ids, "text_embeddings": text_table()[np.maximum(ids, 2)],
            "categories": (ids % 3 + 2).astype("int32")}


def make(**kwargs):
    tower = ItemTower(NUM_ITEMS, output_dim=4, num_categories=5, **kwargs)
    known = np.ones(NUM_ITEMS, bool)
    known[[0, 1, 4]] = False                      # item 4 never seen in training
    tower.set_known_items(known)
    return tower


def test_layer_and_weights():
    # id embedding, text (2 x 2), category
    run_layer_test(make(), items(), expected_output_shape=(4, 4),
                   expected_num_trainable_weights=6)


def test_unseen_items_use_text_and_category_only():
    tower = make()
    tower(items())
    text_only = ItemTower(NUM_ITEMS, output_dim=4, num_categories=5, use_ids=False)
    text_only(items())
    for name in ("text_hidden", "text_output", "category_embedding"):
        for a, b in zip(getattr(text_only, name).weights, getattr(tower, name).weights,
                        strict=True):
            a.assign(b)
    full, content = np.asarray(tower(items())), np.asarray(text_only(items()))
    np.testing.assert_allclose(full[2], content[2], atol=1e-6)   # unseen item 4
    np.testing.assert_allclose(full[3], content[3], atol=1e-6)   # OOV id 1: a new item
    assert not np.allclose(full[0], content[0])                   # seen: id embedding adds


def test_id_dropout_only_in_training():
    tower = make(id_dropout=0.5, seed=3)
    batch = items(ids=list(range(2, 20)))
    inference = np.asarray(tower(batch))
    np.testing.assert_allclose(inference, tower(batch))
    training = np.asarray(tower(batch, training=True))
    changed = ~np.isclose(training, inference).all(axis=1)
    assert 0 < changed.sum() < len(changed)


def test_known_items_shape_checked():
    with pytest.raises(ValueError, match="known"):
        make().set_known_items(np.ones(3))


def test_needs_ids_or_text():
    with pytest.raises(ValueError, match="use_ids"):
        ItemTower(NUM_ITEMS, use_ids=False, use_text=False)


def test_serialization(tmp_path):
    loaded = run_serialization_test(make(id_dropout=0.1), items(), tmp_path)
    assert loaded is not None

"""The text→id mapper: an item without training events gets the id vector its title predicts."""

import numpy as np
import pytest

from recsys_tf.models.model_config import ModelConfig
from recsys_tf.models.two_tower_model import TwoTowerModel
from recsys_tf.training.text_to_id_fit import choose_l2, fit_text_to_id, ridge_map

NUM_ITEMS, TEXT_DIM, DIM = 60, 8, 6
WARM_TWIN, COLD_TWIN = 7, 59


def toy_model(tie: bool) -> tuple[TwoTowerModel, np.ndarray]:
    """A catalogue whose learned id vectors are a linear function of the titles (plus a little
    noise); item 59 never occurred in training and has item 7's title."""
    rng = np.random.default_rng(0)
    text = rng.normal(size=(NUM_ITEMS, TEXT_DIM)).astype("float32")
    text[COLD_TWIN] = text[WARM_TWIN]
    config = ModelConfig(num_items=NUM_ITEMS, text_dim=TEXT_DIM, embedding_dim=DIM,
                         hidden_dim=DIM, query_dim=DIM, use_content=False,
                         use_topic_interest=False, tie_item_embeddings=tie, item_id_dropout=0.0)
    model = TwoTowerModel(config)
    known = np.ones(NUM_ITEMS, bool)
    known[[0, 1, COLD_TWIN]] = False
    model.set_catalogue(text_embeddings=text, categories=None, known=known,
                        candidate_mask=np.arange(NUM_ITEMS) >= 2)
    tables = {model.candidate_model.item_tower.id_embedding.embeddings.path:
              model.candidate_model.item_tower.id_embedding.embeddings,
              model.query_model.behaviour_tower.item_embedding.embeddings.path:
              model.query_model.behaviour_tower.item_embedding.embeddings}
    assert len(tables) == (1 if tie else 2)
    for table in tables.values():
        learned = text @ rng.normal(size=(TEXT_DIM, DIM)) + 0.05 * rng.normal(
            size=(NUM_ITEMS, DIM))
        learned[COLD_TWIN] = rng.normal(size=DIM)  # an untrained row: noise
        table.assign(learned.astype("float32"))
    return model, np.full(NUM_ITEMS, 5.0)


def cosine(a, b) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize("tie", [True, False])
def test_cold_item_lands_next_to_its_warm_twin(tie):
    model, popularity = toy_model(tie)
    before = np.asarray(model.candidate_embeddings())
    fit = fit_text_to_id(model, popularity)
    after = np.asarray(model.candidate_embeddings())

    assert fit.mapped_items == 1 and fit.warm_items == NUM_ITEMS - 3
    assert fit.valid_cosine > 0.95
    # Before: the cold item had only its text part; after: text part + predicted id part.
    assert cosine(before[COLD_TWIN], before[WARM_TWIN]) < 0.9
    assert cosine(after[COLD_TWIN], after[WARM_TWIN]) > 0.99
    np.testing.assert_allclose(after[WARM_TWIN], before[WARM_TWIN], rtol=1e-6)
    # The behaviour tower reads the same prediction for the cold item in a history.
    behaviour_rows = np.asarray(model.query_model.behaviour_tower.item_embedding.embeddings)
    assert cosine(behaviour_rows[COLD_TWIN], behaviour_rows[WARM_TWIN]) > 0.99


def test_items_outside_the_catalogue_use_the_mapper_through_oov():
    model, popularity = toy_model(tie=True)
    fit_text_to_id(model, popularity)
    tower = model.candidate_model.item_tower
    text = np.asarray(model.item_text())[[WARM_TWIN]]
    oov = np.asarray(tower({"item_ids": np.array([1]), "text_embeddings": text}))
    warm = np.asarray(model.candidate_embeddings(np.array([WARM_TWIN])))
    assert cosine(oov[0], warm[0]) > 0.99


def test_ridge_strength_is_chosen_on_held_out_rows():
    rng = np.random.default_rng(1)
    text = rng.normal(size=(40, 30))
    targets = text[:, :3] + rng.normal(scale=3.0, size=(40, 3))  # few rows, noisy targets
    l2, _ = choose_l2(text, targets, np.ones(40))
    assert l2 > 0.01  # noise in few rows asks for more than the weakest penalty
    kernel, bias = ridge_map(text, text[:, :3], np.ones(40), 1e-9)
    np.testing.assert_allclose(text @ kernel + bias, text[:, :3], atol=1e-6)


def test_models_without_ids_or_text_have_no_mapper():
    config = ModelConfig(num_items=20, text_dim=0, use_content=False, use_topic_interest=False,
                         embedding_dim=4, hidden_dim=4, query_dim=4)
    assert fit_text_to_id(TwoTowerModel(config), np.ones(20)) is None

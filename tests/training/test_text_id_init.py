"""Id tables initialised from text: principal components of the titles, at the table's scale."""

import numpy as np
import pytest

from recsys_tf.experiment.prepared_data import prepare_data
from recsys_tf.models.model_config import ModelConfig
from recsys_tf.models.two_tower_model import TwoTowerModel
from recsys_tf.training.text_id_init import init_ids_from_text, text_components
from recsys_tf.training.trainer import build_model
from tests.training.tiny_experiment import tiny_experiment

NUM_ITEMS, TEXT_DIM, DIM = 40, 10, 4


def test_components_match_the_covariance_eigenvectors():
    rng = np.random.default_rng(1)
    text = rng.normal(size=(200, TEXT_DIM)) * np.linspace(3, 0.5, TEXT_DIM)
    scores = text_components(text, DIM)
    # Reference: eigenvectors of the covariance, largest eigenvalues first.
    centred = text - text.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred.T, bias=True))
    order = np.argsort(values)[::-1][:DIM]
    expected = centred @ vectors[:, order] / np.sqrt(values[order])
    for column in range(DIM):  # equal up to each component's sign
        sign = np.sign(scores[:, column] @ expected[:, column])
        np.testing.assert_allclose(sign * scores[:, column], expected[:, column], atol=1e-8)


def test_components_past_the_text_rank_are_zero():
    text = np.repeat(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0]]), 5, axis=0)
    scores = text_components(text, 3)
    assert np.abs(scores[:, 1:]).max() == 0 and scores[:, 0].std() == pytest.approx(1.0)


@pytest.mark.parametrize("tie", [True, False])
def test_every_id_table_starts_from_the_titles(tie):
    rng = np.random.default_rng(0)
    text = rng.normal(size=(NUM_ITEMS, TEXT_DIM)).astype("float32")
    text[9] = text[8]  # two items with one title
    config = ModelConfig(num_items=NUM_ITEMS, text_dim=TEXT_DIM, embedding_dim=DIM,
                         hidden_dim=DIM, query_dim=DIM, use_content=False,
                         use_topic_interest=False, tie_item_embeddings=tie)
    model = TwoTowerModel(config)
    model.set_catalogue(text_embeddings=text, categories=None, known=np.ones(NUM_ITEMS, bool),
                        candidate_mask=np.arange(NUM_ITEMS) >= 2)
    layers = [model.candidate_model.item_tower.id_embedding,
              model.query_model.behaviour_tower.item_embedding]
    before = [np.asarray(layer.embeddings) for layer in layers]

    assert init_ids_from_text(model) == (1 if tie else 2)
    expected = text_components(text[2:], DIM)
    for layer, old in zip(layers, before, strict=True):
        rows = np.asarray(layer.embeddings)
        np.testing.assert_array_equal(rows[:2], old[:2])  # padding and OOV untouched
        np.testing.assert_allclose(rows[2:].std(axis=0), old[2:].std(axis=0), rtol=1e-5)
        np.testing.assert_allclose(rows[2:] / old[2:].std(axis=0), expected, atol=1e-4)
        np.testing.assert_allclose(rows[9], rows[8])


def test_the_config_switch_reaches_the_cross_domain_table(tmp_path):
    experiment = tiny_experiment(tmp_path, model={"item_id_init": "text"})
    prepared = prepare_data(experiment.data)
    model = build_model(experiment, prepared)
    text = np.asarray(model.item_text())[2:]
    cross = np.asarray(model.query_model.cross_domain_tower.item_embedding.embeddings)[2:]
    assert abs(np.corrcoef(cross[:, 0], text_components(text, 1)[:, 0])[0, 1]) > 0.999
    with pytest.raises(ValueError, match="item_id_init"):
        ModelConfig(num_items=5, item_id_init="pca")
    with pytest.raises(ValueError, match="needs item text"):
        ModelConfig(num_items=5, text_dim=0, use_content=False, use_topic_interest=False,
                    item_id_init="text")

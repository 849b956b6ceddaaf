import keras
import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.data.transitions import transition_table
from recsys_tf.losses import full_softmax_cross_entropy
from recsys_tf.models import TwoTowerModel
from tests.keras_harness import run_serialization_test
from tests.models.fixtures import NUM_ITEMS, batch, catalogue, tiny_config


def build(**kwargs):
    config_overrides = kwargs.pop("config", {})
    model = TwoTowerModel(tiny_config(**config_overrides), **kwargs)
    model.set_catalogue(**catalogue())
    if model.config.use_transitions:
        x, y = batch(seed=1)
        model.retrieval_score.transitions.set_table(transition_table(
            {"item_ids": x["item_ids"], "targets": y}, NUM_ITEMS, model.config.max_successors))
    return model


def test_full_loss_equals_reference_on_valid_positions():
    """The loss is the softmax CE over non-padded positions only, plus the topic loss."""
    model = build(topic_loss_weight=0.0)
    x, y = batch()
    out = model(x, training=False)
    loss = float(model.compute_loss(x, y, out, training=False))
    valid = y > 0
    q = np.asarray(out["query_embedding"])[valid]
    u = np.asarray(out["interest"])[valid]
    logits = np.asarray(model.score(q, u))
    expected = float(full_softmax_cross_entropy(logits, y[valid], np.arange(NUM_ITEMS) >= 2))
    assert loss == pytest.approx(expected, rel=1e-5)


def test_dense_layout_gives_the_same_loss():
    x, y = batch()
    gathered, dense = build(), build(dense_positions=True)
    dense.set_weights(gathered.get_weights())
    out = gathered(x, training=False)
    np.testing.assert_allclose(gathered.compute_loss(x, y, out, training=False),
                               dense.compute_loss(x, y, out, training=False), rtol=1e-5)


def test_score_adds_the_topic_term():
    model = build()
    out = model(batch()[0], training=False)
    q, u = out["query_embedding"][:, 0], out["interest"][:, 0]
    e = np.asarray(model.candidate_embeddings())
    c = np.asarray(model.candidate_topics())
    w = float(np.asarray(model.retrieval_score.interest_weight))
    np.testing.assert_allclose(model.score(q, u), np.asarray(q) @ e.T + w * np.asarray(u) @ c.T,
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("loss", ["full", "sampled"])
def test_fit_reduces_loss(loss):
    keras.utils.set_random_seed(0)
    model = build(loss=loss, num_negatives=8)
    model.compile(optimizer=keras.optimizers.Adam(0.02))
    x, y = batch(size=32)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < history[0]


def test_keras_round_trip_keeps_catalogue_and_outputs(tmp_path):
    model = build(loss="sampled", num_negatives=5)
    x, _ = batch()
    loaded = run_serialization_test(model, x, tmp_path)
    assert loaded.loss_name == "sampled" and loaded.num_negatives == 5
    np.testing.assert_allclose(loaded.candidate_embeddings(), model.candidate_embeddings())
    np.testing.assert_allclose(loaded.retrieval_score.candidate_mask,
                               model.retrieval_score.candidate_mask)


def test_tied_item_embeddings_share_one_table(tmp_path):
    """One id table feeds the behaviour tower and scores the items, also after loading."""
    model = build(config={"tie_item_embeddings": True})
    behaviour = model.query_model.get_layer("behaviour_tower")
    assert behaviour.item_embedding is model.candidate_model.item_tower.id_embedding
    untied = build()
    assert len(model.trainable_weights) == len(untied.trainable_weights) - 1
    x, y = batch()
    loaded = run_serialization_test(model, x, tmp_path)
    assert (loaded.query_model.get_layer("behaviour_tower").item_embedding
            is loaded.candidate_model.item_tower.id_embedding)
    # The query side reads the table: its output has a gradient with respect to it.
    for tied, shares in ((model, True), (untied, False)):
        table = tied.candidate_model.item_tower.id_embedding.embeddings
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(tied(x, training=False)["query_embedding"])
        gradient = tape.gradient(total, table)
        assert (gradient is not None) == shares


def test_transition_prior_adds_to_scores_but_not_to_the_training_loss():
    model = build(config={"use_transitions": True})
    model.retrieval_score.transitions.set_weights_to(log_count=1.0, share=3.0)
    x, y = batch(seed=1)                       # the batch the transition table was made from
    out = model(x, training=False)
    q, u = out["query_embedding"][:, 0], out["interest"][:, 0]
    last = x["item_ids"][:, 0]
    np.testing.assert_allclose(
        model.score(q, u, last_items=last),
        np.asarray(model.score(q, u)) + np.asarray(model.retrieval_score.transitions(
            np.zeros((len(last), NUM_ITEMS), "float32"), last)), rtol=1e-5, atol=1e-5)
    assert not np.allclose(model.score(q, u, last_items=last), model.score(q, u))
    # The towers train as without the prior.
    no_prior = build(config={"use_transitions": True})
    no_prior.set_weights(model.get_weights())
    no_prior.retrieval_score.transitions.set_weights_to(log_count=0.0, share=0.0)
    np.testing.assert_allclose(model.compute_loss(x, y, out, training=False),
                               no_prior.compute_loss(x, y, out, training=False), rtol=1e-6)
    assert not model.retrieval_score.transitions.trainable_weights


def test_the_transition_prior_scores_the_whole_catalogue():
    assert build().retrieval_score.transitions is None
    model = build(config={"use_transitions": True})
    with pytest.raises(ValueError, match="whole catalogue"):
        model.score(np.zeros((2, 8), "float32"), item_ids=np.array([2, 3]),
                    last_items=np.array([2, 3]))


def test_bad_loss():
    with pytest.raises(ValueError, match="loss"):
        TwoTowerModel(tiny_config(), loss="bpr")


def test_the_sampled_topic_loss_estimates_the_full_one():
    model = build(loss="sampled", num_negatives=64)
    model(batch()[0])
    full = float(model._topic_loss())
    draws = [float(model._topic_loss(sampled=True)) for _ in range(200)]
    assert len(set(draws)) > 1  # a new sample each call
    assert np.mean(draws) == pytest.approx(full, rel=0.02)


def test_auto_loss_is_full_for_small_catalogues_and_sampled_above_the_stated_size(tmp_path):
    from recsys_tf.experiment.experiment_config import SAMPLED_LOSS_ABOVE_ITEMS, TrainConfig
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import build_model
    from tests.training.tiny_experiment import tiny_experiment

    assert TrainConfig().loss == "auto"
    assert TrainConfig().loss_for(SAMPLED_LOSS_ABOVE_ITEMS) == "full"
    assert TrainConfig().loss_for(SAMPLED_LOSS_ABOVE_ITEMS + 1) == "sampled"
    assert TrainConfig(loss="full").loss_for(10**7) == "full"
    experiment = tiny_experiment(tmp_path)
    assert build_model(experiment, prepare_data(experiment.data)).loss_name == "full"
    with pytest.raises(ValueError, match="loss must be one of"):
        TrainConfig(loss="softmax")

"""End-to-end training on tiny synthetic data: quality, artefacts, warm start."""

import json

import keras
import numpy as np
import pytest

from recsys_tf.evaluation.run_report import evaluate_run
from recsys_tf.training.trainer import train
from tests.training.tiny_experiment import tiny_experiment


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    metrics = train(tiny_experiment(root / "cache", epochs=8), root / "run", verbose=0)
    return root, metrics


def test_beats_popularity_and_follows_interest_switches(finished_run):
    _, metrics = finished_run
    model, popular = metrics["test"]["model"], metrics["test"]["popularity"]
    assert model["ndcg@10"] > 1.5 * popular["ndcg@10"], (model, popular)
    assert model["hr@10"] > popular["hr@10"]
    drift = metrics["interest_drift"]
    assert drift["model"]["followed_share"] > 0.5 > drift["popularity"]["followed_share"]


def test_report_has_both_protocols_and_both_cut_offs(finished_run):
    _, metrics = finished_run
    assert metrics["domain"] == "media"
    assert set(metrics["test_sampled"]) == {"100"}  # the tiny catalogue has < 999 items
    for name, full in metrics["test"].items():
        assert full["hr@20"] >= full["hr@10"] and full["ndcg@20"] >= full["ndcg@10"]
        for by_model in metrics["test_sampled"].values():
            sampled = by_model[name]
            assert sampled["count"] == full["count"]
            # Sampled negatives are a subset of the unmasked candidates: no rank gets worse.
            assert sampled["hr@10"] >= full["hr@10"] and sampled["mrr"] >= full["mrr"], name


def test_run_directory_and_evaluate_command_agree(finished_run):
    root, metrics = finished_run
    run = root / "run"
    for name in ("model.keras", "metrics.json", "experiment.json", "vocabularies.json",
                 "checkpoints/state.json", "checkpoints/best.weights.h5"):
        assert (run / name).exists(), name
    assert list((run / "logs").rglob("events.out.tfevents*")), "no TensorBoard events"
    assert json.loads((run / "metrics.json").read_text())["best_epoch"] == metrics["best_epoch"]
    report = evaluate_run(run)
    assert report["test"]["model"]["ndcg@10"] == pytest.approx(
        metrics["test"]["model"]["ndcg@10"], abs=1e-6)


def test_best_epoch_is_the_best_validation_epoch(finished_run):
    _, metrics = finished_run
    scores = [entry["val_ndcg@10"] for entry in metrics["history"]]
    assert metrics["best_epoch"] == int(np.argmax(scores)) + 1
    assert metrics["valid"]["model"]["ndcg@10"] == pytest.approx(max(scores), abs=1e-6)


def test_warm_start_continues_from_the_trained_weights(finished_run, tmp_path):
    root, metrics = finished_run
    experiment = tiny_experiment(root / "cache", epochs=1)
    warm = train(experiment, tmp_path / "warm", warm_start=root / "run", verbose=0)
    cold = train(experiment, tmp_path / "cold", verbose=0)
    first = warm["history"][0]["val_ndcg@10"]
    assert first > cold["history"][0]["val_ndcg@10"]
    assert first > 0.8 * metrics["valid"]["model"]["ndcg@10"]


def test_refuses_a_directory_of_another_experiment(finished_run):
    root, _ = finished_run
    other = tiny_experiment(root / "cache", learning_rate=0.1)
    with pytest.raises(ValueError, match="different run"):
        train(other, root / "run", verbose=0)


def test_saved_model_loads_in_safe_mode(finished_run):
    root, _ = finished_run
    import recsys_tf.models  # noqa: F401

    model = keras.models.load_model(root / "run" / "model.keras", safe_mode=True)
    assert model.config.use_cross_domain


@pytest.mark.parametrize("switches", [{"jit_compile": True}, {"mixed_precision": True},
                                      {"loss": "sampled", "num_negatives": 64}])
def test_hardware_and_loss_switches_train(tmp_path, switches):
    """XLA (static-shape loss layout), mixed_float16 and the sampled loss each train and leave
    the global dtype policy alone."""
    metrics = train(tiny_experiment(tmp_path / "cache", epochs=2, **switches), tmp_path / "run",
                    verbose=0)
    losses = [entry["loss"] for entry in metrics["history"]]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert keras.config.dtype_policy().name == "float32"


@pytest.mark.parametrize("loss", ["full", "sampled"])
def test_text_encoder_fine_tuning_trains_the_top_layer_from_pretrained(tmp_path, loss):
    """``text_finetune_layers = 1``: the top BERT layer starts at the pretrained weights, moves
    at ``text_learning_rate``, and the saved model reloads with the fine-tuned encoder."""
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import build_model, text_encoder_states

    experiment = tiny_experiment(tmp_path / "cache", epochs=2, loss=loss, num_negatives=64,
                                 text_learning_rate=1e-3)
    experiment = experiment.replace(model={"text_finetune_layers": 1,
                                           "text_finetune_tokens": 12})
    prepared = prepare_data(experiment.data)
    pretrained = build_model(experiment, prepared, text_encoder_states(experiment, prepared))
    # Before training, the encoder reproduces the cached (frozen) sentence embeddings.
    np.testing.assert_allclose(np.asarray(pretrained.item_text()), prepared.item_text,
                               atol=2e-3)
    metrics = train(experiment, tmp_path / "run", verbose=0, prepared=prepared)
    losses = [entry["loss"] for entry in metrics["history"]]
    assert all(np.isfinite(losses))
    if loss == "full":  # the sampled loss needs more than 2 epochs here, with or without text
        assert losses[-1] < losses[0]
        assert metrics["test"]["model"]["ndcg@10"] > metrics["test"]["popularity"]["ndcg@10"]
    model = keras.models.load_model(tmp_path / "run" / "model.keras", safe_mode=True)
    moved = [np.abs(np.asarray(a) - np.asarray(b)).max() for a, b in
             zip(model.text_encoder.trainable_weights, pretrained.text_encoder.trainable_weights,
                 strict=True)]
    assert 0 < max(moved) < 0.1, moved  # fine-tuned, not re-initialised
    assert model.query_model.text_table is model.candidate_model.text_table


def test_text_encoder_fine_tuning_refuses_xla(tmp_path):
    experiment = tiny_experiment(tmp_path / "cache", epochs=1, jit_compile=True).replace(
        model={"text_finetune_layers": 1})
    with pytest.raises(ValueError, match="jit_compile"):
        train(experiment, tmp_path / "run", verbose=0)


def test_shards_of_other_data_are_refused_before_anything_is_written(tmp_path):
    from recsys_tf.experiment.shard_files import prepare_shards

    other = tiny_experiment(tmp_path / "cache").replace(data={"synthetic": {"num_users": 300,
                                                                            "seed": 2}})
    prepare_shards(other, tmp_path / "shards", shards=2, log=lambda line: None)
    with pytest.raises(ValueError, match="written from other data"):
        train(tiny_experiment(tmp_path / "cache", epochs=1), tmp_path / "run", verbose=0,
              shards=tmp_path / "shards")
    assert not (tmp_path / "run").exists()


def test_short_history_copies_join_the_training_set(tmp_path):
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import training_set

    experiment = tiny_experiment(tmp_path / "cache", epochs=1, short_history_copies=2)
    prepared = prepare_data(experiment.data)
    examples = training_set(experiment.train, prepared)
    natural = len(prepared.train["targets"])
    assert natural < len(examples["targets"]) <= natural + 2 * 300  # at most 2 per user
    assert all(np.array_equal(values[:natural], prepared.train[key])
               for key, values in examples.items())
    assert (examples["item_ids"][natural:] > 0).sum(axis=1).max() <= 3
    none = experiment.replace(train={"short_history_copies": 0}).train
    assert training_set(none, prepared) is prepared.train
    metrics = train(experiment, tmp_path / "run", prepared=prepared, verbose=0)
    assert np.isfinite(metrics["history"][0]["loss"])


def test_short_history_copies_need_a_target_domain(tmp_path):
    experiment = tiny_experiment(tmp_path / "cache", epochs=1, short_history_copies=1).replace(
        data={"target_domain": None}, model={"use_cross_domain": False})
    with pytest.raises(ValueError, match="short_history_copies needs data with a target"):
        train(experiment, tmp_path / "run", verbose=0)
    assert not (tmp_path / "run").exists()

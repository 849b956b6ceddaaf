"""Peer data export (RecBole atomic files) and, where the venv exists, one RecBole run."""

import json

import numpy as np
import pytest

from benchmarks.peers.peer_data import export_peer_data, training_prefixes
from benchmarks.peers.recbole_peers import venv_dir
from recsys_tf.evaluation.protocol import negatives_for_test
from recsys_tf.evaluation.ranking_metrics import ranking_metrics
from recsys_tf.experiment.prepared_data import prepare_data
from tests.training.tiny_experiment import tiny_experiment


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    experiment = tiny_experiment(tmp_path_factory.mktemp("cache")).replace(
        data={"text_encoder": "none", "target_domain": None, "max_length": 50})
    return prepare_data(experiment.data)


def test_training_prefixes_are_recbole_per_prefix_augmentation(prepared):
    users, histories, targets = training_prefixes(prepared, max_length=5)
    encoded, usable = prepared.encoded, prepared.split.train
    user = users[0]
    rows = np.arange(encoded.user_start[user], encoded.user_start[user + 1])
    sequence = encoded.items[rows[usable[rows]]]
    mine = [(h.tolist(), t) for u, h, t in zip(users, histories, targets, strict=True)
            if u == user]
    expected = [(sequence[max(0, t - 5):t].tolist(), int(sequence[t]))
                for t in range(1, len(sequence))]
    assert mine == expected
    # Every training target of every user, and nothing from validation / test.
    assert len(targets) == sum(max(int(usable[encoded.user_start[u]:encoded.user_start[u + 1]]
                                       .sum()) - 1, 0) for u in range(len(encoded.user_ids)))


def test_export_writes_atomic_files_and_eval_arrays(prepared, tmp_path):
    negatives = negatives_for_test(prepared, sizes=(20,))
    directory = export_peer_data(prepared, tmp_path, negatives=negatives)
    lines = (directory / "peer" / "peer.train.inter").read_text().splitlines()
    assert lines[0] == "user_id:token\titem_id_list:token_seq\titem_id:token"
    user, history, target = lines[1].split("\t")
    assert len(history.split()) >= 1 and int(target) >= 2
    arrays = np.load(directory / "eval.npz")
    np.testing.assert_array_equal(arrays["test_target"], prepared.test["target"])
    np.testing.assert_array_equal(arrays["test_history_offsets"],
                                  prepared.test_history.offsets)
    assert arrays["test_negatives_20"].shape == (len(prepared.test["target"]), 20)


@pytest.mark.skipif(not (venv_dir() / ".recsys_tf-ready").is_file(),
                    reason="the RecBole venv is not created here (recsys-tf bench NAME "
                           "--peers creates it: a few minutes and a PyTorch download)")
def test_recbole_peer_trains_and_ranks_with_our_masks(prepared, tmp_path):
    from benchmarks.peers.recbole_peers import run_peer

    negatives = negatives_for_test(prepared, sizes=(20,))
    result = run_peer(prepared, dataset="tiny", model="GRU4Rec", work_dir=tmp_path,
                      negatives=negatives, epochs=2, patience=2, train_batch_size=256)
    assert len(result["history"]) == 2 and result["versions"]["recbole"] == "1.2.1"
    assert result["versions"]["numpy"] < "2"
    test_ranks = np.asarray(result["test_ranks"])
    assert len(test_ranks) == len(prepared.test["target"])
    assert test_ranks.max() < int(prepared.candidate_mask.sum())
    assert (np.asarray(result["sampled_test_ranks"]["20"]) <= 20).all()
    best = result["history"][result["best_epoch"] - 1]
    assert ranking_metrics(np.asarray(result["valid_ranks"]))["ndcg@10"] == pytest.approx(
        best["val_ndcg@10"])
    # Cached: a second call reads the file instead of training.
    again = run_peer(prepared, dataset="tiny", model="GRU4Rec", work_dir=tmp_path,
                     negatives=negatives, epochs=2, patience=2, train_batch_size=256,
                     cache_only=True)
    assert json.dumps(again["test_ranks"]) == json.dumps(result["test_ranks"])


@pytest.mark.skipif(not (venv_dir() / ".recsys_tf-ready").is_file(),
                    reason="the RecBole venv is not created here (recsys-tf bench NAME "
                           "--peers creates it: a few minutes and a PyTorch download)")
def test_a_stopped_peer_run_resumes_where_it_stopped(prepared, tmp_path, monkeypatch):
    from benchmarks.peers.recbole_peers import run_peer

    monkeypatch.chdir(tmp_path)  # relative results directories (the runner changes directory)
    settings = {"patience": 5, "train_batch_size": 256}
    whole = run_peer(prepared, dataset="tiny", model="GRU4Rec", work_dir="a",
                     epochs=3, **settings)
    # A run capped at 1 epoch stands for one stopped after its first epoch; raising the cap
    # goes on from its saved state.
    first = run_peer(prepared, dataset="tiny", model="GRU4Rec", work_dir="b",
                     epochs=1, **settings)
    lines = []
    resumed = run_peer(prepared, dataset="tiny", model="GRU4Rec", work_dir="b",
                       epochs=3, log=lines.append, **settings)
    assert first["resumed_after_epochs"] == [] and resumed["resumed_after_epochs"] == [1]
    assert any("resuming from" in line for line in lines)
    assert resumed["history"][0] == first["history"][0]
    # Weights, Adam moments, dropout and shuffle generators all restored: the same losses.
    for mine, theirs in zip(resumed["history"], whole["history"], strict=True):
        assert mine["loss"] == pytest.approx(theirs["loss"], rel=1e-6)
        assert mine["val_ndcg@10"] == pytest.approx(theirs["val_ndcg@10"], rel=1e-6)
    assert resumed["test_ranks"] == whole["test_ranks"]

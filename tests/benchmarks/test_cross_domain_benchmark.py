"""The food-kitchen benchmark's structure on tiny two-domain synthetic data (one epoch)."""

import numpy as np
import pytest

from benchmarks.peers import recbole_peers as peers
from benchmarks.suites.cross_domain import (
    cross_domain_table,
    history_table,
    run_cross_domain_benchmark,
)
from benchmarks.suites.ranking import seed_mean_std
from recsys_tf.evaluation.history_groups import GROUPED
from recsys_tf.evaluation.protocol import KS
from recsys_tf.evaluation.ranking_metrics import ranking_metrics
from recsys_tf.experiment.experiment_config import ExperimentConfig
from tests.training.tiny_experiment import tiny_experiment


def test_every_domain_gets_baselines_both_variants_and_the_peers(tmp_path, monkeypatch):
    calls = []

    def fake_run_peer(prepared, *, dataset, model, negatives, cache_only, **settings):
        """A GRU4Rec result with known ranks (the real runner needs the RecBole venv)."""
        settings = {k: v for k, v in settings.items() if k not in ("work_dir", "log")}
        calls.append((dataset, model, cache_only, settings))
        if cache_only:
            return None
        ranks = np.arange(len(prepared.test["target"])) % 15
        return {"test_ranks": ranks.tolist(),
                "sampled_test_ranks": {size: (ranks % 3).tolist() for size in negatives},
                "best_epoch": 2, "settings": settings, "stopped": "max_epochs",
                "history": [{"seconds": 1.0, "val_ndcg@10": 0.1},
                            {"seconds": 3.0, "val_ndcg@10": 0.2}],
                "date": "2026-12-02", "versions": {"recbole": "1.2.1"}}

    monkeypatch.setattr(peers, "run_peer", fake_run_peer)
    experiment = tiny_experiment(tmp_path / "cache", epochs=1)
    config = tmp_path / "tiny.json"
    experiment.save(config)
    assert ExperimentConfig.load(config) == experiment
    result = run_cross_domain_benchmark(work_dir=tmp_path, config=config, peers=True,
                                        peer_models=("GRU4Rec",), peer_settings={"epochs": 2},
                                        log=lambda _: None)
    assert set(result["domains"]) == {"goods", "media"}
    # Only the peer named is trained; the other is shown only from a cached result.
    assert calls == [(f"food-kitchen-{domain}", model, model == "SASRec", {"epochs": 2})
                     for domain in ("goods", "media") for model in ("SASRec", "GRU4Rec")]
    for block in result["domains"].values():
        rows = block["rows"]
        assert set(rows) == {"popularity", "item-knn", "ours without cross-domain tower (seed 0)",
                             "ours (seed 0)", "RecBole GRU4Rec"}
        for row in rows.values():
            assert 0 <= row["full"]["ndcg@10"] <= row["full"]["hr@10"] <= 1
        ranks = np.arange(block["test_targets"]) % 15
        peer = rows["RecBole GRU4Rec"]
        for key, value in ranking_metrics(ranks, KS).items():
            assert peer["full"][key] == pytest.approx(value)
        assert peer["seconds_per_epoch"] == 2.0
        # The groups split the full-ranking users: the buckets add up to all of them.
        ours = rows["ours (seed 0)"]
        buckets = [m for p, m in ours.items() if p.startswith(GROUPED + "target events")
                   and "≤" not in p]
        assert sum(m["count"] for m in buckets) == ours["full"]["count"]
        weighted = sum(m["ndcg@10"] * m["count"] for m in buckets) / ours["full"]["count"]
        assert weighted == pytest.approx(ours["full"]["ndcg@10"])
    assert (tmp_path / "runs" / "food-kitchen-media-single-seed0" / "model.keras").is_file()
    table = cross_domain_table(result)
    assert table.count("| media (") == 5
    media = result["domains"]["media"]
    assert (f"| media ({media['test_targets']} targets) | RecBole GRU4Rec | "
            f"{media['rows']['RecBole GRU4Rec']['full']['hr@10']:.4f} |") in table
    assert "| 2 (2), capped | 2026-12-02 |" in table
    assert "| 1 (1) | this run |" in table
    groups = history_table(result)
    ours, single = (media["rows"][label] for label in
                    ("ours (seed 0)", "ours without cross-domain tower (seed 0)"))
    protocols = [p for p in ours if p.startswith(GROUPED)]
    assert groups.count("| media |") == len(protocols) > 0
    for protocol in protocols:
        assert (f"| media | {ours[protocol]['count']} | {protocol.removeprefix(GROUPED)} | "
                in groups)
        assert (f"{single[protocol]['ndcg@10']:.4f} | {ours[protocol]['ndcg@10']:.4f} |"
                in groups)
    # One paired interval per non-empty group, shown beside its ratio.
    assert set(media["ratio_intervals"]) == {p.removeprefix(GROUPED) for p in protocols}
    for low, high in media["ratio_intervals"].values():
        if not np.isnan(low):
            assert low <= high
            assert f"| {low:.2f}–{high:.2f}× |" in groups
    del media["ratio_intervals"]   # a results file made before the intervals
    assert history_table(result).count("| – |") >= len(protocols)


def test_domains_can_be_chosen_and_unknown_ones_are_refused(tmp_path):
    experiment = tiny_experiment(tmp_path / "cache", epochs=1)
    config = tmp_path / "tiny.json"
    experiment.save(config)
    with pytest.raises(ValueError, match=r"No domain \['books'\]"):
        run_cross_domain_benchmark(work_dir=tmp_path, config=config, domains=["books"],
                                   log=lambda _: None)
    result = run_cross_domain_benchmark(work_dir=tmp_path, config=config, domains=["media"],
                                        log=lambda _: None)
    assert set(result["domains"]) == {"media"}


def test_table_shows_the_seeds_mean_and_std():
    def seed(ndcg):
        return {"full": {"hr@10": 0.2, "ndcg@10": ndcg, "count": 7},
                "sampled_999": {"hr@10": 0.5, "ndcg@10": 2 * ndcg, "count": 7}}

    rows = {"ours (seed 0)": seed(0.10), "ours (seed 1)": seed(0.14),
            "ours (mean ± std, 2 seeds)": seed_mean_std([seed(0.10), seed(0.14)])}
    table = cross_domain_table({"domains": {"kitchen": {"test_targets": 7, "rows": rows}}})
    assert ("| kitchen (7 targets) | ours (mean ± std, 2 seeds) | 0.2000 | 0.1200 ± 0.0200 | "
            "0.5000 | 0.2400 ± 0.0400 | – | this run |") in table
    assert ("| kitchen (7 targets) | ours (seed 1) | 0.2000 | 0.1400 | 0.5000 | 0.2800 | – | "
            "this run |") in table

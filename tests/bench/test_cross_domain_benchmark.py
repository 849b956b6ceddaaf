"""The food-kitchen benchmark's structure on tiny two-domain synthetic data (one epoch)."""

from recsys_tf.bench.cross_domain_benchmark import cross_domain_table, run_cross_domain_benchmark
from recsys_tf.bench.ranking_benchmark import seed_mean_std
from recsys_tf.training.experiment_config import ExperimentConfig
from tests.training.tiny_experiment import tiny_experiment


def test_every_domain_gets_baselines_and_both_variants(tmp_path):
    experiment = tiny_experiment(tmp_path / "cache", epochs=1)
    config = tmp_path / "tiny.json"
    experiment.save(config)
    assert ExperimentConfig.load(config) == experiment
    result = run_cross_domain_benchmark(results_dir=tmp_path, config=config, log=lambda _: None)
    assert set(result["domains"]) == {"goods", "media"}
    for block in result["domains"].values():
        rows = block["rows"]
        assert set(rows) == {"popularity", "item-knn", "ours without cross-domain tower (seed 0)",
                             "ours (seed 0)"}
        for row in rows.values():
            assert 0 <= row["full"]["ndcg@10"] <= row["full"]["hr@10"] <= 1
    assert (tmp_path / "runs" / "food-kitchen-media-single-seed0" / "model.keras").is_file()
    assert cross_domain_table(result).count("| media (") == 4


def test_table_shows_the_seeds_mean_and_std():
    def seed(ndcg):
        return {"full": {"hr@10": 0.2, "ndcg@10": ndcg, "count": 7},
                "sampled_999": {"hr@10": 0.5, "ndcg@10": 2 * ndcg, "count": 7}}

    rows = {"ours (seed 0)": seed(0.10), "ours (seed 1)": seed(0.14),
            "ours (mean ± std, 2 seeds)": seed_mean_std([seed(0.10), seed(0.14)])}
    table = cross_domain_table({"domains": {"kitchen": {"test_targets": 7, "rows": rows}}})
    assert ("| kitchen (7 targets) | ours (mean ± std, 2 seeds) | 0.2000 | 0.1200 ± 0.0200 | "
            "0.5000 | 0.2400 ± 0.0400 |") in table
    assert "| kitchen (7 targets) | ours (seed 1) | 0.2000 | 0.1400 | 0.5000 | 0.2800 |" in table

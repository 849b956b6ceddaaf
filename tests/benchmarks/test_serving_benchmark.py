"""The serving benchmark runs end to end and its update path matches the recompute."""

from benchmarks.suites.serving import run_serving_benchmark, serving_table


def test_serving_benchmark_reports_latency_and_an_exact_update():
    result = run_serving_benchmark(calls=20, log=lambda line: None)
    assert result["catalogue_items"] == 12_101
    for prefix in ("update_vs_recompute", "xla_update_vs_recompute"):
        assert result[f"{prefix}_same_top_k"]
        assert result[f"{prefix}_max_abs_difference"] < 1e-4
    for key in ("recommend_batch1_ms", "recommend_batch256_ms", "update_interest_batch1_ms",
                "update_interest_xla_batch1_ms"):
        assert 0 < result[key]["p50"] <= result[key]["p99"]
    assert "update_interest vs recompute" in serving_table(result)

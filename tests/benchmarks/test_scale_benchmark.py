"""bench scale: the growth log, the slopes and the table (the measuring itself runs in the
benchmark, not in CI)."""

import numpy as np
import pytest

from benchmarks.command import scale_size
from benchmarks.suites.scale import growth_log, scale_table, slope, slopes


def test_growth_log_is_seeded_and_has_the_size_asked_for():
    log = growth_log(5_000, 30_000, seed=3)
    assert len(log["item_id"]) == 30_000
    assert log["item_id"].min() >= 0 and log["item_id"].max() < 5_000
    assert np.bincount(log["user_id"]).min() >= 3  # leave-one-out needs three events
    again = growth_log(5_000, 30_000, seed=3)
    for name, value in log.items():
        np.testing.assert_array_equal(value, again[name])
    assert not np.array_equal(growth_log(5_000, 30_000, seed=4)["item_id"], log["item_id"])
    # Each user's events are in time order; users switch topics (blocks of items) now and then.
    same_user = log["user_id"][1:] == log["user_id"][:-1]
    assert np.all(np.diff(log["timestamp"])[same_user] >= 0)
    topic = log["item_id"] // (5_000 // 64)
    switches = np.mean(topic[1:][same_user] != topic[:-1][same_user])
    assert 0.03 < switches < 0.2


def test_popularity_inside_a_topic_is_skewed():
    items = growth_log(64_000, 200_000)["item_id"]
    counts = np.sort(np.bincount(items, minlength=64_000))[::-1]
    assert counts[:640].sum() > 4 * counts[-32_000:].sum()  # the top 1% vs the bottom half


def test_slope_is_the_log_log_slope_between_the_ends():
    assert slope([1e5, 1e6], [2.0, 20.0]) == pytest.approx(1.0)
    assert slope([1e5, 1e6], [3.0, 3.0]) == pytest.approx(0.0)
    assert slope([1e5], [1.0]) is None and slope([1, 10], [0.0, 1.0]) is None


def row(items, events, epoch, rss):
    return {"items": items, "events": events, "catalogue": items,
            "prepare": {"seconds": 1.0, "peak_rss_mb": rss},
            "prepare_whole": {"seconds": 2.0, "peak_rss_mb": rss * 2},
            "epoch": {"seconds_per_million_events": epoch},
            "evaluation": {"ms_per_user": 1.0},
            "export": {"full": {"bytes": items * 100}, "index": {"bytes": items * 50}},
            "latency_ms": {"recommend": {"p99": 2.0}, "recommend_via_index_p99": 1.0,
                           "recommend_via_partitioned_p99": 0.5,
                           "update_interest": {"p99": 0.5}},
            "index": {"build_seconds": 0.1,
                      "partitioned": {"build_seconds": 1.0, "recall@10": 0.95}}}


def test_slopes_use_items_from_100k_at_the_common_event_count_and_events_at_the_common_items():
    rows = [row(10_000, 10**6, 50.0, 900), row(100_000, 10**6, 10.0, 1000),
            row(1_000_000, 10**6, 10.0, 2000), row(100_000, 10**7, 10.0, 1100)]
    fitted = slopes(rows)
    assert fitted["epoch s per 1M events"]["vs_items"] == pytest.approx(0.0)  # 10k left out
    assert fitted["full export MB"]["vs_items"] == pytest.approx(1.0)
    assert fitted["prepare peak RSS MB"]["vs_events"] == pytest.approx(np.log10(1.1), abs=1e-3)
    table = scale_table({"rows": rows, "failures": [
        {"items": 10**6, "events": 10**7, "error": "MemoryError"}]})
    assert "| full export MB | 1 | 10 | 100 | 10 | 1.00 | 0.00 |" in table
    assert "Failed: 1,000,000 items × 10,000,000 events (MemoryError)" in table


def test_size_argument():
    assert scale_size("100000X1000000") == (100_000, 1_000_000)
    with pytest.raises(Exception, match="ITEMSxEVENTS"):
        scale_size("100k")


def test_a_size_measured_for_preparation_only_counts_only_for_preparation():
    rows = [row(100_000, 10**6, 10.0, 1000), row(100_000, 10**7, 10.0, 9000)]
    rows[1]["prepare_only"] = "too big"
    fitted = slopes(rows)
    assert fitted["prepare peak RSS MB"]["vs_events"] == pytest.approx(np.log10(9), abs=1e-3)
    assert fitted["full export MB"]["vs_events"] is None
    table = scale_table({"rows": rows, "failures": []})
    assert "| full export MB | 10 | – |" in table
    assert "Preparation only at 100,000 items × 10,000,000 events: too big." in table


def test_item_slopes_are_fitted_against_the_items_that_occur():
    rows = [row(100_000, 10**6, 10.0, 1000), row(1_000_000, 10**6, 20.0, 1000)]
    rows[1]["catalogue"] = 200_000  # a Zipf-like log touches a fraction of the generator's items
    assert slopes(rows)["epoch s per 1M events"]["vs_items"] == pytest.approx(1.0)
    rows[1]["items_with_events"] = 150_000
    table = scale_table({"rows": rows, "failures": []})
    assert "| catalogue items (with training events) | 100,000 | 200,000 (150,000) | | |" in table
    assert "| partitioned index recall@10 (vs exact) | 0.950 | 0.950 | | |" in table


def test_a_results_file_from_before_a_cost_existed_shows_it_as_not_measured():
    rows = [row(100_000, 10**6, 10.0, 1000), row(1_000_000, 10**6, 20.0, 1000)]
    del rows[0]["latency_ms"]["recommend_via_partitioned_p99"]
    del rows[0]["index"]["partitioned"]
    table = scale_table({"rows": rows, "failures": []})
    assert "| recommend p99 ms (partitioned index) | – | 0.5 | – | – |" in table
    assert "| partitioned index recall@10 (vs exact) | – | 0.950 | | |" in table
    assert slopes(rows)["recommend p99 ms (full)"]["vs_items"] == pytest.approx(0.0)


def test_recall_is_the_share_of_the_exact_top_k_found():
    from benchmarks.suites.scale_index import recall

    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    assert recall(np.array([[4, 3, 9, 1], [5, 6, 7, 8]]), exact) == pytest.approx(0.875)


def test_the_index_process_times_both_indexes_and_the_partitioned_recall(tmp_path):
    from benchmarks.suites.scale import run_index_process

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, 8))
    vectors = (centres[rng.integers(0, 20, 3_000)] + 0.3 * rng.normal(size=(3_000, 8)))
    np.savez(tmp_path / "candidates.npz", item_ids=np.array([f"i{i}" for i in range(3_000)]),
             vectors=vectors.astype(np.float32))
    queries = centres[rng.integers(0, 20, 30)] + 0.3 * rng.normal(size=(30, 8))
    np.save(tmp_path / "queries.npy", queries.astype(np.float32))
    result = run_index_process(tmp_path / "candidates.npz", tmp_path / "queries.npy")
    assert result["items"] == 3_000 and result["query_ms"]["p50"] > 0
    part = result["partitioned"]
    assert (part["partitions"], part["probes"], part["queries"]) == (55, 7, 30)
    assert 0.5 <= part["recall@10"] <= 1.0 and part["query_ms"]["p99"] > 0


def test_the_prepare_process_reports_its_own_peak_not_the_parents(tmp_path):
    from benchmarks.suites.scale import experiment_for, prepare_in_process, write_log

    write_log(growth_log(500, 3_000), tmp_path / "events.csv")
    experiment_for(tmp_path / "events.csv", tmp_path / "cache").save(tmp_path / "c.json")
    held = np.ones(900 * 2**20, np.uint8)  # pages this process holds when it forks
    streamed = prepare_in_process(tmp_path / "c.json", tmp_path / "parts")
    whole = prepare_in_process(tmp_path / "c.json", tmp_path / "whole", part_events=0)
    assert held.sum() == held.size
    parent = int(dict(line.split(":", 1) for line in open("/proc/self/status"))["VmRSS"]
                 .split()[0]) / 1024
    for measured in (streamed, whole):
        assert 100 < measured["peak_rss_mb"] < parent - 500
    assert streamed["train_rows"] == whole["train_rows"] > 0

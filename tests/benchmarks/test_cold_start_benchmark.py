"""Holding items out of training, on tiny synthetic data."""

import numpy as np
import pytest

from benchmarks.suites.cold_start import hold_out_items
from recsys_tf.experiment.prepared_data import prepare_data
from tests.training.tiny_experiment import tiny_experiment


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    experiment = tiny_experiment(tmp_path_factory.mktemp("cache"))
    return prepare_data(experiment.data)


def test_held_out_items_leave_training_entirely(prepared):
    view, held_out = hold_out_items(prepared, fraction=0.1, seed=3)
    candidates = prepared.candidate_mask.sum()
    assert held_out.sum() == round(0.1 * candidates)
    assert not held_out[~prepared.candidate_mask].any()
    for key in ("item_ids", "targets", "cross_item_ids"):
        assert not held_out[view.train[key]].any()
    assert not view.known_items[held_out].any() and (view.popularity[held_out] == 0).all()
    assert not view.candidate_mask[held_out].any()
    np.testing.assert_array_equal(view.candidate_mask | held_out, prepared.candidate_mask)
    # Only training changes: evaluation examples are the same arrays.
    assert view.test is prepared.test and view.valid is prepared.valid
    # Fewer training targets than before, but the other items keep theirs.
    assert (view.train["targets"] > 0).sum() < (prepared.train["targets"] > 0).sum()


def test_the_benchmark_runs_end_to_end_and_writes_its_curve(tmp_path):
    from benchmarks.results_files import write_results
    from benchmarks.suites.cold_start import (
        SLOTS,
        TITLE_WEIGHTS,
        cold_start_plots,
        cold_start_table,
        run_cold_start_benchmark,
    )
    from recsys_tf.experiment.toml_text import toml_text

    experiment = tiny_experiment(tmp_path / "cache", epochs=1).to_dict()
    config = tmp_path / "tiny.toml"
    config.write_text(toml_text(experiment), encoding="utf-8")
    result = run_cold_start_benchmark(work_dir=tmp_path / "work", config=config,
                                      log=lambda line: None)
    assert set(result["curve"]["test"]) == set(TITLE_WEIGHTS) == set(result["without_mapper"])
    assert set(result["curve"]["test"][0.0]) == set(SLOTS)
    assert result["chosen_slots"] in SLOTS and result["chosen_title_weight"] in TITLE_WEIGHTS
    curve = result["curve"]["test"][result["chosen_title_weight"]]
    # More places for new items: never fewer cold hits, never more warm hits.
    cold = [curve[s]["cold"]["hr@10"]["mean"] for s in SLOTS]
    warm = [curve[s]["warm"]["hr@10"]["mean"] for s in SLOTS]
    assert cold == sorted(cold) and warm == sorted(warm, reverse=True)
    assert result["runs"][0]["text_to_id"]["mapped_items"] >= result["held_out_items"]
    written = write_results("cold-start", result, table=cold_start_table(result),
                            results_dir=tmp_path / "results", command="test",
                            plots=cold_start_plots(result))
    assert [p.name for p in written] == ["cold-start.json", "cold-start.md",
                                         "cold-start-trade-off.png"]
    assert "(shipped)" in written[1].read_text()
    from benchmarks.make_docs import _cold_start
    from benchmarks.results_files import read_results

    ours, _ = _cold_start(read_results(tmp_path / "results")["cold-start"])  # from the JSON
    assert "places kept for them" in ours


def test_the_shipped_places_are_the_most_within_the_budget():
    from benchmarks.suites.cold_start import choose_slots

    def row(warm):
        return {"warm": {"ndcg@10": {"mean": warm}}}

    assert choose_slots({0: row(0.050), 1: row(0.0490), 2: row(0.0486), 3: row(0.047)}) == 2
    assert choose_slots({0: row(0.050), 1: row(0.040)}) == 0

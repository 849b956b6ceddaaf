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
        ANY,
        GATES,
        SLOTS,
        TITLE_WEIGHTS,
        cold_start_plots,
        cold_start_table,
        run_cold_start_benchmark,
    )
    from recsys_tf.evaluation.new_item_slots import ALWAYS
    from recsys_tf.experiment.toml_text import toml_text

    experiment = tiny_experiment(tmp_path / "cache", epochs=1).to_dict()
    config = tmp_path / "tiny.toml"
    config.write_text(toml_text(experiment), encoding="utf-8")
    result = run_cold_start_benchmark(work_dir=tmp_path / "work", config=config,
                                      log=lambda line: None)
    assert set(result["curve"]["test"]) == set(TITLE_WEIGHTS) == set(result["without_mapper"])
    measured = {(least, offset) for least, by_offset in result["curve"]["test"][0.0].items()
                for offset in by_offset}
    assert measured == set(GATES)
    assert set(result["curve"]["test"][0.0][ANY][ALWAYS]) == set(SLOTS)
    assert result["chosen_slots"] in SLOTS and result["chosen_title_weight"] in TITLE_WEIGHTS
    assert (result["chosen_min_similarity"], result["chosen_offset"]) in GATES
    curves = result["curve"]["test"][result["chosen_title_weight"]]
    for least, offset in GATES:
        curve = curves[least][offset]
        # More places for new items: never fewer cold hits, never more warm hits.
        cold = [curve[s]["cold"]["hr@10"]["mean"] for s in SLOTS]
        warm = [curve[s]["warm"]["hr@10"]["mean"] for s in SLOTS]
        assert cold == sorted(cold) and warm == sorted(warm, reverse=True), (least, offset)
        # A gate only withholds places: never more warm hits lost than without one.
        for slots in SLOTS:
            assert (curve[slots]["warm"]["hr@10"]["mean"]
                    >= curves[ANY][ALWAYS][slots]["warm"]["hr@10"]["mean"] - 1e-9), (
                least, offset, slots)
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


def test_the_shipped_setting_finds_the_most_new_targets_within_the_budget():
    from benchmarks.suites.cold_start import ANY, choose_exposure
    from recsys_tf.evaluation.new_item_slots import ALWAYS

    def row(warm, cold):
        return {"warm": {"ndcg@10": {"mean": warm}}, "cold": {"hr@10": {"mean": cold}}}

    def curve(*points):
        return {slots: row(*point) for slots, point in enumerate(points)}

    any_title = curve((0.050, 0.0), (0.0490, 0.04), (0.0486, 0.06), (0.047, 0.08))
    # Without a gate: the most places within 3% (2; 3 costs 6%).
    assert choose_exposure({ANY: {ALWAYS: any_title}}) == (2, ANY, ALWAYS)
    # A gate that reaches more new targets within the budget wins, ...
    gated = curve((0.050, 0.0), (0.0495, 0.03), (0.0490, 0.05), (0.0487, 0.065))
    assert choose_exposure({ANY: {ALWAYS: any_title}, 0.7: {ALWAYS: gated}}) == (3, 0.7, ALWAYS)
    assert choose_exposure({ANY: {ALWAYS: any_title, -12.0: gated}}) == (3, ANY, -12.0)
    # ... and on a tie the fewer places, then the gentler gate.
    tied = curve((0.050, 0.0), (0.0495, 0.06), (0.0490, 0.06), (0.0470, 0.09))
    assert choose_exposure({ANY: {ALWAYS: any_title}, 0.7: {ALWAYS: tied}}) == (1, 0.7, ALWAYS)
    assert choose_exposure({ANY: {ALWAYS: any_title, -12.0: tied, -14.0: tied}}) == (
        1, ANY, -12.0)
    assert choose_exposure({ANY: {ALWAYS: curve((0.050, 0.0), (0.040, 0.05))}}) == (
        0, ANY, ALWAYS)

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

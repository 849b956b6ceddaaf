"""The S0 §4.1 logistic regression over recommender scores, on tiny synthetic data."""

import numpy as np
import pytest

from recsys_tf.baselines.feature_logistic_regression import (
    FeatureLogisticRegression,
    labelled_pairs,
    pair_values,
)
from recsys_tf.evaluation.classification_metrics import classification_metrics
from recsys_tf.experiment.prepared_data import prepare_data
from tests.training.tiny_experiment import tiny_experiment


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return prepare_data(tiny_experiment(tmp_path_factory.mktemp("cache")).data)


def oracle(batch):
    """1 for the example's target item, 0 elsewhere: a perfectly separating feature."""
    scores = np.zeros((len(batch["target"]), 642))
    scores[np.arange(len(scores)), batch["target"]] = 1.0
    return scores


NOISE = np.random.default_rng(0).normal(size=(642, 642))


def noise(batch):
    """Uninformative scores, fixed per (target, item)."""
    return NOISE[batch["target"]]


def test_labelled_pairs_put_the_target_first_and_negatives_outside_the_history(prepared):
    items, labels = labelled_pairs(prepared.test, prepared.test_history,
                                   prepared.candidate_mask, negatives=4, seed=0)
    assert items.shape == labels.shape == (len(prepared.test["target"]), 5)
    np.testing.assert_array_equal(items[:, 0], prepared.test["target"])
    assert (labels[:, 0] == 1).all() and (labels[:, 1:] == 0).all()
    history = prepared.test_history.dense(slice(0, len(items)), prepared.num_items)
    assert not np.take_along_axis(history, items[:, 1:], axis=1).any()
    assert prepared.candidate_mask[items].all()


def test_the_fit_weights_an_informative_feature_over_noise(prepared):
    lr = FeatureLogisticRegression({"oracle": oracle, "noise": noise}, epochs=40).fit(
        prepared.valid, prepared.valid_history, prepared.candidate_mask)
    weights = lr.coefficients
    assert weights["oracle"] > 1.0 and abs(weights["noise"]) < 0.3 * weights["oracle"]
    items, labels = labelled_pairs(prepared.test, prepared.test_history,
                                   prepared.candidate_mask, negatives=4, seed=1)
    probabilities = lr.probabilities(prepared.test, items)
    assert ((0 <= probabilities) & (probabilities <= 1)).all()
    assert classification_metrics(labels.ravel(), probabilities.ravel())["auc"] > 0.95
    # The full-ranking scorer orders items as the probabilities do.
    batch = {k: v[:5] for k, v in prepared.test.items()}
    logits = np.take_along_axis(lr.scorer()(batch), items[:5], axis=1)
    np.testing.assert_array_equal(np.argsort(logits, axis=1),
                                  np.argsort(probabilities[:5], axis=1))


def test_pair_values_scored_once_give_the_same_fits(prepared):
    features = {"oracle": oracle, "noise": noise}
    items, _ = FeatureLogisticRegression(features).pairs(
        prepared.valid, prepared.valid_history, prepared.candidate_mask)
    values = pair_values(features, prepared.valid, items, batch_size=7)
    np.testing.assert_array_equal(values["oracle"][:, 0], 1.0)
    np.testing.assert_array_equal(values["oracle"][:, 1:], 0.0)
    np.testing.assert_array_equal(values["noise"], NOISE[prepared.valid["target"][:, None], items])
    for subset in (features, {"noise": noise}):
        scored = FeatureLogisticRegression(subset, epochs=3).fit(
            prepared.valid, prepared.valid_history, prepared.candidate_mask)
        shared = FeatureLogisticRegression(subset, epochs=3).fit(
            prepared.valid, prepared.valid_history, prepared.candidate_mask, values=values)
        assert shared.coefficients == pytest.approx(scored.coefficients, abs=1e-6)
        np.testing.assert_allclose(shared.probabilities(prepared.valid, items, values=values),
                                   scored.probabilities(prepared.valid, items), atol=1e-6)
    with pytest.raises(ValueError, match="lacks the feature"):
        FeatureLogisticRegression({"other": noise}).fit(
            prepared.valid, prepared.valid_history, prepared.candidate_mask, values=values)


def test_unfitted_or_empty_models_are_refused(prepared):
    with pytest.raises(ValueError, match="at least one"):
        FeatureLogisticRegression({})
    with pytest.raises(ValueError, match="fit"):
        FeatureLogisticRegression({"oracle": oracle}).scorer()

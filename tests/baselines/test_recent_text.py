"""The text-only baseline against a direct cosine computation."""

import numpy as np
import pytest

from recsys_tf.baselines.recent_text import recent_text_scorer
from recsys_tf.experiment.prepared_data import prepare_data
from tests.training.tiny_experiment import tiny_experiment


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return prepare_data(tiny_experiment(tmp_path_factory.mktemp("cache")).data)


def test_recent_text_scorer_is_the_cosine_with_the_last_items(prepared):
    batch = {k: v[:4] for k, v in prepared.test.items()}
    scores = recent_text_scorer(prepared.item_text, recent=3)(batch)
    text = prepared.item_text
    for row in range(4):
        length = batch["history_length"][row]
        last = batch["item_ids"][row, max(length - 3, 0):length]
        profile = text[last].sum(axis=0)
        expected = text @ (profile / np.linalg.norm(profile))
        np.testing.assert_allclose(scores[row], expected, rtol=1e-5, atol=1e-6)

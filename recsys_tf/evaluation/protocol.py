"""The evaluation protocol shared by `evaluate`, `train` and the benchmarks."""

from __future__ import annotations

import numpy as np

from recsys_tf.evaluation.sampled_ranking import sample_negatives
from recsys_tf.experiment.prepared_data import PreparedData

SAMPLED_SIZES = (100, 999)  # SASRec / BERT4Rec papers; cross-domain literature
KS = (10, 20)


def negatives_for_test(prepared: PreparedData, sizes=SAMPLED_SIZES, seed: int = 0
                   ) -> dict[str, np.ndarray]:
    """Seeded negatives per test target from the ranked domain (``candidate_mask``), outside
    the user's history; one array ``[targets, n]`` per size that every target allows (ML-100K
    users with long histories leave fewer than 999 unseen movies, so N = 999 is skipped there).
    """
    out = {}
    for size in sizes:
        try:
            out[str(size)] = sample_negatives(
                prepared.test["target"], prepared.test_history,
                np.zeros(prepared.num_items, np.int64), prepared.candidate_mask,
                num_negatives=size, seed=seed)
        except ValueError:
            continue
    return out

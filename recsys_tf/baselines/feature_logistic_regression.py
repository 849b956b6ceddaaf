"""The seeds' logistic regression (S0 §4.1) as a recommender over per-(user, item) features.

Each feature is the score of a simpler recommender for the (user, item) pair — e.g.
log-popularity, item-KNN co-occurrence, title similarity to the last items — standardised and
combined by :class:`~recsys_tf.models.LogisticRegression`, ``p = σ(β₀ + Σ βᵢ xᵢ)``. The
coefficients are fitted on validation pairs: each validation target (label 1) with
``negatives`` seeded items sampled from its domain outside the user's history (label 0), so the
features' own models (trained on the training split) never see those events. The same fit on a
single feature (our model's score) is Platt scaling: calibrated probabilities for the
classification metrics of S2 ch. 6.

Example::

    lr = FeatureLogisticRegression({"popularity": pop, "knn": knn.scorer()})
    lr.fit(prepared.valid, prepared.valid_history, prepared.candidate_mask)
    lr.scorer()(batch)                        # [batch, num_items], for full ranking
    lr.probabilities(batch, items)            # [batch, n] click probabilities
"""

from __future__ import annotations

import numpy as np

from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.evaluation.full_ranking import ScoreFn
from recsys_tf.evaluation.sampled_ranking import sample_negatives


def labelled_pairs(examples: dict[str, np.ndarray], history: HistoryMask,
                   candidate_mask: np.ndarray, *, negatives: int, seed: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``(items [n, 1 + negatives], labels [n, 1 + negatives])``: each target (column 0,
    label 1) with seeded negatives from the candidates outside the user's history."""
    sampled = sample_negatives(examples["target"], history,
                               np.zeros(len(candidate_mask), np.int64), candidate_mask,
                               num_negatives=negatives, seed=seed)
    items = np.concatenate([examples["target"][:, None], sampled], axis=1)
    labels = np.zeros(items.shape, np.float32)
    labels[:, 0] = 1.0
    return items, labels


def pair_values(features: dict[str, ScoreFn], examples: dict[str, np.ndarray],
                items: np.ndarray, *, batch_size: int = 1024) -> dict[str, np.ndarray]:
    """``{name: [rows, n]}``: each feature's score of the (row, item) pairs ``items``
    ``[rows, n]``, scored in batches of rows."""
    out = {name: [] for name in features}
    for start in range(0, len(items), batch_size):
        rows = slice(start, start + batch_size)
        batch = {k: v[rows] for k, v in examples.items()}
        for name, score in features.items():
            out[name].append(np.take_along_axis(np.asarray(score(batch), np.float64),
                                                items[rows], axis=1))
    return {name: np.concatenate(parts) for name, parts in out.items()}


class FeatureLogisticRegression:
    """Logistic regression over the scores of ``features`` (name -> score function).

    Args:
        features: ``{name: batch -> [batch, num_items] scores}``.
        negatives: sampled negatives per validation target.
        seed: seed of the negatives and of the fit.
        epochs: passes of Adam over the validation pairs.
        batch_size: rows per scoring batch.
    """

    def __init__(self, features: dict[str, ScoreFn], *, negatives: int = 4, seed: int = 0,
                 epochs: int = 30, batch_size: int = 1024):
        if not features:
            raise ValueError("`features` must name at least one score function.")
        self.features = dict(features)
        self.negatives = negatives
        self.seed = seed
        self.epochs = epochs
        self.batch_size = batch_size
        self.model = None
        self.mean = self.scale = None

    def _raw(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """``[batch, num_items, features]`` feature values of every item."""
        return np.stack([np.asarray(score(batch), np.float64)
                         for score in self.features.values()], axis=-1)

    def _pairs(self, examples: dict[str, np.ndarray], items: np.ndarray,
               values: dict[str, np.ndarray] | None) -> np.ndarray:
        """``[rows, n, features]``: from ``values`` (see :func:`pair_values`) or scored now."""
        if values is None:
            values = pair_values(self.features, examples, items, batch_size=self.batch_size)
        missing = set(self.features) - set(values)
        if missing:
            raise ValueError(f"`values` lacks the feature(s) {sorted(missing)}")
        return np.stack([values[name] for name in self.features], axis=-1)

    def fit(self, examples: dict[str, np.ndarray], history: HistoryMask,
            candidate_mask: np.ndarray, *, values: dict[str, np.ndarray] | None = None
            ) -> FeatureLogisticRegression:
        """Fits on ``examples``' targets and sampled negatives (:meth:`pairs`); ``values`` =
        the features already scored on those pairs (:func:`pair_values`), e.g. shared by
        several regressions over overlapping features."""
        import keras

        from recsys_tf.models.logistic_regression import LogisticRegression

        items, labels = self.pairs(examples, history, candidate_mask)
        x = self._pairs(examples, items, values).reshape(-1, len(self.features))
        self.mean, self.scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-12)
        keras.utils.set_random_seed(self.seed)
        self.model = LogisticRegression(num_features=len(self.features))
        self.model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
        self.model.fit(((x - self.mean) / self.scale).astype(np.float32), labels.reshape(-1, 1),
                       epochs=self.epochs, batch_size=4096, verbose=0)
        return self

    def pairs(self, examples: dict[str, np.ndarray], history: HistoryMask,
              candidate_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``(items, labels)`` the fit uses (:func:`labelled_pairs` with this model's
        ``negatives`` and ``seed``)."""
        return labelled_pairs(examples, history, candidate_mask, negatives=self.negatives,
                              seed=self.seed)

    @property
    def coefficients(self) -> dict[str, float]:
        """Standardised coefficients by feature name, and the intercept."""
        bias, weights = self.model.coefficients
        return {"intercept": bias, **{name: float(w) for name, w in
                                      zip(self.features, weights, strict=True)}}

    def _logit(self, values: np.ndarray) -> np.ndarray:
        bias, weights = self.model.coefficients
        return ((values - self.mean) / self.scale) @ weights + bias

    def probabilities(self, examples: dict[str, np.ndarray], items: np.ndarray, *,
                      values: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """``[rows, n]`` probabilities of the (row, item) pairs (``values`` as in :meth:`fit`)."""
        if self.model is None:
            raise ValueError("Call `fit` first.")
        return 1.0 / (1.0 + np.exp(-self._logit(self._pairs(examples, items, values))))

    def scorer(self) -> ScoreFn:
        """Logits of every item (same order as the probabilities), for full ranking."""
        if self.model is None:
            raise ValueError("Call `fit` first.")
        return lambda batch: self._logit(self._raw(batch))

"""How sure a ratio of two models' means over the same users is: a paired bootstrap interval.

A ratio of mean NDCG@10 over a hundred users moves by tens of percent when other users happen
to be in the test set. Resampling users (the same draw for both models, so what the models share
cancels) gives the interval a claim such as "1.20× the ablation" has to clear.

Example:

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> control = rng.random(400)
>>> low, high = ratio_interval(1.5 * control, control)
>>> round(low, 3), round(high, 3)          # every draw gives exactly 1.5
(1.5, 1.5)
>>> low, high = ratio_interval(rng.random(100), rng.random(100))
>>> bool(low < 1.0 < high)                 # two draws of the same distribution
True

References:
    Efron & Tibshirani, An Introduction to the Bootstrap (1993), ch. 13 (percentile intervals).
"""

from __future__ import annotations

import numpy as np


def ratio_interval(treated: np.ndarray, control: np.ndarray, *, level: float = 0.95,
                   draws: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile interval of ``mean(treated) / mean(control)`` over users resampled with
    replacement, both arrays ``[n_users]`` in the same user order. Draws whose control mean is
    0 are left out; with no users, or no draw left, the interval is ``(nan, nan)``."""
    treated, control = np.asarray(treated, np.float64), np.asarray(control, np.float64)
    if treated.shape != control.shape or treated.ndim != 1:
        raise ValueError(f"Expected two [n_users] arrays of one shape, got {treated.shape} and "
                         f"{control.shape}")
    if not 0 < level < 1:
        raise ValueError(f"`level` must be in (0, 1). Received: level={level}")
    if not len(treated):
        return float("nan"), float("nan")
    picks = np.random.default_rng(seed).integers(0, len(treated), (draws, len(treated)))
    numerator, denominator = treated[picks].mean(axis=1), control[picks].mean(axis=1)
    kept = denominator > 0
    if not kept.any():
        return float("nan"), float("nan")
    ratios = numerator[kept] / denominator[kept]
    tail = (1 - level) / 2
    low, high = np.quantile(ratios, [tail, 1 - tail])
    return float(low), float(high)

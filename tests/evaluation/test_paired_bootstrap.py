import numpy as np
import pytest

from recsys_tf.evaluation.paired_bootstrap import ratio_interval


def test_interval_matches_the_normal_approximation_of_a_large_sample():
    """For many users the percentile interval approaches the delta-method interval."""
    rng = np.random.default_rng(1)
    control = rng.random(5000)
    treated = 1.2 * control + rng.normal(0, 0.1, 5000)
    low, high = ratio_interval(treated, control, draws=4000)
    ratio = treated.mean() / control.mean()
    # Delta method: Var(T/C) ~ Var(T - r C) / (n mean(C)^2).
    se = np.std(treated - ratio * control) / (np.sqrt(len(control)) * control.mean())
    assert low == pytest.approx(ratio - 1.96 * se, abs=0.4 * se)
    assert high == pytest.approx(ratio + 1.96 * se, abs=0.4 * se)


def test_pairing_makes_a_shared_user_effect_cancel():
    """Users differ a lot, the models barely: the paired interval is narrow."""
    rng = np.random.default_rng(2)
    user = rng.exponential(1.0, 100)
    low, high = ratio_interval(user * 1.1, user)
    assert (low, high) == pytest.approx((1.1, 1.1))
    unpaired = ratio_interval(user * 1.1, rng.permutation(user))
    assert unpaired[1] - unpaired[0] > 0.2


def test_a_wider_level_gives_a_wider_interval_and_the_seed_fixes_it():
    rng = np.random.default_rng(3)
    a, b = rng.random(80), rng.random(80)
    narrow, wide = ratio_interval(a, b, level=0.5), ratio_interval(a, b, level=0.99)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]
    assert ratio_interval(a, b, seed=7) == ratio_interval(a, b, seed=7)


def test_empty_and_all_zero_controls_give_nan():
    assert np.isnan(ratio_interval(np.array([]), np.array([]))).all()
    assert np.isnan(ratio_interval(np.ones(3), np.zeros(3))).all()


def test_bad_shapes_and_levels_are_refused():
    with pytest.raises(ValueError, match="one shape"):
        ratio_interval(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="level"):
        ratio_interval(np.ones(3), np.ones(3), level=1.0)

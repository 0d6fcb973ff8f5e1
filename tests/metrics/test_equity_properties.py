"""Property tests of the equity-scaled metric and the performance-scaled disparity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlens.metrics import equity_scaled, performance_scaled_disparity

pytestmark = pytest.mark.usefixtures("quiet_numpy")


# A grid keeps distinct values at least 1/64 apart, so "equal" and "different" are unambiguous.
_GRID = st.integers(0, 64).map(lambda k: k / 64)


_GROUP_VALUE = st.one_of(_GRID, st.just(float("nan")))


@settings(max_examples=300, deadline=None)
@given(overall=st.integers(1, 64).map(lambda k: k / 64),
       values=st.lists(st.tuples(_GROUP_VALUE, st.booleans()), min_size=0, max_size=8))
def test_equity_scaled_pure_function(overall, values):
    groups = np.array([v for v, _ in values], dtype=float)
    include = np.array([i for _, i in values], dtype=bool)
    es = float(equity_scaled(np.float64(overall), groups, include))
    used = groups[include & ~np.isnan(groups)]
    if len(used) == 0:
        # Nothing used: undefined, never the overall metric (read as perfect equity).
        assert math.isnan(es)
        return
    assert es <= overall
    assert es > 0
    assert (es == overall) == bool(np.all(used == overall))
    assert es == pytest.approx(overall / (1 + np.abs(used - overall).sum()), rel=1e-12)
    # Leaving include out uses every defined group.
    es_all = float(equity_scaled(np.float64(overall), groups))
    defined = groups[~np.isnan(groups)]
    assert len(defined) > 0
    assert es_all == pytest.approx(overall / (1 + np.abs(defined - overall).sum()), rel=1e-12)

    psd_std, psd_max = (float(x) for x in performance_scaled_disparity(
        np.float64(overall), groups, include))
    if len(used) == 0:
        assert math.isnan(psd_std) and math.isnan(psd_max)
    else:
        assert psd_std >= 0 and psd_max >= 0
        assert psd_std == pytest.approx(np.std(used) / overall, rel=1e-9, abs=1e-15)
        assert psd_max == pytest.approx((used.max() - used.min()) / overall, rel=1e-9, abs=1e-15)
        assert (psd_max == 0) == bool(np.all(used == used[0]))


def test_equity_scaled_with_no_groups_is_undefined():
    # Before: 0.8, the overall metric, i.e. perfect equity on nothing.
    assert math.isnan(float(equity_scaled(np.float64(0.8), np.zeros(0))))
    assert math.isnan(float(equity_scaled(np.float64(0.8), np.array([0.5, 0.9]),
                                          np.array([False, False]))))
    assert math.isnan(float(equity_scaled(np.float64(0.8), np.array([np.nan]))))


def test_performance_scaled_disparity_with_no_groups():
    # Regression: np.nanmin on the empty groups axis raised ValueError.
    std, spread = performance_scaled_disparity(np.float64(0.8), np.zeros(0))
    assert math.isnan(float(std)) and math.isnan(float(spread))


@settings(max_examples=100, deadline=None)
@given(data=st.data(), reps=st.integers(1, 5), n_groups=st.integers(1, 6))
def test_equity_scaled_vectorised_over_replicates(data, reps, n_groups):
    overall = np.array(data.draw(st.lists(st.floats(0.01, 1.0), min_size=reps, max_size=reps)))
    groups = np.array(data.draw(st.lists(
        st.lists(st.one_of(st.floats(0.0, 1.0), st.just(float("nan"))),
                 min_size=n_groups, max_size=n_groups), min_size=reps, max_size=reps)))
    include = np.array(data.draw(st.lists(st.booleans(), min_size=n_groups, max_size=n_groups)))
    es = equity_scaled(overall, groups, include)
    std, spread = performance_scaled_disparity(overall, groups, include)
    assert es.shape == std.shape == spread.shape == (reps,)
    used = (include & ~np.isnan(groups)).any(axis=-1)
    assert np.array_equal(np.isnan(es), ~used)
    assert np.all(es[used] <= overall[used])
    for r in range(reps):
        assert es[r] == pytest.approx(float(equity_scaled(overall[r], groups[r], include)),
                                      nan_ok=True)
        s1, m1 = performance_scaled_disparity(overall[r], groups[r], include)
        np.testing.assert_allclose([std[r], spread[r]], [s1, m1], rtol=1e-12)
    assert np.all(np.isnan(std) | (std >= 0))
    assert np.all(np.isnan(spread) | (spread >= 0))

"""The search is exact: brute-force enumeration and the sliceline package agree with it."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairlens.datasets import make_planted
from fairlens.slices import bin_features, find_slices, score_upper_bound, slice_mask, slice_score


def _categorical_frame(seed: int, n: int = 3_000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"f{j}": rng.choice(list("abcd")[: 2 + j % 3], size=n)
                          for j in range(6)})
    bad = (frame["f1"] == "a") & (frame["f4"] == "b")
    errors = (rng.random(n) < np.where(bad, 0.5, 0.2)).astype(float)
    return frame, errors


def _brute_force(frame: pd.DataFrame, errors: np.ndarray, *, alpha: float, support: int,
                 depth: int) -> list[tuple[float, frozenset]]:
    preds = [(c, v) for c in frame.columns for v in sorted(frame[c].unique())]
    masks = {p: (frame[p[0]] == p[1]).to_numpy() for p in preds}
    n, mean = len(frame), errors.mean()
    out = []
    for level in range(1, depth + 1):
        for combo in itertools.combinations(preds, level):
            if len({c for c, _ in combo}) < level:
                continue
            m = np.logical_and.reduce([masks[p] for p in combo])
            size = m.sum()
            if size < support:
                continue
            sc = float(slice_score(np.array([size]), np.array([errors[m].sum()]), n=n,
                                   mean_error=mean, alpha=alpha)[0])
            if sc > 0:
                out.append((sc, frozenset(combo)))
    return sorted(out, key=lambda t: -t[0])


@pytest.mark.parametrize("seed", [0, 1])
def test_search_matches_brute_force(seed):
    frame, errors = _categorical_frame(seed)
    result = find_slices(frame, features=list(frame.columns), errors=errors, alpha=0.97,
                         min_support=40, max_depth=3, top_k=8, collapse=False)
    truth = _brute_force(frame, errors, alpha=0.97, support=40, depth=3)[:8]
    got = [s.score for s in result.slices]
    np.testing.assert_allclose(got, [t[0] for t in truth], rtol=1e-12)
    assert frozenset((c["feature"], c["value"]) for c in result.slices[0].conditions) == truth[0][1]


def test_depth_four_matches_brute_force():
    frame, errors = _categorical_frame(4, n=2_000)
    result = find_slices(frame, features=list(frame.columns), errors=errors, alpha=0.99,
                         min_support=20, max_depth=4, top_k=10, collapse=False)
    truth = _brute_force(frame, errors, alpha=0.99, support=20, depth=4)[:10]
    assert max(len(s.conditions) for s in result.slices) == 4
    np.testing.assert_allclose([s.score for s in result.slices], [t[0] for t in truth],
                               rtol=1e-12)


def test_threshold_predicates_match_brute_force():
    rng = np.random.default_rng(7)
    n = 3_000
    frame = pd.DataFrame({"x": rng.integers(0, 100, n).astype(float),
                          "y": rng.integers(0, 50, n).astype(float),
                          "c": rng.choice(["u", "v", "w"], n)})
    errors = (rng.random(n) < np.where((frame["x"] < 30) & (frame["c"] == "v"), 0.5, 0.2))
    result = find_slices(frame, features=["x", "y", "c"], errors=errors, alpha=0.97,
                         min_support=30, max_depth=3, top_k=5, collapse=False)
    # every reported slice's statistics recomputed from its JSON conditions
    mean = errors.mean()
    for s in result.slices:
        m = slice_mask(frame, s.conditions)
        assert m.sum() == s.n
        expected = slice_score(np.array([m.sum()]), np.array([errors[m].sum()]), n=n,
                               mean_error=mean, alpha=0.97)[0]
        assert s.score == pytest.approx(expected, rel=1e-12)
    top = {(c["feature"], c["op"]) for c in result.slices[0].conditions}
    assert ("x", "<") in top and ("c", "==") in top


def test_upper_bound_bounds_every_child():
    frame, errors = _categorical_frame(3)
    n, mean = len(frame), errors.mean()
    parent = (frame["f1"] == "a").to_numpy()
    ub = score_upper_bound(np.array([parent.sum()]), np.array([errors[parent].sum()]), 1.0, n=n,
                           mean_error=mean, alpha=0.9, min_support=10)[0]
    for col in ["f0", "f2", "f3", "f4", "f5"]:
        for v in frame[col].unique():
            child = parent & (frame[col] == v).to_numpy()
            if child.sum() >= 10:
                sc = slice_score(np.array([child.sum()]), np.array([errors[child].sum()]), n=n,
                                 mean_error=mean, alpha=0.9)[0]
                assert sc <= ub + 1e-12


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("alpha", [0.95, 0.98])
def test_top_slices_agree_with_sliceline(alpha):
    sliceline = pytest.importorskip("sliceline")
    data = make_planted(n=5_000, seed=1)
    # bin with FairLens, then hand both finders the same categorical data
    frame = bin_features(data.frame, data.features, n_bins=5)
    errors = (data.frame["pred"] != data.frame["label"]).to_numpy(dtype=float)
    finder = sliceline.Slicefinder(alpha=alpha, k=5, max_l=3, min_sup=50, verbose=False)
    finder.fit(frame, errors)
    ours = find_slices(frame, features=list(frame.columns), errors=errors, alpha=alpha,
                       min_support=50, max_depth=3, top_k=5, collapse=False)
    theirs = finder.top_slices_statistics_
    assert len(ours.slices) == len(theirs)
    np.testing.assert_allclose([s.score for s in ours.slices],
                               [t["slice_score"] for t in theirs], rtol=1e-9)
    top = {name: value for name, value in zip(frame.columns, finder.top_slices_[0], strict=True)
           if value is not None}
    assert {c["feature"]: c["value"] for c in ours.slices[0].conditions} == top
    assert ours.slices[0].n == theirs[0]["slice_size"]
    np.testing.assert_array_equal(slice_mask(frame, ours.slices[0].conditions),
                                  np.logical_and.reduce([frame[k] == v for k, v in top.items()]))


@pytest.mark.parametrize("seed", [2, 3])
def test_real_valued_errors_match_brute_force(seed):
    """Per-row losses (not 0/1) take the weighted counting path; it is exact too."""
    frame, flags = _categorical_frame(seed, n=2_500)
    rng = np.random.default_rng(seed)
    errors = flags * rng.gamma(2.0, 0.5, len(frame)) + rng.random(len(frame)) * 0.05
    result = find_slices(frame, features=list(frame.columns), errors=errors, alpha=0.97,
                         min_support=40, max_depth=3, top_k=8, collapse=False)
    truth = _brute_force(frame, errors, alpha=0.97, support=40, depth=3)[:8]
    np.testing.assert_allclose([s.score for s in result.slices], [t[0] for t in truth],
                               rtol=1e-10)
    for s in result.slices:
        mask = slice_mask(frame, s.conditions)
        assert s.n == mask.sum()
        assert s.error_rate == pytest.approx(errors[mask].mean(), rel=1e-12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_feat=st.integers(2, 5), n=st.integers(60, 400),
       real=st.booleans(), depth=st.integers(1, 3))
def test_search_equals_brute_force_on_random_data(seed, n_feat, n, real, depth):
    """Property: on any small categorical data the compiled search finds the brute-force top-k."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"f{j}": rng.choice(list("abcd")[: 2 + (seed + j) % 3], size=n)
                          for j in range(n_feat)})
    errors = (rng.random(n) < 0.3).astype(float)
    if real:
        errors = errors * rng.gamma(2.0, 0.5, n)
    if errors.sum() == 0:
        errors[0] = 1.0
    support = max(5, n // 20)
    result = find_slices(frame, features=list(frame.columns), errors=errors, alpha=0.95,
                         min_support=support, max_depth=depth, top_k=5, collapse=False)
    truth = _brute_force(frame, errors, alpha=0.95, support=support, depth=depth)[:5]
    np.testing.assert_allclose([s.score for s in result.slices], [t[0] for t in truth],
                               rtol=1e-9, atol=1e-12)

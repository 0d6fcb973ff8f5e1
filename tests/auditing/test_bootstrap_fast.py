"""The bootstrap's shortcuts give exactly the numbers of the plain computation.

Each shortcut (restricted tables shared between the point estimates and the replicates, the
AUC handed to DeLong's standard error, no sort for metrics without replicates, Poisson draws
without a scatter when every cell holds rows) is compared with the computation it replaces,
bit for bit, and the audit of a 1,000-group table is compared with its own intervals' rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens.auditing._families import score_family
from fairlens.engine import Grouping, ScoreTable
from fairlens.metrics._intervals import percentile_interval, poisson_counts
from fairlens.metrics._scores import auc_from_histogram, auc_standard_error


def _frame(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 4, n), rng.integers(0, 3, n)
    y = (rng.random(n) < 0.3 + 0.1 * a / 3).astype(int)
    score = np.round(1 / (1 + np.exp(-(rng.normal(0, 1, n) + 1.2 * y - 0.5))), 3)
    return pd.DataFrame({"y": y, "score": score, "a": [f"a{i}" for i in a],
                         "b": [f"b{i}" for i in b], "w": rng.uniform(0.5, 2.0, n)})


def _table(n_groups: int = 12, bins: int = 40, seed: int = 1, weighted: bool = False):
    rng = np.random.default_rng(seed)
    n = rng.poisson(5.0, (n_groups, 2, bins)).astype(float)
    w = n * rng.uniform(0.5, 2.0, n.shape) if weighted else n
    return ScoreTable(n=n, w=w, values=np.linspace(0, 1, bins, endpoint=False), exact=True)


def _coarse(n_groups: int = 12, parts: int = 3) -> Grouping:
    return Grouping("a", ["a"], [(f"a{i}",) for i in range(parts)],
                    np.arange(n_groups) % parts)


@pytest.mark.parametrize("weighted", [False, True])
def test_point_estimates_from_the_shared_restricted_table(weighted):
    table = _table(weighted=weighted)
    family, grouping = score_family(table), _coarse()
    restricted = family.restrict(grouping)
    assert family.restrict(grouping) is restricted, "summed once, then reused"
    plain = family.compute({k: grouping.marginalize(v, -3) for k, v in family.arrays.items()})
    shared = family.group_metrics(grouping)
    assert np.array_equal(shared["auc"], plain["auc"], equal_nan=True)
    assert np.array_equal(restricted.n, grouping.marginalize(table.n, 0))


def test_delong_standard_error_with_the_auc_given_is_the_same():
    table = _table(weighted=True)
    neg, pos = table.w[:, 0, :], table.w[:, 1, :]
    auc = auc_from_histogram(neg, pos)
    assert np.array_equal(auc_standard_error(neg, pos, auc), auc_standard_error(neg, pos),
                          equal_nan=True)


def test_poisson_draws_without_the_scatter_are_the_same_draws():
    counts = np.random.default_rng(2).integers(1, 50, (7, 2, 2)).astype(float)
    fast = poisson_counts(np.random.default_rng(5), counts, 30)
    rng = np.random.default_rng(5)
    plain = np.zeros((30, counts.size))
    plain[:, np.arange(counts.size)] = rng.poisson(counts.reshape(-1), size=(30, counts.size))
    assert fast.dtype == np.float64 and np.array_equal(fast, plain.reshape(30, 7, 2, 2))
    with_zeros = counts.copy()
    with_zeros[0] = 0
    drawn = poisson_counts(np.random.default_rng(5), with_zeros, 30)
    assert (drawn[:, 0] == 0).all() and (drawn[:, 1:] > 0).any()


def test_metrics_without_replicates_keep_the_point_as_their_interval():
    reps = np.full((200, 4), np.nan)
    point = np.array([0.2, np.nan, 0.5, 0.9])
    lo, hi = percentile_interval(reps, 0.95, point)
    assert np.array_equal(lo, point, equal_nan=True) and np.array_equal(hi, point,
                                                                        equal_nan=True)
    lo, hi = percentile_interval(reps, 0.95)
    assert np.isnan(lo).all() and np.isnan(hi).all()
    scalar = percentile_interval(np.full(50, np.nan), 0.95, 0.3)
    assert tuple(map(float, scalar)) == (0.3, 0.3)


def test_percentiles_follow_numpy_with_nan_replicates_left_out():
    rng = np.random.default_rng(3)
    reps = rng.normal(size=(999, 6))
    reps[rng.random(reps.shape) < 0.2] = np.nan
    reps[:, 5] = np.nan
    lo, hi = percentile_interval(reps, 0.9)
    want = np.nanquantile(reps[:, :5], [0.05, 0.95], axis=0)
    assert np.allclose(lo[:5], want[0], rtol=0, atol=1e-15)
    assert np.allclose(hi[:5], want[1], rtol=0, atol=1e-15)
    assert np.isnan(lo[5]) and np.isnan(hi[5])


def test_repeated_audits_and_threshold_moves_are_identical():
    frame = _frame()
    kwargs = dict(label="y", score="score", sensitive=["a", "b"], bootstrap=300, seed=11)
    first, second = fairlens.audit(frame, **kwargs), fairlens.audit(frame, **kwargs)
    assert first.to_dict() == second.to_dict()
    moved = first.at_threshold(0.4).to_dict()
    fresh = fairlens.audit(frame, threshold=0.4, **kwargs).to_dict()
    assert moved["groups"] == fresh["groups"]
    weighted = fairlens.audit(frame, weight="w", **kwargs)
    assert weighted.to_dict() == fairlens.audit(frame, weight="w", **kwargs).to_dict()

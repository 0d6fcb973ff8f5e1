"""Tests of each group against the reference group, with Benjamini-Hochberg correction."""

from __future__ import annotations

import numpy as np
from scipy import stats

FISHER_MIN_EXPECTED = 5.0


def two_proportion_test(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value for ``x1/n1 == x2/n2``.

    A pooled two-proportion z-test; Fisher's exact test when any expected cell count of the
    2x2 table is below 5. NaN when either denominator is zero.
    """
    if n1 <= 0 or n2 <= 0:
        return float("nan")
    pooled = (x1 + x2) / (n1 + n2)
    expected = np.array([n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)])
    if expected.min() < FISHER_MIN_EXPECTED:
        table = np.rint([[x1, n1 - x1], [x2, n2 - x2]]).astype(np.int64)
        return float(stats.fisher_exact(table).pvalue)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * stats.norm.sf(abs(z)))


def two_proportion_tests(x: np.ndarray, n: np.ndarray, ref: int) -> np.ndarray:
    """:func:`two_proportion_test` of every group against group ``ref`` (vectorised z-tests).

    Returns NaN for the reference group itself and for empty groups.
    """
    x = np.asarray(x, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    x2, n2 = x[ref], n[ref]
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x + x2) / (n + n2)
        expected = np.minimum.reduce([n * pooled, n * (1 - pooled), n2 * pooled,
                                      n2 * (1 - pooled)])
        se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n2))
        z = (x / n - x2 / n2) / se
    p = np.where(se > 0, 2 * stats.norm.sf(np.abs(z)), 1.0)
    p = np.where((n > 0) & (n2 > 0), p, np.nan)
    for i in np.flatnonzero((expected < FISHER_MIN_EXPECTED) & (n > 0) & (n2 > 0)):
        p[i] = two_proportion_test(x[i], n[i], x2, n2)
    p[ref] = np.nan
    return p


def welch_test(
    n1: float, mean1: float, var1: float, n2: float, mean2: float, var2: float
) -> float:
    """Two-sided Welch t-test p-value from summary statistics (sample variances, ddof=1)."""
    if n1 < 2 or n2 < 2:
        return float("nan")
    se2 = var1 / n1 + var2 / n2
    if se2 <= 0:
        return 1.0 if mean1 == mean2 else 0.0
    t = (mean1 - mean2) / np.sqrt(se2)
    dof = se2**2 / ((var1 / n1) ** 2 / (n1 - 1) + (var2 / n2) ** 2 / (n2 - 1))
    return float(2 * stats.t.sf(abs(t), dof))


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN entries stay NaN and do not count."""
    p = np.asarray(p_values, dtype=np.float64)
    q = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    order = np.argsort(p[ok])
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    out = np.empty(m)
    out[order] = adjusted
    q[ok] = out
    return q

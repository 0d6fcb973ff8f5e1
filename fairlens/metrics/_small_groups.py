"""Intervals that stay honest for tiny groups: never zero width while a value is defined.

The percentile bootstrap of a group with a handful of rows collapses: a group of one row has
every replicate equal to its one value (or undefined), so its interval is ``[v, v]``; an AUC of
1.0 from four people gives ``[1.0, 1.0]``, and so does the Hanley-McNeil normal interval. These
functions give intervals that are wide where the data are few:

- rates (a proportion ``x / n``): the Wilson score interval (Wilson 1927; recommended for small
  ``n`` by Brown, Cai and DasGupta 2001), never zero width for ``n >= 1``;
- AUC: a conservative Wilson-type interval from the largest variance an AUC estimate can have,
  ``Var(AUC) <= A (1 - A) / min(n_pos, n_neg)`` (Birnbaum and Klose 1957; van Dantzig 1951),
  i.e. the Wilson interval of ``A`` with ``min(n_pos, n_neg)`` trials;
- F1: ``F1 = 2 J / (1 + J)`` with ``J = TP / (TP + FP + FN)`` (a proportion), so the Wilson
  interval of ``J`` mapped through that increasing function;
- balanced accuracy: the mean of the Wilson bounds of TPR and TNR at level ``1 - alpha / 2``
  each (Bonferroni: covers with at least the stated level when both do);
- Brier score (a mean of values in ``[0, 1]``): Hoeffding's interval
  ``mean +- sqrt(ln(2 / alpha) / (2 n))``.
"""

from __future__ import annotations

import numpy as np

from fairlens.metrics._intervals import wilson_interval as _wilson_rounded


def wilson_interval(successes, trials, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fairlens.metrics.wilson_interval` with exact ends: 0 when there are no
    successes and 1 when all are (the formula rounds them to 1e-16 away)."""
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    lo, hi = _wilson_rounded(x, n, level)
    return np.where(x <= 0, np.where(n > 0, 0.0, lo), lo), np.where((x >= n) & (n > 0), 1.0, hi)


def auc_max_variance_interval(auc: np.ndarray, n_pos: np.ndarray, n_neg: np.ndarray,
                              level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Conservative AUC interval from the maximum-variance bound; NaN where AUC is undefined.

    Parameters
    ----------
    auc : numpy.ndarray
        AUC estimates.
    n_pos, n_neg : numpy.ndarray
        Positive and negative rows behind each estimate.
    level : float

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds, never equal while ``min(n_pos, n_neg) >= 1``.

    Examples
    --------
    >>> lo, hi = auc_max_variance_interval(np.array([1.0]), np.array([2]), np.array([2]))
    >>> round(float(lo[0]), 3), float(hi[0])
    (0.342, 1.0)
    """
    a = np.asarray(auc, dtype=np.float64)
    k = np.minimum(np.asarray(n_pos, dtype=np.float64), np.asarray(n_neg, dtype=np.float64))
    lo, hi = wilson_interval(a * k, k, level)
    undefined = np.isnan(a) | ~(k > 0)
    return np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)


def f1_interval(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray,
                level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """F1 interval: the Wilson interval of ``J = TP / (TP + FP + FN)`` mapped to ``2J / (1+J)``."""
    lo, hi = wilson_interval(tp, np.asarray(tp) + np.asarray(fp) + np.asarray(fn), level)
    return 2 * lo / (1 + lo), 2 * hi / (1 + hi)


def balanced_accuracy_interval(tp: np.ndarray, fn: np.ndarray, tn: np.ndarray, fp: np.ndarray,
                               level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the TPR and TNR Wilson bounds, each at level ``1 - (1 - level) / 2``."""
    each = 1 - (1 - level) / 2
    lo1, hi1 = wilson_interval(tp, np.asarray(tp) + np.asarray(fn), each)
    lo2, hi2 = wilson_interval(tn, np.asarray(tn) + np.asarray(fp), each)
    return (lo1 + lo2) / 2, (hi1 + hi2) / 2


def hoeffding_interval(mean: np.ndarray, n: np.ndarray, level: float = 0.95, *,
                       low: float = 0.0, high: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Hoeffding interval of a mean of ``n`` values in ``[low, high]``; NaN where ``n == 0``."""
    m = np.asarray(mean, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = (high - low) * np.sqrt(np.log(2 / (1 - level)) / (2 * n))
    ok = (n > 0) & ~np.isnan(m)
    return (np.where(ok, np.clip(m - half, low, high), np.nan),
            np.where(ok, np.clip(m + half, low, high), np.nan))

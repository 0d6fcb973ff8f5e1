"""Confidence intervals: bootstrap on the count tables, Wilson and Hanley-McNeil as fast options."""

from __future__ import annotations

import numpy as np
from scipy import stats


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion; NaN where ``trials == 0``."""
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def hanley_mcneil_interval(
    auc: np.ndarray, n_pos: np.ndarray, n_neg: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Normal interval for AUC with the Hanley-McNeil (1982) standard error."""
    a = np.asarray(auc, dtype=np.float64)
    q1 = a / (2 - a)
    q2 = 2 * a**2 / (1 + a)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (a * (1 - a) + (n_pos - 1) * (q1 - a**2) + (n_neg - 1) * (q2 - a**2)) / (
            n_pos * n_neg
        )
    z = stats.norm.ppf(0.5 + level / 2)
    se = np.sqrt(np.clip(var, 0, None))
    return np.clip(a - z * se, 0, 1), np.clip(a + z * se, 0, 1)


def percentile_interval(
    replicates: np.ndarray, level: float = 0.95, point: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval over axis 0, ignoring NaN replicates.

    Uses linear interpolation between order statistics (numpy's default quantile method).
    When ``point`` is given, the interval is widened to include it: the percentile interval of
    a max-minus-min or spread statistic near zero can exclude the estimate (its bootstrap
    distribution is biased upwards), and FairLens never shows an interval that excludes its
    own point estimate.
    """
    alpha = (1 - level) / 2
    reps = np.asarray(replicates, dtype=np.float64)
    if reps.size and np.isnan(reps).all():
        # No defined replicate (a metric left without intervals): nothing to sort.
        lo, hi = np.full(reps.shape[1:], np.nan), np.full(reps.shape[1:], np.nan)
    else:
        lo, hi = _percentiles(np.sort(reps, axis=0), (alpha, 1 - alpha))  # NaN sort last
    if point is not None:
        point = np.asarray(point, dtype=np.float64)
        lo = np.where(np.isnan(point), lo, np.fmin(lo, point))
        hi = np.where(np.isnan(point), hi, np.fmax(hi, point))
    return lo, hi


def _percentiles(reps: np.ndarray, quantiles: tuple[float, ...]) -> list[np.ndarray]:
    """Linear-interpolation quantiles over axis 0 of replicates sorted with NaN last."""
    valid = np.sum(~np.isnan(reps), axis=0)
    bounds = []
    for q in quantiles:
        pos = q * np.maximum(valid - 1, 0)
        lo_idx = np.floor(pos).astype(np.int64)
        hi_idx = np.minimum(lo_idx + 1, np.maximum(valid - 1, 0))
        lo_val = np.take_along_axis(reps, lo_idx[None, ...], axis=0)[0]
        hi_val = np.take_along_axis(reps, hi_idx[None, ...], axis=0)[0]
        value = lo_val + (pos - lo_idx) * (hi_val - lo_val)
        bounds.append(np.where(valid > 0, value, np.nan))
    return bounds


def poisson_counts(rng: np.random.Generator, counts: np.ndarray, replicates: int) -> np.ndarray:
    """Resample a table of counts as the Poisson bootstrap resamples rows.

    The Poisson bootstrap gives every row an independent Poisson(1) weight; the rows of a cell
    with ``c`` rows then carry a Poisson(``c``) total, exactly. So resampling the cells is the
    same as resampling the rows, at a cost independent of the number of rows. It is
    asymptotically equivalent to the classical (multinomial) bootstrap and parallelises.

    Parameters
    ----------
    counts : numpy.ndarray
        Unweighted counts of any shape.
    replicates : int

    Returns
    -------
    numpy.ndarray
        ``(replicates, *counts.shape)`` resampled counts (float64).
    """
    flat = counts.reshape(-1)
    nonzero = np.flatnonzero(flat)
    if len(nonzero) == flat.size:
        # Every cell holds rows (the usual case): the same draws, without the scatter.
        draws = rng.poisson(flat, size=(replicates, flat.size))
        return draws.astype(np.float64).reshape((replicates, *counts.shape))
    out = np.zeros((replicates, flat.size))
    if len(nonzero):
        out[:, nonzero] = rng.poisson(flat[nonzero], size=(replicates, len(nonzero)))
    return out.reshape((replicates, *counts.shape))

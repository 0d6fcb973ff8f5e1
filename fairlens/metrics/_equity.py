"""Equity-scaled metrics (ES) and performance-scaled disparities (PSD).

Sources: FairSeg (Tian et al., ICLR 2024), FairCLIP (Luo et al., CVPR 2024) and Harvard-EF
(Luo et al., 2024). ``M_overall`` is the metric on all rows, never the mean of the groups.
Groups whose metric is undefined (NaN) or that are excluded (too small) are left out of the
sums instead of turning the result into NaN as the papers' reference code does.
"""

from __future__ import annotations

import numpy as np

from fairlens.metrics._rates import safe_divide


def _masked(groups: np.ndarray, include: np.ndarray | None) -> np.ndarray:
    groups = np.asarray(groups, dtype=np.float64)
    if include is not None:
        groups = np.where(include, groups, np.nan)
    return groups


def equity_scaled(
    overall: np.ndarray, groups: np.ndarray, include: np.ndarray | None = None
) -> np.ndarray:
    """``ES-M = M_overall / (1 + sum_g |M_g - M_overall|)``.

    Parameters
    ----------
    overall : numpy.ndarray
        ``(...)`` metric on all rows.
    groups : numpy.ndarray
        ``(..., G)`` metric per group; NaN groups are skipped.
    include : numpy.ndarray of bool, optional
        ``(G,)`` groups to use (e.g. those at or above the minimum size).

    Returns
    -------
    numpy.ndarray
        ``(...)``; NaN where no group is used (none included or every metric undefined).
    """
    g = _masked(groups, include)
    overall = np.asarray(overall, dtype=np.float64)
    spread = np.nansum(np.abs(g - overall[..., None]), axis=-1)
    # No group used: undefined, never the overall metric (which would read as perfect equity).
    used = np.any(~np.isnan(g), axis=-1) if g.shape[-1] else np.zeros(overall.shape, bool)
    return np.where(used, overall / (1.0 + spread), np.nan)


def performance_scaled_disparity(
    overall: np.ndarray, groups: np.ndarray, include: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``PSD_std = std_g(M_g) / M_overall`` (ddof=0) and ``PSD_max = (max - min) / M_overall``."""
    g = _masked(groups, include)
    if g.shape[-1] == 0:
        nan = np.full(np.shape(overall), np.nan)
        return nan, nan.copy()
    defined = np.sum(~np.isnan(g), axis=-1)
    safe = np.where(defined[..., None] > 0, g, 0.0)
    mean = safe_divide(np.nansum(safe * ~np.isnan(g), axis=-1), defined)
    var = safe_divide(np.nansum((g - mean[..., None]) ** 2, axis=-1), defined)
    spread = np.where(defined > 0, np.nanmax(safe, axis=-1, initial=-np.inf)
                      - np.nanmin(np.where(np.isnan(g), np.inf, g), axis=-1), np.nan)
    return safe_divide(np.sqrt(var), overall), safe_divide(spread, overall)

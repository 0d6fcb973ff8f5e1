"""Harmony: how uniformly a metric is spread over the groups.

Source: A. Uzunoglu, T. Li and D. Khashabi, "The Flaw of Averages: Quantifying Uniformity of
Performance on Benchmarks" (arXiv:2509.25671, 2025). Harmony is the normalized Shannon entropy
of the performance distribution over the subdomains; FairLens reads the groups of a grouping
as the subdomains:

``p_g = M_g / sum_h M_h``, ``H = -sum_g p_g ln p_g / ln K``

over the ``K`` groups whose metric is defined (and that are not excluded as too small).
``H = 1`` when every group has the same metric and falls towards 0 as the metric concentrates
in fewer groups. It is order-free (a permutation of the groups leaves it unchanged) and
scale-free (multiplying every ``M_g`` by the same factor leaves it unchanged). It needs a
non-negative metric where higher is better (AUC, accuracy, Dice, IoU: the metrics ES uses).

Undefined (NaN) when fewer than two groups are used, when all of them have metric 0, or when
a used group's metric is negative.
"""

from __future__ import annotations

import numpy as np


def harmony(groups: np.ndarray, include: np.ndarray | None = None) -> np.ndarray:
    """Normalized entropy of the metric's distribution over the groups.

    Parameters
    ----------
    groups : numpy.ndarray
        ``(..., G)`` metric per group (leading axes: e.g. bootstrap replicates); NaN groups
        are left out.
    include : numpy.ndarray of bool, optional
        ``(G,)`` groups to use (e.g. those at or above the minimum size).

    Returns
    -------
    numpy.ndarray
        ``(...)`` harmony in ``[0, 1]``; NaN where it is undefined (see the module).

    Examples
    --------
    >>> float(harmony(np.array([0.8, 0.8, 0.8])))
    1.0
    >>> round(float(harmony(np.array([0.9, 0.3]))), 4)
    0.8113
    """
    g = np.asarray(groups, dtype=np.float64)
    if include is not None:
        g = np.where(np.asarray(include, dtype=bool), g, np.nan)
    defined = ~np.isnan(g)
    k = defined.sum(axis=-1)
    values = np.where(defined, g, 0.0)
    total = values.sum(axis=-1)
    negative = np.any(values < 0, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = values / total[..., None]
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        h = -terms.sum(axis=-1) / np.log(np.maximum(k, 2))
    hi = np.where(defined, g, -np.inf).max(axis=-1, initial=-np.inf)
    lo = np.where(defined, g, np.inf).min(axis=-1, initial=np.inf)
    h = np.where(hi == lo, 1.0, np.clip(h, 0.0, 1.0))  # exactly 1, not 1 - 1e-16
    ok = (k >= 2) & (total > 0) & ~negative
    return np.where(ok, h, np.nan)

"""Sufficient statistics: small per-group tables built in one pass over the rows.

Every metric in FairLens is computed from these tables, never from rows:

* :class:`ConfusionTable` -- counts per (group, y, y_hat) at the audit threshold;
* :class:`ScoreTable` -- counts per (group, y, score bin) with the sums needed for Brier and
  calibration; bins sit at every distinct score (exact) or on a fine grid when the distinct
  scores are too many (the result says so, with a bound on the AUC error);
* :class:`ValueTable` -- per-sample metrics (Dice, IoU...): counts and sums per (group, value bin).

Each table keeps unweighted counts ``n`` (what the bootstrap resamples) and weighted sums ``w``
(what the metrics read; equal to ``n`` without sample weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXACT_MAX_ROWS = 5_000_000
EXACT_MAX_CELLS = 40_000_000
GRID_BINS = 4000
VALUE_BINS = 4096


def _bincount(index: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64)


@dataclass
class ConfusionTable:
    """Counts per (group, y, y_hat); axes ``(G, 2, 2)``."""

    n: np.ndarray
    w: np.ndarray

    @classmethod
    def build(cls, groups, n_groups, y, y_hat, weights=None) -> ConfusionTable:
        """One pass: a single ``bincount`` over ``group * 4 + y * 2 + y_hat``."""
        key = groups * 4 + y.astype(np.int64) * 2 + y_hat.astype(np.int64)
        n = _bincount(key, n_groups * 4).reshape(n_groups, 2, 2)
        w = n if weights is None else _bincount(key, n_groups * 4, weights).reshape(n_groups, 2, 2)
        return cls(n=n, w=w)


@dataclass
class ScoreTable:
    """Counts per (group, y, score bin) with per-cell score and squared-error sums.

    Attributes
    ----------
    n, w : numpy.ndarray
        ``(G, 2, B)`` counts and weighted counts.
    score_sum : numpy.ndarray
        ``(G, 2, B)`` weighted sum of scores (calibration).
    loss_sum : numpy.ndarray
        ``(G, 2, B)`` weighted sum of ``(score - y)**2`` (Brier).
    values : numpy.ndarray
        ``(B,)`` the score of each bin (exact) or its lower edge (grid), ascending.
    exact : bool
        True when every bin holds one distinct score.
    """

    n: np.ndarray
    w: np.ndarray
    score_sum: np.ndarray
    loss_sum: np.ndarray
    values: np.ndarray
    exact: bool

    @classmethod
    def build(
        cls,
        groups: np.ndarray,
        n_groups: int,
        y: np.ndarray,
        score: np.ndarray,
        weights: np.ndarray | None = None,
        *,
        probability: bool = True,
    ) -> ScoreTable:
        """Bin the scores (exactly when affordable) and count per (group, y, bin)."""
        bins, values, exact = _score_bins(score, n_groups, probability=probability)
        size = n_groups * 2 * len(values)
        key = (groups * 2 + y.astype(np.int64)) * len(values) + bins
        shape = (n_groups, 2, len(values))
        n = _bincount(key, size).reshape(shape)
        w = n if weights is None else _bincount(key, size, weights).reshape(shape)
        ws = score if weights is None else score * weights
        score_sum = _bincount(key, size, ws).reshape(shape)
        loss = (score - y) ** 2
        loss_sum = _bincount(key, size, loss if weights is None else loss * weights).reshape(shape)
        return cls(n=n, w=w, score_sum=score_sum, loss_sum=loss_sum, values=values, exact=exact)

    def threshold_bin(self, threshold: float) -> int:
        """Index of the first bin whose rows all have ``score >= threshold`` (exact tables)."""
        return int(np.searchsorted(self.values, threshold, side="left"))

    def confusion_at(self, threshold: float) -> ConfusionTable:
        """Confusion counts at ``threshold`` read off the bins.

        Exact for exact tables, and for grid tables when ``threshold`` is a bin edge.
        """
        k = self.threshold_bin(threshold)
        def split(t):
            above = t[..., k:].sum(axis=-1)
            below = t[..., :k].sum(axis=-1)
            return np.stack([below, above], axis=-1)
        return ConfusionTable(n=split(self.n), w=split(self.w))


def _score_bins(score: np.ndarray, n_groups: int, *, probability: bool):
    n = len(score)
    if n <= EXACT_MAX_ROWS:
        values, bins = np.unique(score, return_inverse=True)
        if n_groups * 2 * len(values) <= EXACT_MAX_CELLS:
            return bins.astype(np.int64), values, True
    else:
        sample = score[:: max(1, n // 200_000)]
        candidates = np.unique(sample)
        if len(candidates) <= 4096 and n_groups * 2 * len(candidates) <= EXACT_MAX_CELLS:
            bins = np.searchsorted(candidates, score).clip(0, len(candidates) - 1)
            if np.array_equal(candidates[bins], score):
                return bins.astype(np.int64), candidates, True
    lo, hi = (0.0, 1.0) if probability else (float(score.min()), float(score.max()))
    width = (hi - lo) / GRID_BINS if hi > lo else 1.0
    bins = np.floor((score - lo) / width).astype(np.int64).clip(0, GRID_BINS - 1)
    values = lo + width * np.arange(GRID_BINS)
    return bins, values, False


@dataclass
class ValueTable:
    """Per-sample metric values: counts and sums per (group, value bin); axes ``(G, B)``.

    Bins are the distinct values when there are at most 4096 of them, else a 4096-bin grid.
    Means are exact (from the sums); the bootstrap resamples whole bins.
    """

    n: np.ndarray
    w: np.ndarray
    value_sum: np.ndarray
    square_sum: np.ndarray
    exact: bool

    @classmethod
    def build(cls, groups, n_groups, values, weights=None) -> ValueTable:
        """One pass of three ``bincount`` calls over ``group * B + bin``."""
        distinct = np.unique(values) if len(values) <= EXACT_MAX_ROWS else None
        if distinct is not None and len(distinct) <= VALUE_BINS:
            bins = np.searchsorted(distinct, values)
            n_bins, exact = len(distinct), True
        else:
            lo, hi = float(values.min()), float(values.max())
            width = (hi - lo) / VALUE_BINS if hi > lo else 1.0
            bins = np.floor((values - lo) / width).astype(np.int64).clip(0, VALUE_BINS - 1)
            n_bins, exact = VALUE_BINS, False
        key = groups * n_bins + bins
        size = n_groups * n_bins
        n = _bincount(key, size).reshape(n_groups, n_bins)
        w = n if weights is None else _bincount(key, size, weights).reshape(n_groups, n_bins)
        vs = values if weights is None else values * weights
        value_sum = _bincount(key, size, vs).reshape(n_groups, n_bins)
        square_sum = _bincount(key, size, vs * values).reshape(n_groups, n_bins)
        return cls(n=n, w=w, value_sum=value_sum, square_sum=square_sum, exact=exact)

"""Sufficient statistics: small per-group tables built in one pass over the rows.

Every metric in FairLens is computed from these tables, never from rows:

* :class:`ConfusionTable` -- counts per (group, y, y_hat) at the audit threshold;
* :class:`ScoreTable` -- counts per (group, y, score bin); bins sit at every distinct score
  (exact) or on a fine grid when the distinct scores are too many (the result says so, with a
  bound on the AUC error);
* :class:`CalibrationTable` -- score sums per (group, y, calibration bin) for Brier and ECE;
* :class:`ValueTable` -- per-sample metrics (Dice, IoU...): counts and sums per (group, value bin).

Each table keeps unweighted counts ``n`` (what the bootstrap resamples) and weighted sums ``w``
(what the metrics read; equal to ``n`` without sample weights).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

EXACT_MAX_ROWS = 5_000_000
#: The cell budget of one score table, groups x 2 x bins: exact bins (one per distinct score)
#: only within it, and the grid's bins shrink as the groups grow (:func:`grid_bins`), so a
#: table never holds more than this many cells on any engine.
TABLE_CELLS = 10_000_000
EXACT_MAX_CELLS = TABLE_CELLS
#: The finest grid (few groups).
GRID_BINS = 4000
#: The grid sizes a score table may take, finest first: each a multiple of 10 (and of 2 down
#: to 10), so thresholds on a 0.1 step (0.05 down to 20 bins) stay on bin edges.
GRID_LADDER = (4000, 2000, 1000, 500, 200, 100, 50, 20, 10)
VALUE_BINS = 4096
#: Above EXACT_MAX_ROWS rows, scores get exact bins only with at most this many distinct values.
EXACT_MAX_DISTINCT = 4096


CHUNK_ROWS = 1 << 20


def _bincount(index: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64)


def chunked_bincounts(
    n_rows: int,
    size: int,
    key_of: Callable[[slice], np.ndarray],
    weights_of: Sequence[Callable[[slice], np.ndarray | None]] = (),
) -> list[np.ndarray]:
    """Counts and weighted sums per key, accumulated over row chunks.

    Working on chunks of about a million rows keeps every temporary small (a few MB), which
    avoids the cost of touching fresh memory for each full-length intermediate array; for
    large tables (``size`` comparable to the chunk) one pass over all rows is used instead.

    Parameters
    ----------
    n_rows : int
    size : int
        Number of cells (keys are ``0 .. size - 1``).
    key_of : callable
        Returns the ``int64`` cell key of the rows in a slice.
    weights_of : sequence of callables
        Each returns the per-row values to sum for a slice.

    Returns
    -------
    list of numpy.ndarray
        The counts, then one array of sums per entry of ``weights_of``.
    """
    if size > CHUNK_ROWS // 4:
        # A large table: one bincount over all rows, with the keys still computed in chunks.
        key = np.empty(n_rows, dtype=np.int64)
        for sl in _slices(n_rows):
            key[sl] = key_of(sl)
        whole = slice(0, n_rows)
        return [np.bincount(key, minlength=size).astype(np.float64)] + [
            np.bincount(key, weights=weights(whole), minlength=size) for weights in weights_of
        ]
    chunk = CHUNK_ROWS
    totals = [np.zeros(size) for _ in range(1 + len(weights_of))]
    for start in range(0, n_rows, chunk):
        sl = slice(start, min(start + chunk, n_rows))
        key = key_of(sl)
        totals[0] += np.bincount(key, minlength=size)
        for total, weights in zip(totals[1:], weights_of, strict=True):
            total += np.bincount(key, weights=weights(sl), minlength=size)
    return totals


@dataclass
class ConfusionTable:
    """Counts per (group, y, y_hat); axes ``(G, 2, 2)``."""

    n: np.ndarray
    w: np.ndarray

    @classmethod
    def build(cls, groups, n_groups, y, y_hat, weights=None) -> ConfusionTable:
        """One pass of ``bincount`` over ``group * 4 + y * 2 + y_hat``, in row chunks."""
        def key_of(sl: slice) -> np.ndarray:
            key = groups[sl].astype(np.int64) * 4
            key += y[sl].astype(np.int64) * 2
            key += y_hat[sl]
            return key

        sums = [] if weights is None else [lambda sl: weights[sl]]
        out = chunked_bincounts(len(groups), n_groups * 4, key_of, sums)
        n = out[0].reshape(n_groups, 2, 2)
        return cls(n=n, w=n if weights is None else out[1].reshape(n_groups, 2, 2))


@dataclass
class ScoreTable:
    """Counts per (group, y, score bin).

    Attributes
    ----------
    n, w : numpy.ndarray
        ``(G, 2, B)`` counts and weighted counts.
    values : numpy.ndarray
        ``(B,)`` the score of each bin (exact) or its lower edge (grid), ascending. A row is in
        bin ``b`` exactly when ``values[b] <= score < values[b + 1]``, so ``score >= t`` for a
        bin value ``t`` can be read off the table without error.
    exact : bool
        True when every bin holds one distinct score.
    """

    n: np.ndarray
    w: np.ndarray
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
        order: np.ndarray | None = None,
    ) -> ScoreTable:
        """Bin the scores (exactly when affordable) and count per (group, y, bin).

        ``order`` (from :func:`score_order`) saves the sort when it is already known.
        """
        bins_of, values, exact = _score_bins(score, n_groups, probability=probability,
                                             order=order)
        n_bins = len(values)

        def key_of(sl: slice) -> np.ndarray:
            key = groups[sl].astype(np.int64) * (2 * n_bins)
            key += y[sl].astype(np.int64) * n_bins
            key += bins_of(sl)
            return key

        sums = [] if weights is None else [lambda sl: weights[sl]]
        out = chunked_bincounts(len(groups), n_groups * 2 * n_bins, key_of, sums)
        shape = (n_groups, 2, n_bins)
        n = out[0].reshape(shape)
        return cls(n=n, w=n if weights is None else out[1].reshape(shape), values=values,
                   exact=exact)

    def aligned(self, threshold: float) -> bool:
        """True when ``score >= threshold`` can be read off the bins exactly."""
        if self.exact:
            return True
        k = self.threshold_bin(threshold)
        return k == 0 or (k < len(self.values) and self.values[k] == threshold)

    def threshold_bin(self, threshold: float) -> int:
        """Index of the first bin whose rows all have ``score >= threshold``."""
        return int(np.searchsorted(self.values, threshold, side="left"))

    def confusion_at(self, threshold: float) -> ConfusionTable:
        """Confusion counts at ``threshold`` read off the bins (see :meth:`aligned`)."""
        k = self.threshold_bin(threshold)

        def split(t: np.ndarray) -> np.ndarray:
            return np.stack([t[..., :k].sum(axis=-1), t[..., k:].sum(axis=-1)], axis=-1)

        n = split(self.n)
        return ConfusionTable(n=n, w=n if self.w is self.n else split(self.w))


@dataclass
class CalibrationTable:
    """Per (group, y, calibration bin): counts, score sums and squared-score sums.

    Ten equal-width bins ``[0, 0.1), ..., [0.9, 1]``. Brier scores and the expected calibration
    error follow exactly from these sums.
    """

    n: np.ndarray
    w: np.ndarray
    score_sum: np.ndarray
    square_sum: np.ndarray

    @classmethod
    def build(cls, groups, n_groups, y, score, weights=None, *, n_bins: int = 10):
        """``bincount`` over ``(group * 2 + y) * n_bins + bin``, in row chunks."""
        def key_of(sl: slice) -> np.ndarray:
            key = np.minimum((score[sl] * n_bins).astype(np.int64), n_bins - 1)
            key += groups[sl].astype(np.int64) * (2 * n_bins)
            key += y[sl].astype(np.int64) * n_bins
            return key

        def weighted(sl: slice) -> np.ndarray:
            return score[sl] if weights is None else score[sl] * weights[sl]

        def squared(sl: slice) -> np.ndarray:
            return weighted(sl) * score[sl]

        sums = [weighted, squared] + ([] if weights is None else [lambda sl: weights[sl]])
        out = chunked_bincounts(len(groups), n_groups * 2 * n_bins, key_of, sums)
        shape = (n_groups, 2, n_bins)
        n = out[0].reshape(shape)
        w = n if weights is None else out[3].reshape(shape)
        return cls(n=n, w=w, score_sum=out[1].reshape(shape), square_sum=out[2].reshape(shape))


def score_order(score: np.ndarray) -> np.ndarray | None:
    """Row order by ascending score (one sort, shared by exact bins and exact AUCs).

    ``None`` above :data:`EXACT_MAX_ROWS` rows, where FairLens does not sort.
    """
    return np.argsort(score, kind="stable") if len(score) <= EXACT_MAX_ROWS else None


def _unique_inverse(score: np.ndarray, order: np.ndarray | None):
    if order is None:
        return np.unique(score, return_inverse=True)
    ordered = score[order]
    change = np.empty(len(ordered), dtype=bool)
    change[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=change[1:])
    inverse = np.empty(len(ordered), dtype=np.int64)
    inverse[order] = np.cumsum(change) - 1
    return ordered[change], inverse


def grid_bins(n_groups: int) -> int:
    """The number of grid bins of a score table over ``n_groups`` groups, on every engine.

    The finest size of :data:`GRID_LADDER` whose table, ``n_groups x 2 x bins`` cells, stays
    within :data:`TABLE_CELLS` (4000 bins up to 1,250 groups; never fewer than 10).
    """
    for bins in GRID_LADDER:
        if max(int(n_groups), 1) * 2 * bins <= TABLE_CELLS:
            return bins
    return GRID_LADDER[-1]


def value_bins(n_groups: int) -> int:
    """The number of bins of a per-sample value table over ``n_groups`` groups, on every
    engine: :data:`VALUE_BINS`, halved until ``n_groups x bins`` fits :data:`TABLE_CELLS`
    (at least 16). Values get exact bins when they have at most this many distinct values."""
    bins = VALUE_BINS
    while bins > 16 and max(int(n_groups), 1) * bins > TABLE_CELLS:
        bins //= 2
    return bins


def _score_bins(score: np.ndarray, n_groups: int, *, probability: bool,
                order: np.ndarray | None = None):
    """Bin index of every score: ``(bins_of(slice), values, exact)``.

    Exact bins (one per distinct score) when there are few enough; otherwise a grid of
    :func:`grid_bins` bins whose edges ``values`` satisfy ``values[b] <= score < values[b+1]``
    exactly for every row in bin ``b``.
    """
    n = len(score)
    if n <= EXACT_MAX_ROWS:
        values, inverse = _unique_inverse(score, order)
        if n_groups * 2 * len(values) <= EXACT_MAX_CELLS:
            return (lambda sl: inverse[sl]), values, True
    else:
        # The rule every engine follows: exact when there are at most EXACT_MAX_DISTINCT
        # distinct scores (and the cells fit). A sample gives the candidates; values the
        # sample missed are added, so the rule does not depend on the row order.
        candidates = np.unique(score[:: max(1, n // 200_000)])
        if len(candidates) <= EXACT_MAX_DISTINCT:
            for sl in _slices(n):
                chunk = score[sl]
                at = np.searchsorted(candidates, chunk).clip(0, len(candidates) - 1)
                missed = candidates[at] != chunk
                if missed.any():
                    candidates = np.union1d(candidates, chunk[missed])
                    if len(candidates) > EXACT_MAX_DISTINCT:
                        break
        if len(candidates) <= EXACT_MAX_DISTINCT and \
                n_groups * 2 * len(candidates) <= EXACT_MAX_CELLS:
            def exact_of(sl: slice) -> np.ndarray:
                return np.searchsorted(candidates, score[sl]).clip(0, len(candidates) - 1)

            return exact_of, candidates, True
    lo, hi = (0.0, 1.0) if probability else (float(score.min()), float(score.max()))
    if hi <= lo:
        hi = lo + 1.0
    size = grid_bins(n_groups)
    # values[k] = lo + (hi - lo) * k / B, correctly rounded, so that 0.3 == values[1200].
    values = lo + (hi - lo) * (np.arange(size) / size)
    scale = size / (hi - lo)

    def grid_of(sl: slice) -> np.ndarray:
        chunk = score[sl]
        scaled = (chunk - lo) * scale
        np.clip(scaled, 0, size - 1, out=scaled)
        bins = scaled.astype(np.int64)  # truncation is floor for non-negative values
        # Repair floating-point rounding so that values[b] <= score < values[b + 1] exactly.
        bins -= chunk < values[bins]
        np.clip(bins, 0, size - 1, out=bins)
        upper = np.minimum(bins + 1, size - 1)
        bins += (upper > bins) & (chunk >= values[upper])
        return bins

    return grid_of, values, False


def _slices(n_rows: int):
    for start in range(0, n_rows, CHUNK_ROWS):
        yield slice(start, min(start + CHUNK_ROWS, n_rows))


@dataclass
class ValueTable:
    """Per-sample metric values: counts and sums per (group, value bin); axes ``(G, B)``.

    Bins are the distinct values when there are at most :func:`value_bins` of them (4096 for
    up to 2,441 groups), else a grid of that many bins.
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
        size = value_bins(n_groups)
        distinct = np.unique(values) if len(values) <= EXACT_MAX_ROWS else None
        if distinct is not None and len(distinct) <= size:
            bins = np.searchsorted(distinct, values)
            n_bins, exact = len(distinct), True
        else:
            lo, hi = float(values.min()), float(values.max())
            width = (hi - lo) / size if hi > lo else 1.0
            bins = np.floor((values - lo) / width).astype(np.int64).clip(0, size - 1)
            n_bins, exact = size, False
        size = n_groups * n_bins

        def key_of(sl: slice) -> np.ndarray:
            key = groups[sl].astype(np.int64) * n_bins
            key += bins[sl]
            return key

        def weighted(sl: slice) -> np.ndarray:
            return values[sl] if weights is None else values[sl] * weights[sl]

        sums = [weighted, lambda sl: weighted(sl) * values[sl]]
        if weights is not None:
            sums.append(lambda sl: weights[sl])
        out = chunked_bincounts(len(groups), size, key_of, sums)
        n = out[0].reshape(n_groups, n_bins)
        w = n if weights is None else out[3].reshape(n_groups, n_bins)
        value_sum = out[1].reshape(n_groups, n_bins)
        square_sum = out[2].reshape(n_groups, n_bins)
        return cls(n=n, w=w, value_sum=value_sum, square_sum=square_sum, exact=exact)


def exact_auc_by_group(
    codes: np.ndarray,
    n_groups: int,
    y: np.ndarray,
    score: np.ndarray,
    weights: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> np.ndarray:
    """Exact AUC (ties count half) per group from rows, by one sort on (group, score).

    With ``order`` (rows by ascending score, see :func:`score_order`), only a stable sort of
    the small-integer group codes is needed, which numpy does in linear time (radix sort).

    Used when the score table had to be binned on a grid: the point estimates stay exact.
    Within each group and each block of tied scores, a positive beats the negatives below the
    block and half of the negatives in it.

    Returns
    -------
    numpy.ndarray
        ``(n_groups,)``; NaN where a group lacks positives or negatives.
    """
    if order is None:
        order = np.lexsort((score, codes))
    else:
        small = codes[order].astype(np.int16 if n_groups < 2**15 else np.int64)
        order = order[np.argsort(small, kind="stable")]
    g = codes[order]
    s = score[order]
    pos = y[order].astype(np.float64)
    w = np.ones(len(order)) if weights is None else weights[order]
    pos_w = pos * w
    neg_w = w - pos_w
    new_block = np.r_[True, (g[1:] != g[:-1]) | (s[1:] != s[:-1])]
    starts = np.flatnonzero(new_block)
    block_group = g[starts]
    block_pos = np.add.reduceat(pos_w, starts)
    block_neg = np.add.reduceat(neg_w, starts)
    cum_neg = np.cumsum(block_neg) - block_neg
    group_first = np.r_[True, block_group[1:] != block_group[:-1]]
    offset = np.maximum.accumulate(np.where(group_first, cum_neg, 0.0))
    below = cum_neg - offset
    wins = np.bincount(block_group, weights=block_pos * (below + 0.5 * block_neg),
                       minlength=n_groups)
    total_pos = np.bincount(block_group, weights=block_pos, minlength=n_groups)
    total_neg = np.bincount(block_group, weights=block_neg, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = wins / (total_pos * total_neg)
    return np.where((total_pos > 0) & (total_neg > 0), auc, np.nan)

"""Group thresholds that hold on new rows: the grid and the fitting tolerance chosen by
cross-fitting on the fitting rows.

Solved exactly on a fine grid of a continuous score, the threshold program meets the tolerance
on the rows it was fitted on by exploiting their noise (on Adult, sex, equalized odds at 0.05:
0.050 on the fitting rows, 0.108 on held-out rows, worse than the 0.100 before the remedy).
Here each candidate rule (a number of score bins and a fitting tolerance at or below the
asked one) is fitted on all folds of the fitting rows but one and applied to the rows of the
fold left out; the pooled out-of-fold decisions, in expectation, give every candidate's
expected gap and accuracy on rows it never saw. The most accurate candidate whose expected gap
is within the tolerance is chosen (the smallest expected gap when none is), and that expected
gap is what the result states next to the held-out one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairlens._validation import check_choice
from fairlens.data import FairLensInputError
from fairlens.remedies._common import CONSTRAINTS, OBJECTIVES

BIN_GRID: tuple[int, ...] = (400, 100, 25, 10)
"""The numbers of score bins tried (merged at pooled quantiles; exact below the count)."""
TOLERANCE_SHARES: tuple[float, ...] = (1.0, 0.75, 0.5, 0.25, 0.0)
"""The fitting tolerances tried, as shares of the asked tolerance."""
DEFAULT_FOLDS = 5
MAX_CELLS = 4000
"""Distinct scores beyond this are pooled into this many quantile bins before cross-fitting."""


@dataclass
class CrossFit:
    """The cross-fitted choice of the threshold rule.

    Attributes
    ----------
    folds : int
    max_bins : int
        The chosen number of score bins.
    fit_tolerance : float
        The tolerance the chosen rule is fitted at (at most the asked one).
    expected_gap : float
        The chosen rule's gap on rows it did not see (pooled out-of-fold, in expectation).
    expected_objective : float
        Its accuracy (or balanced accuracy) there.
    holds : bool
        ``expected_gap <= tolerance``.
    noise : dict
        With the held-out rows' group and label counts: ``n_rows``, ``mean``, ``low``,
        ``high`` of the gap that the chosen rule's expected rates give on samples of that size
        (binomial draws, ``low``/``high`` the 5th and 95th percentiles): how far sampling
        noise alone moves the held-out gap.
    candidates : list of dict
        Every candidate: ``max_bins, fit_tolerance, expected_gap, expected_objective, holds``.
    """

    folds: int
    max_bins: int
    fit_tolerance: float
    expected_gap: float
    expected_objective: float
    holds: bool
    candidates: list[dict[str, Any]] = field(default_factory=list)
    noise: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description (the ``cross_fit`` artefact)."""
        return {"method": f"{self.folds}-fold cross-fitting on the fitting rows",
                "folds": self.folds, "max_bins": self.max_bins,
                "fit_tolerance": self.fit_tolerance, "expected_gap": self.expected_gap,
                "expected_objective": self.expected_objective, "holds": self.holds,
                "noise": dict(self.noise), "candidates": list(self.candidates)}


def _cells(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's score cell and the cells' lower edges (observed scores)."""
    values = np.unique(scores)
    if len(values) > MAX_CELLS:
        values = np.unique(np.quantile(scores, np.linspace(0, 1, MAX_CELLS + 1)[:-1],
                                       method="inverted_cdf"))
    index = np.clip(np.searchsorted(values, scores, side="right") - 1, 0, len(values) - 1)
    return index, values


def _table(codes: np.ndarray, y: np.ndarray, cells: np.ndarray, n_groups: int,
           n_cells: int) -> np.ndarray:
    flat = (codes * 2 + y) * n_cells + cells
    return np.bincount(flat, minlength=n_groups * 2 * n_cells).reshape(
        n_groups, 2, n_cells).astype(float)


_RATES = {"demographic_parity": ("selection_rate",), "equal_opportunity": ("tpr",),
          "equalized_odds": ("tpr", "fpr")}


def _gap_of(rates: dict[str, np.ndarray], keep: np.ndarray, constraint: str) -> np.ndarray:
    """Max - min over the kept groups (last axis) of each constrained rate, the largest."""
    gaps = []
    for rate in _RATES[constraint]:
        values = np.where(keep, rates[rate], np.nan)
        enough = (np.isfinite(values).sum(axis=-1) >= 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gap = np.nanmax(values, axis=-1) - np.nanmin(values, axis=-1)
        gaps.append(np.where(enough, gap, np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.nanmax(np.stack(gaps), axis=0)


def _rates(tp, fp, pos, neg) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"tpr": tp / pos, "fpr": fp / neg, "selection_rate": (tp + fp) / (pos + neg)}


def expected_gap(p: np.ndarray, y: np.ndarray, codes: np.ndarray, n_groups: int,
                 constraint: str, min_group_size: int) -> float:
    """The constraint's between-group gap (max - min) of decisions taken with probability
    ``p``, over the groups with at least ``min_group_size`` rows (as the audit counts them)."""
    n = np.bincount(codes, minlength=n_groups).astype(float)
    pos = np.bincount(codes, weights=y, minlength=n_groups)
    tp = np.bincount(codes, weights=p * y, minlength=n_groups)
    fp = np.bincount(codes, weights=p * (1 - y), minlength=n_groups)
    keep = n >= max(int(min_group_size), 1)
    return float(_gap_of(_rates(tp, fp, pos, n - pos), keep, constraint))


def sampling_noise(p: np.ndarray, y: np.ndarray, codes: np.ndarray, n_groups: int,
                   held_codes: np.ndarray, held_y: np.ndarray, constraint: str,
                   min_group_size: int, *, draws: int = 2000, seed: int = 0
                   ) -> dict[str, Any]:
    """The gap on samples of the held-out size: each group's expected TPR and FPR (from
    ``p`` on the fitting rows) drawn binomially on the held-out rows' counts of positives and
    negatives of that group; mean, 5th and 95th percentile of the gap over ``draws``."""
    pos_fit = np.bincount(codes, weights=y, minlength=n_groups)
    neg_fit = np.bincount(codes, minlength=n_groups) - pos_fit
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = np.nan_to_num(np.bincount(codes, weights=p * y, minlength=n_groups) / pos_fit)
        fpr = np.nan_to_num(np.bincount(codes, weights=p * (1 - y), minlength=n_groups)
                            / neg_fit)
    held_codes = np.asarray(held_codes).astype(np.int64)
    known = held_codes >= 0
    pos = np.bincount(held_codes[known], weights=held_y[known], minlength=n_groups)
    n = np.bincount(held_codes[known], minlength=n_groups).astype(float)
    neg = n - pos
    rng = np.random.default_rng(seed)
    tp = rng.binomial(pos.astype(np.int64), np.clip(tpr, 0, 1), size=(draws, n_groups))
    fp = rng.binomial(neg.astype(np.int64), np.clip(fpr, 0, 1), size=(draws, n_groups))
    keep = n >= max(int(min_group_size), 1)
    gaps = _gap_of(_rates(tp, fp, pos, neg), keep, constraint)
    gaps = gaps[np.isfinite(gaps)]
    if not len(gaps):
        return {}
    return {"n_rows": int(len(held_codes)), "mean": float(gaps.mean()),
            "low": float(np.quantile(gaps, 0.05)), "high": float(np.quantile(gaps, 0.95))}


def _objective(p: np.ndarray, y: np.ndarray, objective: str) -> float:
    if objective == "accuracy":
        return float(np.mean(y * p + (1 - y) * (1 - p)))
    return float(0.5 * (np.mean(p[y == 1]) + np.mean(1 - p[y == 0])))


def _folds(codes: np.ndarray, y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A fold number per row, stratified by group and label where possible."""
    from sklearn.model_selection import KFold, StratifiedKFold

    strata = codes.astype(np.int64) * 2 + y
    counts = np.bincount(strata)
    strata = np.where(counts[strata] >= folds, strata, -1)
    out = np.empty(len(y), dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            splits = StratifiedKFold(folds, shuffle=True, random_state=int(seed)).split(
                np.zeros(len(y)), strata)
            for k, (_, test) in enumerate(splits):
                out[test] = k
        except ValueError:
            for k, (_, test) in enumerate(KFold(folds, shuffle=True,
                                                random_state=int(seed)).split(y)):
                out[test] = k
    return out


def cross_fit(scores: np.ndarray, y: np.ndarray, codes: np.ndarray, groups: list[Any],
              fallback: np.ndarray, *, constraint: str, tolerance: float, objective: str,
              folds: int = DEFAULT_FOLDS, seed: int = 0, min_group_size: int = 1,
              held_out: tuple[np.ndarray, np.ndarray] | None = None,
              bins: tuple[int, ...] = BIN_GRID,
              shares: tuple[float, ...] = TOLERANCE_SHARES) -> CrossFit:
    """Choose the number of score bins and the fitting tolerance by cross-fitting.

    Parameters
    ----------
    scores, y, codes : numpy.ndarray
        The fitting rows' scores, 0/1 labels and group codes (into ``groups``).
    groups : list
        The group values.
    fallback : numpy.ndarray
        0/1 decisions for rows whose group is missing from a fold's fitting part (the
        original decisions).
    constraint, tolerance, objective
        As for :class:`~fairlens.remedies.GroupThresholdOptimizer`.
    folds : int, default 5
    seed : int
    min_group_size : int
        Groups smaller than this are left out of the expected gap (as the audit does).
    held_out : (codes, y), optional
        The held-out rows' group codes (into ``groups``; -1 for a group the fitting rows do
        not have) and labels: the chosen rule's :func:`sampling_noise` on rows of that size
        (no score of a held-out row is read).
    bins, shares : tuple
        The candidate grids and fitting tolerances (shares of ``tolerance``); for each grid
        the fitting tolerances are tried from the loosest and the first that holds ends its
        search (a tighter one only costs accuracy).

    Returns
    -------
    CrossFit
    """
    from fairlens.remedies._thresholds import GroupThresholdOptimizer

    check_choice("constraint", constraint, CONSTRAINTS)
    check_choice("objective", objective, OBJECTIVES)
    folds = int(folds)
    if folds < 2:
        raise FairLensInputError(f"Cross-fitting needs at least 2 folds; got {folds}.")
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y).astype(np.int64)
    codes = np.asarray(codes).astype(np.int64)
    cells, values = _cells(scores)
    n_groups, n_cells = len(groups), len(values)
    fold = _folds(codes, y, folds, seed)
    grid = sorted({min(int(b), n_cells) for b in bins}, reverse=True)
    tolerances = list(dict.fromkeys(float(tolerance) * float(s) for s in shares))
    names = np.asarray([str(g) for g in groups], dtype=object)[codes]
    parts = []
    for k in range(folds):
        train, test = fold != k, fold == k
        if test.any() and len(np.unique(y[train])) >= 2:
            parts.append((test, _table(codes[train], y[train], cells[train], n_groups,
                                       n_cells)))
    rows = []
    oof: dict[tuple[int, float], np.ndarray] = {}
    for b in grid:
        # tighter fitting tolerances cost accuracy: stop at the first one that holds
        for t in tolerances:
            p = np.full(len(y), np.nan)
            try:
                for test, w in parts:
                    opt = GroupThresholdOptimizer(constraint=constraint, tolerance=t,
                                                  objective=objective, max_bins=b)
                    opt.fit_table(w, values, list(groups))
                    q = opt.proba(scores[test], names[test])
                    p[test] = np.where(np.isnan(q), fallback[test], q)
            except FairLensInputError:
                continue
            if np.isnan(p).any():
                continue
            gap = expected_gap(p, y, codes, n_groups, constraint, min_group_size)
            holds = bool(gap <= tolerance + 1e-9)
            oof[(int(b), float(t))] = p
            rows.append({"max_bins": int(b), "fit_tolerance": float(t), "expected_gap": gap,
                         "expected_objective": _objective(p, y, objective), "holds": holds})
            if holds:
                break
    if not rows:
        raise FairLensInputError("The threshold program could not be cross-fitted on the "
                                 "fitting rows; use more data or folds=0 (no cross-fitting).")
    holding = [r for r in rows if r["holds"]]
    if holding:
        best = max(holding, key=lambda r: r["expected_objective"])
    else:
        best = min(rows, key=lambda r: (np.nan_to_num(r["expected_gap"], nan=np.inf),
                                        -r["expected_objective"]))
    noise = {}
    if held_out is not None:
        noise = sampling_noise(oof[(best["max_bins"], best["fit_tolerance"])], y, codes,
                               n_groups, held_out[0], np.asarray(held_out[1]).astype(float),
                               constraint, min_group_size, seed=seed)
    return CrossFit(folds=folds, max_bins=best["max_bins"], fit_tolerance=best["fit_tolerance"],
                    expected_gap=best["expected_gap"],
                    expected_objective=best["expected_objective"], holds=best["holds"],
                    candidates=rows, noise=noise)

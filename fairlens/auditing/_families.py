"""Metric families: a count table per finest group plus the function that turns it into metrics.

A family is the unit the bootstrap resamples. Every metric of a family is computed from the
family's table, so replicate ``r`` of every metric in a family comes from the same resampled
table, and disparities or ES values built from those metrics are consistent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fairlens.engine import ConfusionTable, Grouping, ScoreTable, ValueTable
from fairlens.metrics._rates import binary_rates, multiclass_rates, safe_divide
from fairlens.metrics._scores import (
    auc_from_histogram,
    brier,
    calibration_bin_of,
    expected_calibration_error,
)

Compute = Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]


@dataclass
class Family:
    """Tables with the finest-group axis first, and the metrics computed from them.

    Attributes
    ----------
    name : str
    n : numpy.ndarray
        ``(G_fine, *cells)`` unweighted counts (what the bootstrap resamples).
    arrays : dict of str to numpy.ndarray
        ``(G_fine, *cells)`` additive sums (weighted counts, score sums...). In a bootstrap
        replicate each is scaled by ``n* / n`` cell by cell.
    compute : callable
        Maps arrays with axes ``(..., G, *cells)`` to metrics with axes ``(..., G)``.
    coarsen : callable, optional
        Returns a cheaper family (fewer cells) for the bootstrap when the table is large.
    """

    name: str
    n: np.ndarray
    arrays: dict[str, np.ndarray]
    compute: Compute
    coarsen: Callable[[int], Family] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def cell_ndim(self) -> int:
        """Number of cell axes after the group axis."""
        return self.n.ndim - 1

    def group_metrics(self, grouping: Grouping, arrays=None) -> dict[str, np.ndarray]:
        """Metrics per group of ``grouping``; ``arrays`` may carry leading replicate axes."""
        arrays = self.arrays if arrays is None else arrays
        axis = -(self.cell_ndim + 1)
        return self.compute({k: grouping.marginalize(v, axis) for k, v in arrays.items()})

    def overall_metrics(self, arrays=None) -> dict[str, np.ndarray]:
        """Metrics on all rows; ``arrays`` may carry leading replicate axes."""
        arrays = self.arrays if arrays is None else arrays
        axis = -(self.cell_ndim + 1)
        out = self.compute({k: v.sum(axis=axis, keepdims=True) for k, v in arrays.items()})
        return {k: v[..., 0] for k, v in out.items()}

    def scaled(self, n_star: np.ndarray) -> dict[str, np.ndarray]:
        """The family's arrays in a bootstrap replicate with resampled counts ``n_star``."""
        factor = safe_divide(n_star, self.n)
        factor = np.nan_to_num(factor, nan=0.0)
        return {k: v * factor for k, v in self.arrays.items()}


def rates_family(conf: ConfusionTable) -> Family:
    """Confusion-matrix rates at the audit threshold (binary task)."""
    return Family("rates", conf.n, {"w": conf.w}, lambda a: binary_rates(a["w"]))


def score_family(table: ScoreTable, *, probability: bool) -> Family:
    """AUC, and for probability scores Brier and ECE, from a score table (binary task)."""
    return _score_family(
        table.n, table.w, table.score_sum, table.loss_sum, table.values, probability, table.exact
    )


def _score_family(n, w, score_sum, loss_sum, values, probability, exact) -> Family:
    calib = calibration_bin_of(values) if probability else None

    def compute(a):
        out = {"auc": auc_from_histogram(a["w"][..., 0, :], a["w"][..., 1, :])}
        if probability:
            out["brier"] = brier(a["loss_sum"], a["w"])
            out["ece"] = expected_calibration_error(a["w"], a["score_sum"], calib)
        return out

    def coarsen(max_bins: int) -> Family:
        if n.shape[-1] <= max_bins:
            return family
        cum = np.cumsum(n.sum(axis=(0, 1)))
        new_bin = np.minimum((cum - 1e-9) * max_bins // max(cum[-1], 1), max_bins - 1)
        # Never merge across a calibration-bin edge when probabilities are shown.
        if calib is not None:
            new_bin = new_bin + calib * max_bins
        starts = np.flatnonzero(np.r_[True, np.diff(new_bin) != 0])
        merge = lambda t: np.add.reduceat(t, starts, axis=-1)  # noqa: E731
        return _score_family(
            merge(n), merge(w), merge(score_sum), merge(loss_sum), values[starts], probability,
            False,
        )

    arrays = {"w": w, "score_sum": score_sum, "loss_sum": loss_sum}
    family = Family("scores", n, arrays, compute, coarsen)
    return family


def multiclass_rates_family(conf_n, conf_w, classes: list[str]) -> Family:
    """Argmax-prediction rates from a ``(G, K, K)`` table (multiclass task)."""
    return Family("rates", conf_n, {"w": conf_w}, lambda a: multiclass_rates(a["w"], classes))


def multiclass_score_family(tables: list[ScoreTable], classes: list[str]) -> Family:
    """One-vs-rest AUC per class and their macro mean, from per-class score tables.

    The per-class tables are stacked as ``(G, K, 2, B)``, padding shorter bin axes with
    empty bins (they add nothing to an AUC).
    """
    width = max(t.n.shape[-1] for t in tables)
    pad = lambda t: np.pad(t, [(0, 0), (0, 0), (0, width - t.shape[-1])])  # noqa: E731
    n = np.stack([pad(t.n) for t in tables], axis=1)
    w = np.stack([pad(t.w) for t in tables], axis=1)

    def compute(a):
        per_class = auc_from_histogram(a["w"][..., 0, :], a["w"][..., 1, :])
        out = {"auc": _nanmean(per_class)}
        for i, k in enumerate(classes):
            out[f"auc_{k}"] = per_class[..., i]
        return out

    def coarsen(max_bins: int) -> Family:
        if width <= max_bins:
            return family
        edges = np.linspace(0, width, max_bins + 1).astype(int)[:-1]
        merged_n = np.add.reduceat(n, edges, axis=-1)
        merged_w = np.add.reduceat(w, edges, axis=-1)
        return Family("scores", merged_n, {"w": merged_w}, compute)

    family = Family("scores", n, {"w": w}, compute, coarsen)
    return family


def value_family(name: str, table: ValueTable) -> Family:
    """Mean of a per-sample metric (Dice, IoU...) per group."""
    def compute(a):
        return {name: safe_divide(a["sum"].sum(axis=-1), a["w"].sum(axis=-1))}

    def coarsen(max_bins: int) -> Family:
        bins = table.n.shape[-1]
        if bins <= max_bins:
            return family
        edges = np.linspace(0, bins, max_bins + 1).astype(int)[:-1]
        merge = lambda t: np.add.reduceat(t, edges, axis=-1)  # noqa: E731
        return Family(name, merge(table.n), {"w": merge(table.w), "sum": merge(table.value_sum),
                                             "sq": merge(table.square_sum)}, compute)

    arrays = {"w": table.w, "sum": table.value_sum, "sq": table.square_sum}
    family = Family(name, table.n, arrays, compute, coarsen)
    return family


def _nanmean(values: np.ndarray) -> np.ndarray:
    count = np.sum(~np.isnan(values), axis=-1)
    return safe_divide(np.nansum(values, axis=-1), count)

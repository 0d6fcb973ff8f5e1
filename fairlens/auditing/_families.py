"""Metric families: a count table per group plus the function that turns it into metrics.

A family is the unit the bootstrap resamples. Every metric of a family is computed from the
family's table, so replicate ``r`` of every metric in a family comes from the same resampled
table, and disparities or ES values built from those metrics are consistent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from fairlens.engine import CalibrationTable, ConfusionTable, Grouping, ScoreTable, ValueTable
from fairlens.metrics._rates import binary_rates, multiclass_rates, safe_divide
from fairlens.metrics._scores import (
    auc_from_histogram,
    auc_standard_error,
    brier,
    expected_calibration_error,
)

Arrays = dict[str, np.ndarray]
Compute = Callable[[Arrays], dict[str, np.ndarray]]
Analytic = Callable[[Arrays, np.random.Generator, int], dict[str, np.ndarray]]


@dataclass
class Family:
    """Tables with the group axis first, and the metrics computed from them.

    Attributes
    ----------
    name : str
    n : numpy.ndarray
        ``(G, *cells)`` unweighted counts (what the bootstrap resamples).
    arrays : dict of str to numpy.ndarray
        ``(G, *cells)`` additive sums (weighted counts, score sums...). In a bootstrap
        replicate each is scaled by ``n* / n`` cell by cell.
    compute : callable
        Maps arrays with axes ``(..., G, *cells)`` to metrics with axes ``(..., G)``.
    values : numpy.ndarray, optional
        Score of each bin along the last axis, for families whose bins may be merged.
    make_compute : callable, optional
        Rebuilds ``compute`` for merged bin values.
    guard : numpy.ndarray, optional
        Bins that must never be merged with each other carry different guard values
        (calibration bins).
    analytic : callable, optional
        Normal-approximation replicates (e.g. DeLong for AUC) for tables too large to resample.
    weighted : bool
        False when ``arrays["w"]`` equals ``n`` (no sample weights).
    """

    name: str
    n: np.ndarray
    arrays: Arrays
    compute: Compute
    values: np.ndarray | None = None
    make_compute: Callable[[np.ndarray], Compute] | None = None
    guard: np.ndarray | None = None
    analytic: Analytic | None = None
    weighted: bool = True
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def cell_ndim(self) -> int:
        """Number of cell axes after the group axis."""
        return self.n.ndim - 1

    @property
    def binned(self) -> bool:
        """True when bins along the last axis may be merged (see :meth:`coarsen`)."""
        return self.values is not None

    def group_metrics(self, grouping: Grouping, arrays: Arrays | None = None):
        """Metrics per group of ``grouping``; ``arrays`` may carry leading replicate axes.

        Point estimates (``arrays`` omitted) are cached: families that do not depend on the
        threshold are shared between audits at different thresholds.
        """
        if arrays is None:
            key = (grouping.name, len(grouping.fine_map))
            if key not in self._cache:
                # From the restricted tables, which the bootstrap reuses (one pass, not two).
                restricted = self.restrict(grouping)
                self._cache[key] = restricted.compute(restricted.arrays)
            return self._cache[key]
        axis = -(self.cell_ndim + 1)
        return self.compute({k: grouping.marginalize(v, axis) for k, v in arrays.items()})

    def overall_metrics(self, arrays: Arrays | None = None) -> dict[str, np.ndarray]:
        """Metrics on all rows; ``arrays`` may carry leading replicate axes."""
        if arrays is None:
            if "__overall__" not in self._cache:
                self._cache["__overall__"] = self.overall_metrics(self.arrays)
            return self._cache["__overall__"]
        axis = -(self.cell_ndim + 1)
        out = self.compute({k: v.sum(axis=axis, keepdims=True) for k, v in arrays.items()})
        return {k: v[..., 0] for k, v in out.items()}

    def restrict(self, grouping: Grouping) -> Family:
        """The same family with its groups summed into ``grouping``'s groups (cached)."""
        if grouping.is_finest:
            return self
        key = ("restrict", grouping.name, len(grouping.fine_map))
        if key not in self._cache:
            n = grouping.marginalize(self.n, 0)
            arrays = {k: n if (k == "w" and not self.weighted) else grouping.marginalize(v, 0)
                      for k, v in self.arrays.items()}
            self._cache[key] = replace(self, n=n, arrays=arrays, _cache={})
        return self._cache[key]

    def coarsen(self, max_bins: int) -> Family:
        """Merge adjacent bins into at most about ``max_bins`` of equal total count."""
        if not self.binned or self.n.shape[-1] <= max_bins:
            return self
        totals = self.n.reshape(-1, self.n.shape[-1]).sum(axis=0)
        cum = np.cumsum(totals)
        new_bin = np.minimum((cum - totals / 2) * max_bins // max(cum[-1], 1), max_bins - 1)
        if self.guard is not None:
            new_bin = new_bin + self.guard * max_bins
        starts = np.flatnonzero(np.r_[True, np.diff(new_bin) != 0])
        merged_n = np.add.reduceat(self.n, starts, axis=-1)
        arrays = {k: merged_n if (k == "w" and not self.weighted)
                  else np.add.reduceat(v, starts, axis=-1) for k, v in self.arrays.items()}
        values = self.values[starts]
        compute = self.make_compute(values) if self.make_compute else self.compute
        guard = self.guard[starts] if self.guard is not None else None
        return replace(self, n=merged_n, arrays=arrays, values=values, compute=compute,
                       guard=guard, _cache={})

    def scaled(self, n_star: np.ndarray) -> Arrays:
        """The family's arrays in a bootstrap replicate with resampled counts ``n_star``."""
        if not self.weighted and len(self.arrays) == 1:
            return {"w": n_star}
        factor = np.nan_to_num(safe_divide(n_star, self.n), nan=0.0)
        return {k: (n_star if (k == "w" and not self.weighted) else v * factor)
                for k, v in self.arrays.items()}


def rates_family(conf: ConfusionTable) -> Family:
    """Confusion-matrix rates at the audit threshold (binary task)."""
    return Family("rates", conf.n, {"w": conf.w}, lambda a: binary_rates(a["w"]),
                  weighted=conf.w is not conf.n)


def score_family(table: ScoreTable) -> Family:
    """AUC (ties count half) from a score table (binary task)."""

    def compute(a: Arrays) -> dict[str, np.ndarray]:
        return {"auc": auc_from_histogram(a["w"][..., 0, :], a["w"][..., 1, :])}

    def analytic(a: Arrays, rng: np.random.Generator, r: int) -> dict[str, np.ndarray]:
        neg, pos = a["w"][:, 0, :], a["w"][:, 1, :]
        auc = auc_from_histogram(neg, pos)
        se = auc_standard_error(neg, pos, auc)
        return {"auc": np.clip(auc + se * rng.standard_normal((r, len(auc))), 0.0, 1.0)}

    return Family("scores", table.n, {"w": table.w}, compute, values=table.values,
                  analytic=analytic, weighted=table.w is not table.n)


def calibration_family(table: CalibrationTable) -> Family:
    """Brier score and expected calibration error (10 equal-width bins) for probabilities."""

    def compute(a: Arrays) -> dict[str, np.ndarray]:
        return {"brier": brier(a["w"], a["score_sum"], a["square_sum"]),
                "ece": expected_calibration_error(a["w"], a["score_sum"])}

    arrays = {"w": table.w, "score_sum": table.score_sum, "square_sum": table.square_sum}
    return Family("calibration", table.n, arrays, compute, weighted=table.w is not table.n)


def multiclass_rates_family(conf_n: np.ndarray, conf_w: np.ndarray, classes: list[str]) -> Family:
    """Argmax-prediction rates from a ``(G, K, K)`` table (multiclass task)."""
    return Family("rates", conf_n, {"w": conf_w}, lambda a: multiclass_rates(a["w"], classes),
                  weighted=conf_w is not conf_n)


def multiclass_score_family(tables: list[ScoreTable], classes: list[str]) -> Family:
    """One-vs-rest AUC per class and their macro mean, from per-class score tables.

    The per-class tables are stacked as ``(G, K, 2, B)``, padding shorter bin axes with
    empty bins (they add nothing to an AUC). Bins are merged by index, which keeps each
    class's score order.
    """
    width = max(t.n.shape[-1] for t in tables)

    def pad(t: np.ndarray) -> np.ndarray:
        return np.pad(t, [(0, 0), (0, 0), (0, width - t.shape[-1])])

    n = np.stack([pad(t.n) for t in tables], axis=1)
    w = np.stack([pad(t.w) for t in tables], axis=1)

    def compute(a: Arrays) -> dict[str, np.ndarray]:
        per_class = auc_from_histogram(a["w"][..., 0, :], a["w"][..., 1, :])
        out = {"auc": _nanmean(per_class)}
        for i, k in enumerate(classes):
            out[f"auc_{k}"] = per_class[..., i]
        return out

    def analytic(a: Arrays, rng: np.random.Generator, r: int) -> dict[str, np.ndarray]:
        neg, pos = a["w"][..., 0, :], a["w"][..., 1, :]
        auc = auc_from_histogram(neg, pos)
        se = auc_standard_error(neg, pos, auc)
        draws = np.clip(auc + se * rng.standard_normal((r, *auc.shape)), 0.0, 1.0)
        out = {"auc": _nanmean(draws)}
        for i, k in enumerate(classes):
            out[f"auc_{k}"] = draws[..., i]
        return out

    weighted = any(t.w is not t.n for t in tables)
    return Family("scores", n, {"w": n if not weighted else w}, compute,
                  values=np.arange(width, dtype=float), analytic=analytic, weighted=weighted)


def value_family(name: str, table: ValueTable) -> Family:
    """Mean of a per-sample metric (Dice, IoU...) per group."""

    def compute(a: Arrays) -> dict[str, np.ndarray]:
        return {name: safe_divide(a["sum"].sum(axis=-1), a["w"].sum(axis=-1))}

    def analytic(a: Arrays, rng: np.random.Generator, r: int) -> dict[str, np.ndarray]:
        w, s, sq = a["w"].sum(-1), a["sum"].sum(-1), a["sq"].sum(-1)
        mean = safe_divide(s, w)
        var = safe_divide(sq - w * mean**2, w - 1)
        se = np.sqrt(np.clip(var, 0, None) / np.maximum(w, 1))
        return {name: mean + se * rng.standard_normal((r, len(mean)))}

    arrays = {"w": table.w, "sum": table.value_sum, "sq": table.square_sum}
    return Family(name, table.n, arrays, compute, values=np.arange(table.n.shape[-1], dtype=float),
                  analytic=analytic, weighted=table.w is not table.n)


def _nanmean(values: np.ndarray) -> np.ndarray:
    count = np.sum(~np.isnan(values), axis=-1)
    return safe_divide(np.nansum(values, axis=-1), count)

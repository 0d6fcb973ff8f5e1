"""From validated arrays to the per-model metric families (the only pass over the rows)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from fairlens.auditing._families import (
    Family,
    calibration_family,
    multiclass_rates_family,
    multiclass_score_family,
    rates_family,
    score_family,
    value_family,
)
from fairlens.data import FairLensInputError, PreparedData
from fairlens.engine import (
    CalibrationTable,
    ConfusionTable,
    Grouping,
    ScoreTable,
    ValueTable,
    build_group_index,
)
from fairlens.engine._tables import exact_auc_by_group, score_order
from fairlens.metrics._scores import auc_tie_bound


@dataclass
class ModelStatistics:
    """The families of one model (one score/prediction column)."""

    name: str
    families: list[Family]
    score_table: ScoreTable | None = None
    notes: list[str] = field(default_factory=list)
    exact_auc: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Statistics:
    """Everything an audit needs, without the rows.

    Attributes
    ----------
    task : str
    n_rows : int
    classes : list
    threshold : float
    score_kind : str
    groupings : list of Grouping
    fine_counts : numpy.ndarray
        Rows per finest group.
    models : dict of str to ModelStatistics
    warnings : list of str
    weighted : bool
    """

    task: str
    n_rows: int
    classes: list[Any]
    threshold: float
    score_kind: str
    groupings: list[Grouping]
    fine_counts: np.ndarray
    models: dict[str, ModelStatistics]
    warnings: list[str]
    weighted: bool

    def at_threshold(self, threshold: float) -> Statistics:
        """The same statistics with the decision threshold moved, without touching any row.

        Raises
        ------
        FairLensInputError
            For prediction kinds without scores, or a grid-binned table and a threshold that is
            not on the grid.
        """
        if self.task != "binary":
            raise FairLensInputError("The threshold applies to binary score predictions only.")
        models = {}
        for name, m in self.models.items():
            table = m.score_table
            if table is None:
                raise FairLensInputError(
                    f"Model {name!r} gives predicted labels, not scores: there is no threshold "
                    "to move."
                )
            if not table.aligned(threshold):
                k = min(table.threshold_bin(threshold), len(table.values) - 1)
                nearest = table.values[max(k - 1, 0):k + 1]
                close = nearest[np.isclose(nearest, threshold, rtol=0, atol=1e-9)]
                if not len(close):
                    step = table.values[1] - table.values[0]
                    raise FairLensInputError(
                        f"Scores were binned on a grid of step {step:.6g}; choose a threshold on "
                        "that grid or re-run the audit with this threshold.")
                threshold = float(close[0])
            conf = table.confusion_at(threshold)
            families = [rates_family(conf)] + [f for f in m.families if f.name != "rates"]
            models[name] = replace(m, families=families)
        return replace(self, threshold=float(threshold), models=models)


OVERALL = "(overall)"


def _exact_aucs(index, y, score, weights, order) -> dict[str, np.ndarray]:
    """Exact AUC per group of every grouping, and overall, from the rows in score order."""
    out = {}
    for g in index.groupings:
        codes = g.fine_map[index.fine_codes]
        out[g.name] = exact_auc_by_group(codes, g.n_groups, y, score, weights, order)
    out[OVERALL] = exact_auc_by_group(np.zeros(len(y), dtype=np.int64), 1, y, score, weights,
                                      order)
    return out


def build_statistics(data: PreparedData, *, threshold: float, score_kind: str) -> Statistics:
    """Build every table in one pass per model.

    Parameters
    ----------
    data : PreparedData
    threshold : float
        ``y_hat = 1`` when ``score >= threshold``.
    score_kind : {"probability", "raw"}
    """
    index = build_group_index(data.attributes)
    g, n_fine = index.fine_codes, index.n_fine
    wts = data.weights
    warnings = list(data.warnings)
    models: dict[str, ModelStatistics] = {}
    probability = score_kind == "probability"
    if data.task == "binary":
        y = data.y.astype(np.int64)
        for name, values in data.scores.items():
            families, table, notes, exact_auc = [], None, [], {}
            if data.prediction_kind == "score":
                order = score_order(values)
                table = ScoreTable.build(g, n_fine, y, values, wts, probability=probability,
                                         order=order)
                if not table.exact and order is not None:
                    exact_auc = _exact_aucs(index, y, values, wts, order)
                    notes.append(
                        f"Scores of {name!r} have too many distinct values for exact tables; they "
                        f"were binned on a grid of {len(table.values)} bins for the bootstrap, "
                        "the sweep and the curves. AUC point estimates were computed exactly from "
                        "the rows; rates at the audit threshold are exact.")
                elif not table.exact:
                    bound = float(np.nanmax(auc_tie_bound(table.w[:, 0, :].sum(0),
                                                          table.w[:, 1, :].sum(0))))
                    notes.append(
                        f"Scores of {name!r} have too many distinct values for exact tables; they "
                        f"were binned on a grid of {len(table.values)} bins. Overall AUC is exact "
                        f"to within {bound:.1e}; rates at the audit threshold are exact.")
            if table is not None and table.aligned(threshold):
                conf = table.confusion_at(threshold)
            else:
                conf = ConfusionTable.build(g, n_fine, y, (values >= threshold).astype(np.int64),
                                            wts)
            families.append(rates_family(conf))
            if table is not None:
                families.append(score_family(table))
                if probability:
                    cal = CalibrationTable.build(g, n_fine, y, values, wts)
                    families.append(calibration_family(cal))
            models[name] = ModelStatistics(name, families, table, notes, exact_auc)
    elif data.task == "multiclass":
        k = data.proba.shape[1]
        names = [str(c) for c in data.classes]
        pred = np.argmax(data.proba, axis=1)
        key = (g * k + data.y) * k + pred
        conf_n = np.bincount(key, minlength=n_fine * k * k).astype(float).reshape(n_fine, k, k)
        conf_w = conf_n if wts is None else np.bincount(
            key, weights=wts, minlength=n_fine * k * k).reshape(n_fine, k, k)
        tables = [
            ScoreTable.build(g, n_fine, (data.y == i).astype(np.int8), data.proba[:, i], wts)
            for i in range(k)
        ]
        families = [multiclass_rates_family(conf_n, conf_w, names),
                    multiclass_score_family(tables, names)]
        models["proba"] = ModelStatistics("proba", families)
    else:
        families = [
            value_family(name, ValueTable.build(g, n_fine, values, wts))
            for name, values in data.metrics.items()
        ]
        models["metrics"] = ModelStatistics("metrics", families)
    fine_counts = np.bincount(g, minlength=n_fine).astype(np.int64)
    return Statistics(
        task=data.task,
        n_rows=data.n_rows,
        classes=data.classes,
        threshold=float(threshold),
        score_kind=score_kind,
        groupings=index.groupings,
        fine_counts=fine_counts,
        models=models,
        warnings=warnings,
        weighted=wts is not None,
    )

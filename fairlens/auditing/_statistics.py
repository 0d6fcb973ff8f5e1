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
from fairlens.engine import Grouping, ScoreTable, TableSource
from fairlens.engine._numpy import NumpyTables
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


def build_statistics(data: PreparedData, *, threshold: float, score_kind: str) -> Statistics:
    """Build every table of validated in-memory arrays (the numpy engine).

    Parameters
    ----------
    data : PreparedData
    threshold : float
        ``y_hat = 1`` when ``score >= threshold``.
    score_kind : {"probability", "raw"}
    """
    return statistics_from_tables(NumpyTables(data), threshold=threshold,
                                  score_kind=score_kind)


def statistics_from_tables(source: TableSource, *, threshold: float,
                           score_kind: str) -> Statistics:
    """Build every table an audit needs from any engine (:class:`fairlens.engine.TableSource`).

    Parameters
    ----------
    source : TableSource
        Validated data on the numpy, DuckDB or Spark engine.
    threshold : float
        ``y_hat = 1`` when ``score >= threshold``.
    score_kind : {"probability", "raw"}
    """
    warnings = list(source.warnings)
    models: dict[str, ModelStatistics] = {}
    probability = score_kind == "probability"
    if source.task == "binary":
        for name in source.models:
            families, table, notes, exact_auc = [], None, [], {}
            if source.prediction_kind == "score":
                table = source.score_table(name, probability=probability)
                aucs = None if table.exact else source.exact_aucs(name)
                if not table.exact and aucs is not None:
                    exact_auc = aucs
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
                conf = source.confusion_table(name, threshold)
            families.append(rates_family(conf))
            if table is not None:
                families.append(score_family(table))
                if probability:
                    families.append(calibration_family(source.calibration_table(name)))
            models[name] = ModelStatistics(name, families, table, notes, exact_auc)
    elif source.task == "multiclass":
        names = [str(c) for c in source.classes]
        conf_n, conf_w, tables = source.multiclass_tables()
        families = [multiclass_rates_family(conf_n, conf_w, names),
                    multiclass_score_family(tables, names)]
        models["proba"] = ModelStatistics("proba", families)
    else:
        families = [value_family(name, source.value_table(name)) for name in source.models]
        models["metrics"] = ModelStatistics("metrics", families)
    return Statistics(
        task=source.task,
        n_rows=source.n_rows,
        classes=source.classes,
        threshold=float(threshold),
        score_kind=score_kind,
        groupings=source.groupings,
        fine_counts=np.asarray(source.fine_counts, dtype=np.int64),
        models=models,
        warnings=warnings,
        weighted=source.weighted,
    )

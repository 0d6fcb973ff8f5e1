"""The in-memory engine: tables from validated numpy arrays (:class:`NumpyTables`)."""

from __future__ import annotations

import numpy as np

from fairlens.data import PreparedData
from fairlens.engine._groups import build_group_index
from fairlens.engine._tables import (
    CalibrationTable,
    ConfusionTable,
    ScoreTable,
    ValueTable,
    exact_auc_by_group,
    score_order,
)

OVERALL = "(overall)"


class NumpyTables:
    """:class:`fairlens.engine.TableSource` over a :class:`fairlens.data.PreparedData`.

    Parameters
    ----------
    data : PreparedData
        The validated arrays of :func:`fairlens.data.prepare`.
    """

    engine = "numpy"

    def __init__(self, data: PreparedData) -> None:
        self.data = data
        self.task = data.task
        self.n_rows = data.n_rows
        self.classes = data.classes
        self.prediction_kind = data.prediction_kind
        self.weighted = data.weights is not None
        self.warnings = list(data.warnings)
        self.models = list(data.scores) if data.task == "binary" else list(data.metrics)
        self.index = build_group_index(data.attributes)
        self.groupings = self.index.groupings
        self.n_fine = self.index.n_fine
        self.fine_counts = np.bincount(self.index.fine_codes,
                                       minlength=self.n_fine).astype(np.int64)
        self._y = None if data.y is None else data.y.astype(np.int64)
        self._orders: dict[str, np.ndarray | None] = {}

    def _order(self, model: str) -> np.ndarray | None:
        if model not in self._orders:
            self._orders[model] = score_order(self.data.scores[model])
        return self._orders[model]

    def score_table(self, model: str, *, probability: bool) -> ScoreTable:
        """See :meth:`fairlens.engine.TableSource.score_table`."""
        return ScoreTable.build(self.index.fine_codes, self.n_fine, self._y,
                                self.data.scores[model], self.data.weights,
                                probability=probability, order=self._order(model))

    def exact_aucs(self, model: str) -> dict[str, np.ndarray] | None:
        """See :meth:`fairlens.engine.TableSource.exact_aucs`."""
        order = self._order(model)
        if order is None:
            return None
        y, score, wts = self._y, self.data.scores[model], self.data.weights
        out = {}
        for g in self.groupings:
            codes = g.fine_map[self.index.fine_codes]
            out[g.name] = exact_auc_by_group(codes, g.n_groups, y, score, wts, order)
        out[OVERALL] = exact_auc_by_group(np.zeros(len(y), dtype=np.int64), 1, y, score, wts,
                                          order)
        return out

    def confusion_table(self, model: str, threshold: float) -> ConfusionTable:
        """See :meth:`fairlens.engine.TableSource.confusion_table`."""
        y_hat = (self.data.scores[model] >= threshold).astype(np.int64)
        return ConfusionTable.build(self.index.fine_codes, self.n_fine, self._y, y_hat,
                                    self.data.weights)

    def calibration_table(self, model: str) -> CalibrationTable:
        """See :meth:`fairlens.engine.TableSource.calibration_table`."""
        return CalibrationTable.build(self.index.fine_codes, self.n_fine, self._y,
                                      self.data.scores[model], self.data.weights)

    def multiclass_tables(self) -> tuple[np.ndarray, np.ndarray, list[ScoreTable]]:
        """See :meth:`fairlens.engine.TableSource.multiclass_tables`."""
        data, g, n_fine, wts = self.data, self.index.fine_codes, self.n_fine, self.data.weights
        k = data.proba.shape[1]
        pred = np.argmax(data.proba, axis=1)
        key = (g * k + data.y) * k + pred
        conf_n = np.bincount(key, minlength=n_fine * k * k).astype(float).reshape(n_fine, k, k)
        conf_w = conf_n if wts is None else np.bincount(
            key, weights=wts, minlength=n_fine * k * k).reshape(n_fine, k, k)
        tables = [ScoreTable.build(g, n_fine, (data.y == i).astype(np.int8), data.proba[:, i],
                                   wts) for i in range(k)]
        return conf_n, conf_w, tables

    def value_table(self, metric: str) -> ValueTable:
        """See :meth:`fairlens.engine.TableSource.value_table`."""
        return ValueTable.build(self.index.fine_codes, self.n_fine, self.data.metrics[metric],
                                self.data.weights)

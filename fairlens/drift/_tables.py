"""One pass over the rows with the window as one more key, then the statistics of each window.

The finest group code of every row and its window code are combined into one code (the
occupied (window, group) cells, numbered window by window). The engine's count tables are
built once over that combined code -- confusion counts, calibration sums and, when exact bins
fit, the score table -- and split into each window's tables. A window's :class:`Statistics`
are then exactly those :func:`fairlens.auditing.build_statistics` builds from that window's
rows alone (same groups, same bins, same shapes), so the audit of a window, bootstrap
included, equals ``fairlens.audit_spec`` on its rows.

Where a window's score table cannot come from the combined one (scores with too many
distinct values for exact bins over all windows), that window's score table and exact AUCs
are built from its own rows, which a stable sort by window puts side by side; every row is
still read once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from fairlens.auditing import Statistics
from fairlens.auditing._statistics import statistics_from_tables
from fairlens.data import Attribute, PreparedData
from fairlens.engine import (
    CalibrationTable,
    ConfusionTable,
    GroupIndex,
    Grouping,
    ScoreTable,
    build_group_index,
)
from fairlens.engine import _tables as engine_tables
from fairlens.engine._numpy import OVERALL, NumpyTables
from fairlens.engine._tables import exact_auc_by_group, score_order

_SAMPLE_ROWS = 200_000
_DENSE_CELLS = 50_000_000
_MAX_DISTINCT = 4096


@dataclass
class _Model:
    """The combined tables of one model (axes: combined cell first)."""

    conf: ConfusionTable
    calibration: CalibrationTable | None
    scores: ScoreTable | None


@dataclass
class WindowTables:
    """The combined (window, group) tables of a predictions log.

    Attributes
    ----------
    prepared : PreparedData
        The whole log, validated and encoded once.
    index : GroupIndex
        The finest groups of the whole log.
    window_codes : numpy.ndarray
        Window per row (``-1``: in no window).
    n_windows : int
    cell_window, cell_fine : numpy.ndarray
        The window and the finest group of each combined cell, ordered by (window, group).
    """

    prepared: PreparedData
    index: GroupIndex
    window_codes: np.ndarray
    n_windows: int
    threshold: float
    score_kind: str
    cell_window: np.ndarray
    cell_fine: np.ndarray
    models: dict[str, _Model] = field(default_factory=dict)
    _rows: tuple[np.ndarray, np.ndarray] | None = None

    def rows_of(self, windows: list[int]) -> np.ndarray:
        """Row positions of ``windows``, in file order within each window."""
        if self._rows is None:
            placed = np.flatnonzero(self.window_codes >= 0)
            order = placed[np.argsort(self.window_codes[placed], kind="stable")]
            offsets = np.searchsorted(self.window_codes[order], np.arange(self.n_windows + 1))
            self._rows = (order, offsets)
        order, offsets = self._rows
        return np.concatenate([order[offsets[w]:offsets[w + 1]] for w in windows])

    def statistics(self, windows: list[int]) -> Statistics:
        """The :class:`Statistics` of the rows of ``windows`` (one window, or a pooled baseline).

        For one window they equal ``build_statistics`` on that window's rows alone.
        """
        if self.prepared.task == "binary":
            source = WindowSource(self, windows)
        else:
            source = NumpyTables(_slice(self.prepared, self.rows_of(windows)))
        stats = statistics_from_tables(source, threshold=self.threshold,
                                       score_kind=self.score_kind)
        return replace(stats, warnings=[])


class WindowSource:
    """:class:`fairlens.engine.TableSource` of some windows, read off the combined tables.

    Confusion counts and calibration sums are the windows' cells of the combined tables;
    the score table is too when it is exact (only the scores that occur in the windows are
    kept), else it is built from the windows' rows, as is every exact AUC.
    """

    engine = "numpy"

    def __init__(self, tables: WindowTables, windows: list[int]) -> None:
        data = tables.prepared
        self._tables = tables
        self._windows = list(windows)
        self._cells = np.flatnonzero(np.isin(tables.cell_window, self._windows))
        fines = np.unique(tables.cell_fine[self._cells])
        self._fines = fines
        self._target = np.searchsorted(fines, tables.cell_fine[self._cells])
        self.task = data.task
        self.classes = data.classes
        self.prediction_kind = data.prediction_kind
        self.weighted = data.weights is not None
        self.warnings: list[str] = []
        self.models = list(data.scores)
        self.groupings = _groupings(tables.index, fines)
        self.n_fine = len(fines)
        first = next(iter(tables.models.values()))
        self.fine_counts = np.rint(self._sum(first.conf.n).sum(axis=(1, 2))).astype(np.int64)
        self.n_rows = int(self.fine_counts.sum())
        self._row_cache: dict[str, tuple] = {}

    def _sum(self, table: np.ndarray) -> np.ndarray:
        return _sum_cells(table, self._cells, self._target, self.n_fine)

    def _rows(self, model: str):
        """The windows' rows of ``model``: codes, y, scores, weights and the score order."""
        if model not in self._row_cache:
            data, tables = self._tables.prepared, self._tables
            rows = tables.rows_of(self._windows)
            lookup = np.full(tables.index.n_fine, -1, dtype=np.int64)
            lookup[self._fines] = np.arange(self.n_fine)
            values = data.scores[model][rows]
            self._row_cache[model] = (
                lookup[tables.index.fine_codes[rows]], data.y[rows].astype(np.int64), values,
                None if data.weights is None else data.weights[rows], score_order(values))
        return self._row_cache[model]

    def score_table(self, model: str, *, probability: bool) -> ScoreTable:
        """See :meth:`fairlens.engine.TableSource.score_table`."""
        combined = self._tables.models[model].scores
        if combined is not None:
            return _split_scores(combined, self._sum)
        codes, y, values, weights, order = self._rows(model)
        return ScoreTable.build(codes, self.n_fine, y, values, weights,
                                probability=probability, order=order)

    def exact_aucs(self, model: str) -> dict[str, np.ndarray] | None:
        """See :meth:`fairlens.engine.TableSource.exact_aucs`."""
        if self.n_rows > engine_tables.EXACT_MAX_ROWS:
            return None
        codes, y, values, weights, order = self._rows(model)
        out = {g.name: exact_auc_by_group(g.fine_map[codes], g.n_groups, y, values, weights,
                                          order) for g in self.groupings}
        out[OVERALL] = exact_auc_by_group(np.zeros(len(y), dtype=np.int64), 1, y, values,
                                          weights, order)
        return out

    def confusion_table(self, model: str, threshold: float) -> ConfusionTable:
        """See :meth:`fairlens.engine.TableSource.confusion_table` (at the log's threshold)."""
        conf = self._tables.models[model].conf
        n = self._sum(conf.n)
        return ConfusionTable(n=n, w=n if conf.w is conf.n else self._sum(conf.w))

    def calibration_table(self, model: str) -> CalibrationTable:
        """See :meth:`fairlens.engine.TableSource.calibration_table`."""
        cal = self._tables.models[model].calibration
        n = self._sum(cal.n)
        return CalibrationTable(n=n, w=n if cal.w is cal.n else self._sum(cal.w),
                                score_sum=self._sum(cal.score_sum),
                                square_sum=self._sum(cal.square_sum))

    def multiclass_tables(self):
        """Not used: multiclass windows are read from their rows."""
        raise NotImplementedError

    def value_table(self, metric: str):
        """Not used: per-sample windows are read from their rows."""
        raise NotImplementedError


def build_window_tables(data: PreparedData, window_codes: np.ndarray, n_windows: int, *,
                        threshold: float, score_kind: str) -> WindowTables:
    """Build every combined table in one pass per model.

    Parameters
    ----------
    data : PreparedData
        The whole log.
    window_codes : numpy.ndarray
        Window per row, ``-1`` for rows in no window (they are counted nowhere).
    n_windows : int
    threshold : float
    score_kind : {"probability", "raw"}
    """
    index = build_group_index(data.attributes)
    placed = window_codes >= 0
    key = window_codes * index.n_fine + index.fine_codes
    size = n_windows * index.n_fine
    if size <= _DENSE_CELLS:
        present = np.flatnonzero(np.bincount(key[placed], minlength=size))
        lookup = np.full(size, -1, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        cell_codes = np.where(placed, lookup[np.where(placed, key, 0)], -1)
    else:
        present, inverse = np.unique(key[placed], return_inverse=True)
        cell_codes = np.full(len(key), -1, dtype=np.int64)
        cell_codes[placed] = inverse
    tables = WindowTables(
        prepared=data, index=index, window_codes=window_codes, n_windows=n_windows,
        threshold=float(threshold), score_kind=score_kind,
        cell_window=present // index.n_fine, cell_fine=present % index.n_fine)
    if data.task != "binary":
        return tables
    rows = np.flatnonzero(placed) if not placed.all() else None
    cells = cell_codes if rows is None else cell_codes[rows]
    y = data.y.astype(np.int64) if rows is None else data.y[rows].astype(np.int64)
    weights = data.weights if rows is None or data.weights is None else data.weights[rows]
    n_cells = len(present)
    for name, values in data.scores.items():
        values = values if rows is None else values[rows]
        conf = ConfusionTable.build(cells, n_cells, y, (values >= threshold).astype(np.int64),
                                    weights)
        calibration = scores = None
        if data.prediction_kind == "score":
            if score_kind == "probability":
                calibration = CalibrationTable.build(cells, n_cells, y, values, weights)
            if _exact_fits(values, n_cells):
                scores = ScoreTable.build(cells, n_cells, y, values, weights,
                                          probability=score_kind == "probability",
                                          order=score_order(values))
                if not scores.exact:
                    scores = None
        tables.models[name] = _Model(conf, calibration, scores)
    return tables


def _exact_fits(values: np.ndarray, n_cells: int) -> bool:
    """Whether exact bins over all windows may fit the engine's limits.

    Checked before the combined score table is built, so that a grid table over every
    (window, group) cell is never allocated; the engine then decides (and a grid result is
    dropped: the windows then build their score tables from their rows).
    """
    if n_cells * 2 * 2 > engine_tables.EXACT_MAX_CELLS:
        return False
    if len(values) <= engine_tables.EXACT_MAX_ROWS:
        distinct = len(np.unique(values))
    else:
        distinct = len(np.unique(values[:: max(1, len(values) // _SAMPLE_ROWS)]))
        if distinct > _MAX_DISTINCT:
            return False
    return n_cells * 2 * distinct <= engine_tables.EXACT_MAX_CELLS


def _sum_cells(table: np.ndarray, cells: np.ndarray, target: np.ndarray,
               n_groups: int) -> np.ndarray:
    """Sum the combined cells into the groups of the selection (a copy for one window)."""
    picked = table[cells]
    if len(target) == n_groups:
        return picked
    out = np.zeros((n_groups, *table.shape[1:]))
    np.add.at(out, target, picked)
    return out


def _split_scores(table: ScoreTable, summed) -> ScoreTable:
    """The selection's exact score table: its cells, and only the scores that occur in it."""
    n = summed(table.n)
    keep = n.sum(axis=(0, 1)) > 0
    n = np.ascontiguousarray(n[:, :, keep])
    w = n if table.w is table.n else np.ascontiguousarray(summed(table.w)[:, :, keep])
    return ScoreTable(n=n, w=w, values=table.values[keep], exact=True)


def _groupings(index: GroupIndex, fines: np.ndarray) -> list[Grouping]:
    """The groupings of a selection holding the finest groups ``fines`` (sorted).

    The same groups, in the same order, as :func:`build_group_index` finds in the
    selection's rows alone.
    """
    out = []
    for g in index.groupings:
        if g.is_finest and len(index.groupings) > 1:
            out.append(Grouping(g.name, list(g.attributes), [g.labels[f] for f in fines],
                                np.arange(len(fines))))
            continue
        codes = g.fine_map[fines]
        used = np.unique(codes)
        remap = np.full(g.n_groups, -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        out.append(Grouping(g.name, list(g.attributes), [g.labels[u] for u in used],
                            remap[codes]))
    return out


def _slice(data: PreparedData, rows: np.ndarray) -> PreparedData:
    """The prepared data of some rows (the attributes keep their categories)."""
    return replace(
        data, n_rows=len(rows), y=None if data.y is None else data.y[rows],
        scores={k: v[rows] for k, v in data.scores.items()},
        proba=None if data.proba is None else data.proba[rows],
        metrics={k: v[rows] for k, v in data.metrics.items()},
        attributes=[Attribute(a.name, a.codes[rows], a.categories) for a in data.attributes],
        weights=None if data.weights is None else data.weights[rows], warnings=[])

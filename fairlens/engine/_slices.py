"""The slice search's count tables on an SQL engine (DuckDB, Spark): no row leaves the engine.

:class:`SqlSliceCounts` reads the features' value counts in one ``GROUP BY GROUPING SETS``,
bins them by the rules of :func:`fairlens.slices._binning.encode` (readable quantile edges
from numpy-exact quantiles, the 50 most common categories, rare ones merged), then
aggregates the rows once into a small table of cells (one per combination of feature codes
that occurs, with rows, error sum and squared error sum). Every table the level-wise search
reads (codes, then pairs, then triples of surviving parents, then deeper children) is a
``GROUPING SETS`` query over those cells, and so is every statistic of a slice after it; only
the compositions by sensitive group read the rows a second time. 0/1 errors are counted
exactly, so the search finds the same slices with the same numbers as the numpy search.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from fairlens.data._errors import FairLensInputError
from fairlens.engine._sql import Backend, double
from fairlens.slices._binning import (
    Encoded,
    _plain,
    categorical_plan,
    edges_from_quantiles,
    numeric_ranges,
    quantile_levels,
)

_COUNTER = itertools.count()
#: Most slices whose statistics one query sums (three sums each).
_STATS_BATCH = 100
#: Cells tables up to this many rows come back to Python for the statistics of the slices.
_LOCAL_CELLS = 2_000_000
MISSING = "(missing)"


def _bits(cols: dict[str, np.ndarray], n_feat: int) -> np.ndarray:
    """Which features each result row of a GROUPING SETS query is grouped by (a bit mask)."""
    mask = np.zeros(len(cols["fl_n"]), dtype=np.int64)
    for f in range(n_feat):
        mask |= (cols[f"fl_c{f}"] >= 0).astype(np.int64) << f
    return mask


class SqlSliceCounts:
    """:class:`fairlens.slices._search.SliceCounts` of a source on an SQL backend.

    Parameters
    ----------
    backend : Backend
        The open source (``fl_src``) of a :class:`~fairlens.engine._duckdb.DuckDBBackend` or
        :class:`~fairlens.engine._spark.SparkBackend`.
    features : list of str
    error : str
        SQL of the per-row error (a double).
    sensitive : list of str
        Attributes whose composition is reported per slice.
    """

    def __init__(self, backend: Backend, features: list[str], error: str,
                 sensitive: list[str]) -> None:
        self.b = backend
        self.features = list(features)
        self.sensitive = list(sensitive)
        self.kinds = {c.name: c.kind for c in backend.columns}
        for kind, names in (("Feature", self.features), ("Sensitive", self.sensitive)):
            missing = [f for f in names if f not in self.kinds]
            if missing:
                raise FairLensInputError(
                    f"{kind} column {missing[0]!r} is not in the data; available columns: "
                    f"{list(self.kinds)}.")
        self.error = error
        self.cells = f"fl_slices_{next(_COUNTER)}"
        self._profile()

    # -- reading -----------------------------------------------------------------------------
    def value(self, name: str) -> str:
        """A column with NaN read as missing (as pandas reads it)."""
        x = self.b.quote(name)
        return f"(CASE WHEN isnan({x}) THEN NULL ELSE {x} END)" \
            if self.kinds[name] == "float" else x

    def _profile(self) -> None:
        """Value counts of every feature and the error's totals, in one pass."""
        f_sql = ", ".join(f"{self.value(f)} AS fl_f{i}" for i, f in enumerate(self.features))
        sets = ", ".join(f"(fl_f{i})" for i in range(len(self.features)))
        flags = "".join(f"grouping(fl_f{i}) AS fl_g{i}, " for i in range(len(self.features)))
        vals = "".join(f"fl_f{i}, " for i in range(len(self.features)))
        inf = double(float("inf"))
        bad = (f"fl_e IS NULL OR isnan(fl_e) OR abs(fl_e) = {inf} OR fl_e < {double(0.0)}")
        rows = self.b.rows(
            f"SELECT {flags}{vals}count(*) AS fl_n, sum(fl_e) AS fl_es, "
            "sum(fl_e * fl_e) AS fl_eq, max(fl_e) AS fl_max, "
            f"sum(CASE WHEN {bad} THEN 1 ELSE 0 END) AS fl_bad, "
            "sum(CASE WHEN fl_e = 0 OR fl_e = 1 THEN 0 ELSE 1 END) AS fl_nonbinary "
            f"FROM (SELECT {f_sql}{', ' if f_sql else ''}{self.error} AS fl_e "
            f"FROM {self.b.source}) fl_t GROUP BY GROUPING SETS ({sets}{', ' if sets else ''}())")
        k = len(self.features)
        self.values: list[list[tuple[Any, int]]] = [[] for _ in range(k)]
        total = None
        for r in rows:
            flags_r = r[:k]
            if all(flags_r):
                total = r
                continue
            f = next(i for i, g in enumerate(flags_r) if not g)
            self.values[f].append((r[k + f], int(r[2 * k])))
        assert total is not None
        self.n = int(total[2 * k])
        if self.n == 0:
            raise FairLensInputError("The data has no rows.")
        self.bad = int(total[2 * k + 4] or 0)
        self.total = float(total[2 * k + 1] or 0.0)
        self.total_sq = float(total[2 * k + 2] or 0.0)
        self.max_error = float(total[2 * k + 3] or 0.0)
        self.binary = not int(total[2 * k + 5] or 0)
        self.mean_error = self.total / self.n

    # -- binning -----------------------------------------------------------------------------
    def encode(self, *, n_bins: int, numeric_predicates: str, min_count: int) -> Encoded:
        """The :class:`Encoded` of :func:`fairlens.slices._binning.encode` (without codes) and
        the SQL of every feature's code; then the cells table."""
        n_codes, numeric, edges, labels = [], [], [], []
        pf, plo, phi = [], [], []
        self.code_sql: list[str] = []
        n_rare = 0
        for f, name in enumerate(self.features):
            counts = self.values[f]
            present = [(v, c) for v, c in counts if v is not None]
            n_missing = sum(c for v, c in counts if v is None)
            x = f"CAST({self.value(name)} AS DOUBLE)"
            is_num = self.kinds[name] in ("int", "float") and len(present) > n_bins
            if is_num:
                finite = sorted((float(v), c) for v, c in present if np.isfinite(float(v)))
                vals = np.asarray([v for v, _ in finite], dtype=np.float64)
                cnt = np.asarray([c for _, c in finite], dtype=np.int64)
                e = self._edges(vals, cnt, n_bins)
                nb = len(e) + 1
                k = nb + 1
                has_missing = n_missing > 0 or len(finite) < len(present)
                whens = " ".join(f"WHEN {x} < {double(v)} THEN {i}" for i, v in enumerate(e))
                self.code_sql.append(
                    f"(CASE WHEN {x} IS NULL OR isnan({x}) OR abs({x}) = "
                    f"{double(float('inf'))} THEN {nb} {whens} ELSE {nb - 1} END)")
                edges.append(e)
                labels.append([])
                ranges = numeric_ranges(nb, numeric_predicates)
            else:
                present.sort(key=lambda vc: vc[0])
                cats = [_plain(v) for v, _ in present]
                remap, cats, rare = categorical_plan(
                    cats, np.asarray([c for _, c in present], dtype=np.int64), min_count)
                n_rare += rare
                nb = len(cats)
                k = nb + 1
                has_missing = n_missing > 0
                self.code_sql.append(self._category_sql(name, [v for v, _ in present],
                                                        remap, nb))
                edges.append(np.empty(0))
                labels.append([*cats, MISSING])
                ranges = [(b, b + 1) for b in range(nb - (1 if rare else 0))]
            if has_missing:
                ranges.append((k - 1, k))
            for lo, hi in ranges:
                pf.append(f)
                plo.append(lo)
                phi.append(hi)
            n_codes.append(k)
            numeric.append(bool(is_num))
        self.enc = Encoded(
            codes=np.zeros((0, len(self.features)), dtype=np.uint8),
            n_codes=np.asarray(n_codes, dtype=np.int64), names=list(self.features),
            numeric=numeric, edges=edges, labels=labels,
            pred_feature=np.asarray(pf, dtype=np.int64),
            pred_lo=np.asarray(plo, dtype=np.int64),
            pred_hi=np.asarray(phi, dtype=np.int64), n_rare=n_rare)
        self.nc = self.enc.n_codes
        self.off = np.concatenate([[0], np.cumsum(self.nc)]).astype(np.int64)
        self._cells()
        return self.enc

    @staticmethod
    def _edges(vals: np.ndarray, cnt: np.ndarray, n_bins: int) -> np.ndarray:
        from fairlens.engine._sql import numpy_quantiles

        if len(vals) == 0:
            return np.empty(0)
        q = numpy_quantiles(vals, cnt, quantile_levels(n_bins))

        def next_above(low: float) -> float | None:
            above = vals[vals > low]
            return above.min() if len(above) else None

        return edges_from_quantiles(q, next_above)

    def _literal(self, value: Any, name: str) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | np.integer) and self.kinds[name] in ("int", "bool"):
            return str(int(value))
        if isinstance(value, float | int | np.floating | np.integer):
            return double(float(value))
        return self.b.string(str(value))

    def _category_sql(self, name: str, values: list[Any], remap: np.ndarray, nb: int) -> str:
        """CASE of the codes of a categorical feature: the most common code is the ELSE."""
        x = self.value(name)
        if not values:
            return str(nb)
        common = int(np.bincount(remap).argmax())
        whens = " ".join(f"WHEN {x} = {self._literal(v, name)} THEN {int(c)}"
                         for v, c in zip(values, remap, strict=True) if int(c) != common)
        return f"(CASE WHEN {x} IS NULL THEN {nb} {whens} ELSE {common} END)"

    def _cells(self) -> None:
        """One pass over the rows: rows, error sum and squared sum per combination of codes."""
        cols = ", ".join(f"{c} AS fl_c{f}" for f, c in enumerate(self.code_sql))
        keys = ", ".join(f"fl_c{f}" for f in range(len(self.code_sql)))
        self._local: dict[str, np.ndarray] | None = None
        self.n_cells = self.b.materialize(self.cells, (
            f"SELECT {keys}, count(*) AS fl_n, sum(fl_e) AS fl_es, sum(fl_e * fl_e) AS fl_eq "
            f"FROM (SELECT {cols}, {self.error} AS fl_e FROM {self.b.source}) fl_t "
            f"GROUP BY {keys}"))

    def close(self) -> None:
        """Drop the cells table."""
        self.b.drop(self.cells)

    # -- the search's tables -----------------------------------------------------------------
    def _grouped(self, sets: list[tuple[int, ...]], where: str = "") -> dict[str, np.ndarray]:
        k = len(self.features)
        used = {f for s in sets for f in s}
        codes = ", ".join(f"coalesce(fl_c{f}, -1) AS fl_c{f}" if f in used else
                          f"-1 AS fl_c{f}" for f in range(k))
        spec = ", ".join("(" + ", ".join(f"fl_c{f}" for f in s) + ")" for s in sets)
        return self.b.arrays(
            f"SELECT {codes}, CAST(sum(fl_n) AS DOUBLE) AS fl_n, "
            "CAST(sum(fl_es) AS DOUBLE) AS fl_es, CAST(sum(fl_eq) AS DOUBLE) AS fl_eq "
            f"FROM {self.cells} {where} GROUP BY GROUPING SETS ({spec})")

    def _per_code(self, sets: list[tuple[int, ...]], where: str = ""
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        size = int(self.off[-1])
        out = [np.zeros(size), np.zeros(size), np.zeros(size)]
        if not sets:
            return out[0], out[1], out[2]
        cols = self._grouped(sets, where)
        for (f,) in sets:
            c = cols[f"fl_c{f}"]
            rows = c >= 0
            for t, name in zip(out, ("fl_n", "fl_es", "fl_eq"), strict=True):
                t[self.off[f] + c[rows].astype(np.int64)] = cols[name][rows]
        return out[0], out[1], out[2]

    def level1(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """See :class:`fairlens.slices._search.SliceCounts`."""
        return self._per_code([(f,) for f in range(len(self.features))])

    def pairs(self, pairs: list[tuple[int, int]], pair_off: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """See :class:`fairlens.slices._search.SliceCounts`."""
        size = int(pair_off[-1])
        out = [np.zeros(size), np.zeros(size), np.zeros(size)]
        cols = self._grouped(list(pairs))
        mask = _bits(cols, len(self.features))
        for p, (i, j) in enumerate(pairs):
            rows = mask == ((1 << i) | (1 << j))
            cell = pair_off[p] + cols[f"fl_c{i}"][rows].astype(np.int64) * int(self.nc[j]) + \
                cols[f"fl_c{j}"][rows].astype(np.int64)
            for t, name in zip(out, ("fl_n", "fl_es", "fl_eq"), strict=True):
                t[cell] = cols[name][rows]
        return out[0], out[1], out[2]

    def triples(self, pairs: list[tuple[int, int]]
                ) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """See :class:`fairlens.slices._search.SliceCounts`."""
        k = len(self.features)
        sets = [(i, j, m) for i, j in pairs for m in range(j + 1, k)]
        cols = self._grouped(sets) if sets else None
        mask = _bits(cols, k) if cols is not None else None
        out = {}
        for i, j in pairs:
            nj = int(self.nc[j])
            base = int(self.off[j + 1])
            width = int(self.off[-1]) - base
            tables = [np.zeros((int(self.nc[i]) * nj, width)) for _ in range(3)]
            for m in range(j + 1, k):
                rows = mask == ((1 << i) | (1 << j) | (1 << m))
                r = cols[f"fl_c{i}"][rows].astype(np.int64) * nj + \
                    cols[f"fl_c{j}"][rows].astype(np.int64)
                c = self.off[m] - base + cols[f"fl_c{m}"][rows].astype(np.int64)
                for t, name in zip(tables, ("fl_n", "fl_es", "fl_eq"), strict=True):
                    t[r, c] = cols[name][rows]
            out[(i, j)] = (tables[0], tables[1], tables[2])
        return out

    def condition(self, preds: tuple[int, ...]) -> str:
        """SQL of a conjunction of predicates on the cells' (or the coded rows') codes."""
        enc = self.enc
        parts = []
        for p in preds:
            f, lo, hi = int(enc.pred_feature[p]), int(enc.pred_lo[p]), int(enc.pred_hi[p])
            parts.append(f"fl_c{f} = {lo}" if hi == lo + 1 else
                         f"(fl_c{f} >= {lo} AND fl_c{f} < {hi})")
        return " AND ".join(parts) or "1 = 1"

    def children(self, preds: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """See :class:`fairlens.slices._search.SliceCounts`."""
        last = int(self.enc.pred_feature[preds[-1]])
        return self._per_code([(f,) for f in range(last + 1, len(self.features))],
                              f"WHERE {self.condition(preds)}")

    # -- after the search --------------------------------------------------------------------
    def stats(self, slices: list[tuple[int, ...]]) -> dict[tuple[int, ...], tuple[float, ...]]:
        """Rows, error sum and squared error sum of each slice (a tuple of predicates)."""
        out: dict[tuple[int, ...], tuple[float, ...]] = {}
        todo = list(dict.fromkeys(slices))
        if self.n_cells <= _LOCAL_CELLS:
            # a small cells table comes back once; each slice is then a mask over its cells
            if self._local is None:
                keys = ", ".join(f"fl_c{f}" for f in range(len(self.features)))
                self._local = self.b.arrays(
                    f"SELECT {keys}, CAST(fl_n AS DOUBLE) AS fl_n, CAST(fl_es AS DOUBLE) AS "
                    f"fl_es, CAST(fl_eq AS DOUBLE) AS fl_eq FROM {self.cells}")
            cells = self._local
            enc = self.enc
            for preds in todo:
                m = np.ones(len(cells["fl_n"]), dtype=bool)
                for p in preds:
                    c = cells[f"fl_c{int(enc.pred_feature[p])}"]
                    m &= (c >= enc.pred_lo[p]) & (c < enc.pred_hi[p])
                out[preds] = tuple(float(cells[k][m].sum()) for k in ("fl_n", "fl_es", "fl_eq"))
            return out
        for start in range(0, len(todo), _STATS_BATCH):
            batch = todo[start:start + _STATS_BATCH]
            sums = []
            for i, preds in enumerate(batch):
                cond = self.condition(preds)
                sums += [f"CAST(sum(CASE WHEN {cond} THEN fl_{s} ELSE 0 END) AS DOUBLE) "
                         f"AS fl_{s}{i}" for s in ("n", "es", "eq")]
            row = self.b.rows(f"SELECT {', '.join(sums)} FROM {self.cells}")[0]
            for i, preds in enumerate(batch):
                out[preds] = tuple(float(v or 0.0) for v in row[3 * i:3 * i + 3])
        return out

    def compositions(self, slices: list[tuple[int, ...]]
                     ) -> tuple[dict[str, dict[str, float]], list[dict[str, dict[str, float]]]]:
        """Shares of each sensitive attribute's values overall and in each slice (as
        ``value_counts`` of the values as text, missing values as ``"(missing)"``)."""
        if not self.sensitive:
            return {}, [{} for _ in slices]
        k = len(self.features)
        codes = ", ".join(f"{c} AS fl_c{f}" for f, c in enumerate(self.code_sql))
        attrs = ", ".join(f"{self.value(a)} AS fl_a{i}" for i, a in enumerate(self.sensitive))
        flags = ", ".join(f"grouping(fl_a{i}) AS fl_g{i}" for i in range(len(self.sensitive)))
        avals = ", ".join(f"fl_a{i}" for i in range(len(self.sensitive)))
        counts = ", ".join(f"sum(CASE WHEN {self.condition(s)} THEN 1 ELSE 0 END) AS fl_m{i}"
                           for i, s in enumerate(slices))
        sets = ", ".join(f"(fl_a{i})" for i in range(len(self.sensitive)))
        rows = self.b.rows(
            f"SELECT {flags}, {avals}, count(*) AS fl_n{', ' if counts else ''}{counts} "
            f"FROM (SELECT {attrs}{', ' if k else ''}{codes} FROM {self.b.source}) fl_t "
            f"GROUP BY GROUPING SETS ({sets})")
        n_attr = len(self.sensitive)
        per: list[list[list[tuple[str, int]]]] = [[[] for _ in self.sensitive]
                                                  for _ in range(len(slices) + 1)]
        for r in rows:
            a = next(i for i in range(n_attr) if not r[i])
            v = r[n_attr + a]
            text = MISSING if v is None else str(v)
            for s in range(len(slices) + 1):
                c = int(r[2 * n_attr + s] or 0)
                if c:
                    per[s][a].append((text, c))

        def shares(pairs: list[tuple[str, int]]) -> dict[str, float]:
            merged: dict[str, int] = {}
            for t, c in pairs:
                merged[t] = merged.get(t, 0) + c
            total = sum(merged.values())
            order = sorted(merged.items(), key=lambda tc: (-tc[1], tc[0]))
            return {t: float(c / total) for t, c in order} if total else {}

        comps = [{a: shares(per[s][i]) for i, a in enumerate(self.sensitive)}
                 for s in range(len(slices) + 1)]
        return comps[0], comps[1:]

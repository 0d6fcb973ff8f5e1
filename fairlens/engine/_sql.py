"""Tables by SQL ``GROUP BY`` on any engine that speaks SQL (DuckDB, Spark).

:class:`SqlTables` validates the source with the numpy path's messages and rules
(:mod:`fairlens.data._prepare`), then builds each table with one ``GROUP BY`` over integer keys
(finest group, label, bin); only the small aggregated cells come back to Python, where they are
summed into exactly the arrays :mod:`fairlens.engine._tables` builds from rows. A
:class:`Backend` (``_duckdb.py``, ``_spark.py``) only runs queries and spells a few things.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from fairlens.data import _errors as E
from fairlens.data._errors import FairLensInputError
from fairlens.data._prepare import (
    _MAX_DISCRETE_LEVELS,
    MISSING_GROUP,
    PROBABILITY_TOLERANCE,
    _choose_positive,
    _same_value,
    check_group_count,
    check_intersection_count,
    quantile_labels,
)
from fairlens.data._spec import AuditSpec
from fairlens.engine._groups import groupings_from_present
from fairlens.engine._numpy import OVERALL
from fairlens.engine._tables import (
    EXACT_MAX_CELLS,
    EXACT_MAX_DISTINCT,
    EXACT_MAX_ROWS,
    CalibrationTable,
    ConfusionTable,
    ScoreTable,
    ValueTable,
    exact_auc_by_group,
    grid_bins,
    value_bins,
)

#: Above this many (approximate) distinct values a column is binned on a grid without first
#: fetching its distinct values (HyperLogLog is within a few percent, so the exact limit of
#: 4096 is far below it).
_APPROX_GATE = 3 * EXACT_MAX_DISTINCT
Cells = dict[str, np.ndarray]
#: Sensitive attributes with at most this many values are coded by a CASE, above by a join
#: with a small VALUES table (a hash join: far cheaper than a long CASE per row).
_CASE_LIMIT = 8


@dataclass(frozen=True)
class Column:
    """A source column: its name and kind (``bool``, ``int``, ``float``, ``string``, ``other``)."""

    name: str
    kind: str

    @property
    def numeric(self) -> bool:
        """True for integer and floating-point columns (not booleans)."""
        return self.kind in ("int", "float")


class Backend(Protocol):
    """What :class:`SqlTables` needs from an SQL engine.

    Attributes
    ----------
    engine : str
    source : str
        The relation to read (a view name).
    columns : list of Column
    varchar : str
        The string type in casts.
    """

    engine: str
    source: str
    columns: list[Column]
    varchar: str

    def rows(self, sql: str) -> list[tuple]:
        """Run a query and return its (few) rows as tuples of Python values."""

    def arrays(self, sql: str) -> dict[str, np.ndarray]:
        """Run a query and return its (many, non-null, numeric) columns as numpy arrays."""

    def quote(self, name: str) -> str:
        """An identifier, quoted."""

    def string(self, value: str) -> str:
        """A string literal."""

    def row_number(self) -> str:
        """A window expression numbering the rows ``0, 1, ...`` in the source's order."""

    def materialize(self, name: str, sql: str) -> int:
        """Keep the result of ``sql`` as the temporary relation ``name`` (the slice search's
        cells, :mod:`fairlens.engine._slices`); its number of rows."""

    def drop(self, name: str) -> None:
        """Drop a relation of :meth:`materialize`."""


def double(value: float) -> str:
    """A double literal that every engine parses to exactly ``value``."""
    value = float(value)
    if math.isnan(value):
        return "CAST('NaN' AS DOUBLE)"
    if math.isinf(value):
        return f"CAST('{'-' if value < 0 else ''}Infinity' AS DOUBLE)"
    return f"CAST('{value!r}' AS DOUBLE)"


def _when(cond: str) -> str:
    return f"CASE WHEN {cond} THEN 1 ELSE 0 END"


def _python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def numpy_quantiles(values: np.ndarray, counts: np.ndarray, qs: Any) -> np.ndarray:
    """``numpy.quantile`` (linear) of the rows that ``values`` with ``counts`` stand for.

    ``values`` ascending and distinct. The same floating-point steps as numpy's linear method
    (virtual index ``(n - 1) * q`` of the whole vector ``qs``, then ``_lerp``), so the edges of
    quantile bins are bit-equal to those of the in-memory path (``np.quantile`` and
    ``np.nanquantile`` of the finite values).
    """
    n = int(np.asarray(counts).sum())
    cum = np.cumsum(counts)
    virtual = np.asanyarray((n - 1) * np.asarray(qs, dtype=np.float64))
    previous = np.floor(virtual)
    nxt = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    nxt[above] = -1
    below = virtual < 0
    previous[below] = 0
    nxt[below] = 0
    previous, nxt = previous.astype(np.intp), nxt.astype(np.intp)
    gamma = np.asanyarray(virtual - previous, dtype=virtual.dtype)
    values = np.asarray(values, dtype=np.float64)

    def at(index: np.ndarray) -> np.ndarray:
        return values[np.searchsorted(cum, np.where(index < 0, n + index, index), side="right")]

    a, b = at(previous), at(nxt)
    diff = b - a
    out = np.add(a, diff * gamma)
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5, casting="unsafe")
    return out


class SqlTables:
    """:class:`fairlens.engine.TableSource` on an SQL backend.

    Parameters
    ----------
    backend : Backend
    spec : AuditSpec

    Raises
    ------
    FairLensInputError
        With the message the numpy path gives for the same data.
    """

    def __init__(self, backend: Backend, spec: AuditSpec) -> None:
        self.b = backend
        self.engine = backend.engine
        self.spec = spec
        self.cols = {c.name: c for c in backend.columns}
        self.task = spec.task
        self.warnings: list[str] = []
        self.classes: list[Any] = []
        self.weighted = spec.weight is not None
        self._cells: dict[str, dict[str, np.ndarray]] = {}
        self._score: dict[str, ScoreTable] = {}
        self._aucs: dict[str, dict[str, np.ndarray] | None] = {}
        self._validate()

    # -- expressions -------------------------------------------------------------------------
    def q(self, name: str) -> str:
        """Quoted column."""
        return self.b.quote(name)

    def num(self, name: str) -> str:
        """The column as a double, NULL where pandas sees a missing or non-numeric value."""
        col = self.cols[name]
        x = self.q(name)
        if col.kind in ("string", "other"):
            cast = f"TRY_CAST({x} AS DOUBLE)"
        else:
            cast = f"CAST({x} AS DOUBLE)"
        return f"(CASE WHEN isnan({cast}) THEN NULL ELSE {cast} END)"

    def _one(self, sql: str) -> tuple:
        return self.b.rows(sql)[0]

    def _first_row(self, cond: str, value: str) -> tuple[int, Any]:
        """Position and value of the first row (in source order) where ``cond`` holds."""
        rn = self.b.row_number()
        rows = self.b.rows(
            f"SELECT fl_rn, fl_v FROM (SELECT {rn} AS fl_rn, {value} AS fl_v, "
            f"{_when(cond)} AS fl_hit FROM {self.b.source}) fl_t WHERE fl_hit = 1 "
            "ORDER BY fl_rn LIMIT 1")
        return int(rows[0][0]), rows[0][1]

    # -- validation --------------------------------------------------------------------------
    def _profile(self) -> None:
        """Every aggregate the checks read, in one pass over the rows (``self.p``)."""
        spec = self.spec
        inf = double(math.inf)
        aggs = {"n": "count(*)"}
        checked = list(spec.score) + list(spec.metric) + self._proba_columns()
        for c in checked:
            if c not in self.cols:
                continue
            x, v = self.q(c), self.num(c)
            if self.cols[c].kind in ("string", "other"):
                bad = f"{x} IS NOT NULL AND TRY_CAST({x} AS DOUBLE) IS NULL"
                aggs[f"bad:{c}"] = f"sum({_when(bad)})"
            aggs[f"nan:{c}"] = f"sum({_when(v + ' IS NULL')})"
            aggs[f"inf:{c}"] = f"sum({_when(f'abs({v}) = {inf}')})"
            aggs[f"min:{c}"] = f"min({v})"
            aggs[f"max:{c}"] = f"max({v})"
            aggs[f"out:{c}"] = f"sum({_when(f'{v} < 0 OR {v} > 1')})"
            aggs[f"approx:{c}"] = f"approx_count_distinct({v})"
        if spec.label in self.cols:
            lab = self.q(spec.label)
            aggs["lnull"] = f"sum({_when(f'{lab} IS NULL')})"
            aggs["ldistinct"] = f"count(DISTINCT {lab})"
        for c in spec.pred:
            if c in self.cols:
                aggs[f"pnull:{c}"] = f"sum({_when(f'{self.q(c)} IS NULL')})"
        if spec.weight in self.cols:
            x = self.q(spec.weight)
            cast = f"TRY_CAST({x} AS DOUBLE)" if self.cols[spec.weight].kind in (
                "string", "other") else f"CAST({x} AS DOUBLE)"
            aggs["winf"] = f"sum({_when(f'abs({cast}) = {inf}')})"
            aggs["wnan"] = f"sum({_when(f'{cast} IS NULL OR isnan({cast})')})"
            aggs["wneg"] = f"sum({_when(f'{cast} < 0')})"
            aggs["wsum"] = f"sum({cast})"
        probas = [c for c in self._proba_columns() if c in self.cols]
        if probas:
            total = "(" + " + ".join(self.num(c) for c in probas) + ")"
            aggs["worst"] = f"max_by({total}, abs({total} - 1))"
        keys = list(aggs)
        row = self._one("SELECT " + ", ".join(f"{aggs[k]} AS fl_p{i}" for i, k in enumerate(keys))
                        + f" FROM {self.b.source}")
        self.p = {k: _python(v) for k, v in zip(keys, row, strict=True)}

    def _proba_columns(self) -> list[str]:
        prefix = self.spec.proba_prefix
        if not prefix:
            return []
        cols = [c.name for c in self.b.columns if c.name.startswith(prefix)
                and len(c.name) > len(prefix)]
        names = [c[len(prefix):] for c in cols]
        try:
            order = np.argsort([float(n) for n in names], kind="stable")
        except ValueError:
            order = np.argsort(names, kind="stable")
        return [cols[i] for i in order]

    def _validate(self) -> None:
        spec = self.spec
        frame = pd.DataFrame(columns=[c.name for c in self.b.columns])
        self._profile()
        self.n_rows = int(self.p["n"])
        if self.n_rows == 0:
            raise FairLensInputError(E.NO_ROWS_LEFT.format(step="loading"))
        problems = spec.problems(frame)
        if problems:
            raise FairLensInputError(problems[0])
        if spec.score_kind == "probability" and not (0.0 <= spec.threshold <= 1.0):
            raise FairLensInputError(E.THRESHOLD_RANGE.format(value=spec.threshold))
        self._w = "CAST(1.0 AS DOUBLE)"
        if spec.task == "multiclass":
            self._multiclass()
            self.prediction_kind = "proba"
            self.models = []
        elif spec.task == "per_sample":
            self.models = list(spec.metric)
            self._exprs = {c: self._numeric(c, E.METRIC_NON_NUMERIC) for c in spec.metric}
            self.prediction_kind = "metric"
        else:
            self._binary_label()
            self.models = list(spec.score or spec.pred)
            if spec.score:
                self._exprs = {c: self._score_column(c) for c in spec.score}
                self.prediction_kind = "score"
            else:
                self._exprs = {c: self._pred_column(c) for c in spec.pred}
                self.prediction_kind = "pred"
        if spec.weight:
            self._weights()
        self._groups()

    def _numeric(self, name: str, message: str) -> str:
        """Check a column as :func:`fairlens.data._prepare._numeric` does; its expression."""
        col = self.cols[name]
        x, v = self.q(name), self.num(name)
        bad_cond = f"{x} IS NOT NULL AND TRY_CAST({x} AS DOUBLE) IS NULL" \
            if col.kind in ("string", "other") else "1 = 0"
        bad, nan, infinite = (self.p.get(f"{k}:{name}") for k in ("bad", "nan", "inf"))
        if bad:
            _, example = self._first_row(bad_cond, x)
            raise FairLensInputError(message.format(col=name, example=_python(example)))
        if nan:
            row, _ = self._first_row(f"{v} IS NULL", x)
            raise FairLensInputError(E.SCORE_MISSING.format(col=name, k=int(nan), row=row))
        if infinite:
            raise FairLensInputError(f"Column {name!r} has infinite values. Remove them.")
        return v

    def _score_column(self, name: str) -> str:
        v = self._numeric(name, E.NON_NUMERIC_SCORE)
        if self.spec.score_kind != "probability":
            return v
        lo, hi, k = (self.p[f"{key}:{name}"] for key in ("min", "max", "out"))
        lo, hi = float(lo), float(hi)
        if lo < -PROBABILITY_TOLERANCE or hi > 1 + PROBABILITY_TOLERANCE:
            raise FairLensInputError(E.SCORE_OUT_OF_RANGE.format(col=name, lo=lo, hi=hi))
        if lo < 0 or hi > 1:
            self.warnings.append(
                f"{int(k)} score(s) in {name!r} were outside [0, 1] by at most "
                f"{max(-lo, hi - 1):.2g} and were clipped to [0, 1]."
            )
            return f"greatest(least({v}, {double(1.0)}), {double(0.0)})"
        return v

    def _distinct(self, name: str, ordered: bool = False) -> list[Any]:
        """The distinct non-null values of a column (at most 100,000); ``ordered``: in order of
        first appearance, as ``pandas.unique`` gives them (for messages)."""
        x = self.q(name)
        if ordered:
            rn = self.b.row_number()
            rows = self.b.rows(
                f"SELECT fl_v, min(fl_rn) AS fl_first FROM (SELECT {x} AS fl_v, {rn} AS fl_rn "
                f"FROM {self.b.source}) fl_t WHERE fl_v IS NOT NULL GROUP BY fl_v "
                "ORDER BY fl_first LIMIT 100000")
        else:
            rows = self.b.rows(f"SELECT DISTINCT {x} FROM {self.b.source} WHERE {x} IS NOT NULL "
                               "LIMIT 100000")
        return [_python(r[0]) for r in rows]

    def _equals(self, name: str, value: Any) -> str:
        """SQL of :func:`fairlens.data._prepare._equals`: 1 where the cell equals ``value``."""
        col = self.cols[name]
        x = self.q(name)
        try:
            target = double(float(value))
        except (TypeError, ValueError):
            target = None
        if col.kind in ("bool", "int", "float"):
            if target is None:
                return "0"
            return _when(f"CAST({x} AS DOUBLE) = {target}")
        text = f"trim(CAST({x} AS {self.b.varchar}))"
        cond = f"{text} = {self.b.string(str(value).strip())}"
        if target is not None:
            cond = f"({cond}) OR (TRY_CAST({text} AS DOUBLE) = {target})"
        return f"(CASE WHEN {x} IS NULL THEN 0 WHEN {cond} THEN 1 ELSE 0 END)"

    def _label_missing(self, name: str) -> None:
        k = int(self.p.get("lnull") or 0)
        if k:
            raise FairLensInputError(E.LABEL_MISSING.format(col=name, k=k))

    def _binary_label(self) -> None:
        spec = self.spec
        col = spec.label
        self._label_missing(col)
        values = self._distinct(col)
        if len(values) > 2:
            k = int(self.p["ldistinct"])
            shown = ", ".join(map(repr, sorted(values, key=str)[:6]))
            raise FairLensInputError(E.LABEL_NOT_BINARY.format(col=col, k=k, values=shown))
        if spec.positive_label is not None:
            matches = [v for v in values if _same_value(v, spec.positive_label)]
            if not matches and len(values) > 1:
                raise FairLensInputError(E.POSITIVE_LABEL_ABSENT.format(
                    pos=spec.positive_label, col=col, values=self._distinct(col, True)))
            positive = matches[0] if matches else spec.positive_label
        else:
            positive = _choose_positive(values, col, self.warnings)
        if len(values) == 1:
            self.warnings.append(E.LABEL_ONE_VALUE.format(col=col, value=values[0])
                                 + " Metrics that need both classes are reported as null.")
        negatives = [v for v in values if v != positive]
        self.classes = [_python(c) for c in [negatives[0] if negatives else None, positive]]
        self._y = self._equals(col, positive)

    def _pred_column(self, name: str) -> str:
        x = self.q(name)
        k = int(self.p.get(f"pnull:{name}") or 0)
        if k:
            row, _ = self._first_row(f"{x} IS NULL", x)
            raise FairLensInputError(E.SCORE_MISSING.format(col=name, k=k, row=row))
        values = self._distinct(name)
        allowed = [c for c in self.classes if c is not None]
        foreign = [v for v in values if not any(_same_value(v, a) for a in allowed)]
        if foreign and not (len(allowed) == 1 and len(values) <= 2):
            values = self._distinct(name, True)
            foreign = [v for v in values if not any(_same_value(v, a) for a in allowed)]
            raise FairLensInputError(
                E.PRED_NOT_BINARY.format(col=name, values=foreign[:5], labels=allowed))
        return f"CAST({self._equals(name, self.classes[1])} AS DOUBLE)"

    def _multiclass(self) -> None:
        spec = self.spec
        prefix = spec.proba_prefix
        names_all = [c.name for c in self.b.columns]
        cols = self._proba_columns()
        if not cols:
            raise FairLensInputError(E.PROBA_NO_COLUMNS.format(
                prefix=prefix, available=", ".join(map(repr, names_all))))
        names = [c[len(prefix):] for c in cols]
        exprs = [self._numeric(c, E.NON_NUMERIC_SCORE) for c in cols]
        lo = min(float(self.p[f"min:{c}"]) for c in cols)
        hi = max(float(self.p[f"max:{c}"]) for c in cols)
        worst = float(self.p["worst"])
        if lo < -PROBABILITY_TOLERANCE or hi > 1 + PROBABILITY_TOLERANCE:
            raise FairLensInputError(E.SCORE_OUT_OF_RANGE.format(col=prefix + "*", lo=lo, hi=hi))
        if abs(worst - 1) > PROBABILITY_TOLERANCE * len(cols):
            raise FairLensInputError(E.PROBA_ROWS_NOT_SUM_TO_ONE.format(prefix=prefix,
                                                                        worst=worst))
        if lo < 0 or hi > 1 or abs(worst - 1) > 1e-9:
            self.warnings.append(
                f"Class probabilities {prefix!r}* were off by up to "
                f"{max(abs(worst - 1), -lo, hi - 1):.2g}"
                " (outside [0, 1] or rows not summing to 1); they were clipped and renormalised.")
            clipped = [f"greatest(least({e}, {double(1.0)}), {double(0.0)})" for e in exprs]
            total = "(" + " + ".join(clipped) + ")"
            exprs = [f"({c} / {total})" for c in clipped]
        self._label_missing(spec.label)
        values = self._distinct(spec.label)
        lookup = []
        for v in values:
            idx = [i for i, n in enumerate(names) if _same_value(v, n)]
            if not idx:
                bad = [x for x in self._distinct(spec.label, True)
                       if not any(_same_value(x, n) for n in names)]
                raise FairLensInputError(E.PROBA_LABEL_NOT_IN_CLASSES.format(
                    col=spec.label, values=bad[:5], classes=names))
            lookup.append((v, idx[0]))
        x = self.q(spec.label)
        self._y = "(CASE " + " ".join(
            f"WHEN {x} = {self._literal(v, self.cols[spec.label])} THEN {i}"
            for v, i in lookup) + " END)"
        k = len(exprs)
        branches = []
        for i in range(k):
            conds = [f"{exprs[i]} > {exprs[j]}" for j in range(i)] + \
                [f"{exprs[i]} >= {exprs[j]}" for j in range(i + 1, k)]
            branches.append(f"WHEN {' AND '.join(conds) or '1 = 1'} THEN {i}")
        self._pred = "(CASE " + " ".join(branches[:-1]) + f" ELSE {k - 1} END)"
        self._proba = exprs
        self.classes = names

    def _weights(self) -> None:
        name = self.spec.weight
        col = self.cols[name]
        x = self.q(name)
        cast = f"TRY_CAST({x} AS DOUBLE)" if col.kind in ("string", "other") \
            else f"CAST({x} AS DOUBLE)"
        n_inf, n_nan, n_neg, total = (self.p[k] for k in ("winf", "wnan", "wneg", "wsum"))
        problem = None
        if n_inf:
            problem = "infinite values"
        elif n_nan:
            problem = "missing or non-numeric values"
        elif n_neg:
            problem = "negative values"
        if problem:
            raise FairLensInputError(E.WEIGHTS_INVALID.format(col=name, problem=problem))
        if not total or float(total) <= 0:
            raise FairLensInputError(E.WEIGHTS_INVALID.format(col=name, problem="all zero"))
        self._w = cast

    # -- groups ------------------------------------------------------------------------------
    def _literal(self, value: Any, col: Column) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | np.integer) and col.kind in ("int", "bool"):
            return str(int(value))
        if isinstance(value, float | int | np.floating | np.integer):
            return double(float(value))
        return self.b.string(str(value))

    def _value(self, name: str) -> str:
        """A sensitive column with NaN read as missing (as pandas reads it)."""
        x = self.q(name)
        return f"(CASE WHEN isnan({x}) THEN NULL ELSE {x} END)" \
            if self.cols[name].kind == "float" else x

    def _attribute(self, name: str, counts: dict[Any, int]):
        """Codes of one attribute's values (as ``encode_attribute``): ``(code_of, categories,
        SQL code expression)``."""
        col = self.cols[name]
        value = self._value(name)
        counts = dict(counts)
        missing = counts.pop(None, 0)
        if not counts:
            raise FairLensInputError(E.SENSITIVE_ALL_MISSING.format(col=name))
        if missing:
            self.warnings.append(
                f"{missing} row(s) have no value for {name!r}; they form the group "
                f"{MISSING_GROUP!r} (exclude it with min_group_size or by filtering the file).")
        values = sorted(counts)
        if col.numeric and len(values) > _MAX_DISCRETE_LEVELS:
            return self._quantile_attribute(name, value, values, counts, missing)
        check_group_count(name, len(values))
        categories = list(values)
        miss_code = len(categories)
        if missing:
            categories.append(MISSING_GROUP)
        codes = {v: i for i, v in enumerate(values)}

        def code_of(v: Any) -> int:
            return miss_code if v is None else codes[v]

        if len(values) <= _CASE_LIMIT:
            expr = "(CASE " + " ".join(
                f"WHEN {value} = {self._literal(v, col)} THEN {i}"
                for i, v in enumerate(values)) + f" ELSE {miss_code} END)"
            return code_of, categories, expr
        return code_of, categories, ("JOIN", value, values, miss_code)

    def _quantile_attribute(self, name, value, values, counts, missing):
        arr = np.asarray(values, dtype=np.float64)
        cnt = np.asarray([counts[v] for v in values], dtype=np.int64)
        edges = np.unique(numpy_quantiles(arr, cnt, [0, 0.25, 0.5, 0.75, 1.0]))
        labels = quantile_labels(edges, bool(np.all(np.mod(arr, 1) == 0)))
        v = f"CAST({value} AS DOUBLE)"
        miss_code = len(labels)
        inner = edges[1:-1]
        expr = f"(CASE WHEN {value} IS NULL THEN {miss_code} " + " ".join(
            f"WHEN {v} < {double(e)} THEN {i}" for i, e in enumerate(inner)) + \
            f" ELSE {len(labels) - 1} END)"
        used = len(np.unique(np.searchsorted(inner, arr, side="right")))
        self.warnings.append(
            f"Numeric attribute {name!r} has {len(values)} distinct values; it was cut into "
            f"{used} quantile bins ({', '.join(labels)}).")
        categories = labels + ([MISSING_GROUP] if missing else [])

        def code_of(x: Any) -> int:
            return miss_code if x is None else int(np.searchsorted(inner, float(x), "right"))

        return code_of, categories, expr

    def _groups(self) -> None:
        """Finest groups from one ``GROUP BY`` of the attribute values (with their counts)."""
        names = list(self.spec.sensitive)
        values = [self._value(n) for n in names]
        rows = self.b.rows(
            "SELECT " + ", ".join(f"{v} AS fl_a{i}" for i, v in enumerate(values)) +
            f", count(*) AS fl_n FROM {self.b.source} GROUP BY " +
            ", ".join(values))
        combos = [tuple(_python(x) for x in r[:-1]) for r in rows]
        weights = [int(r[-1]) for r in rows]
        exprs, categories, coders, joins = [], [], [], []
        for i, name in enumerate(names):
            counts: dict[Any, int] = {}
            for combo, k in zip(combos, weights, strict=True):
                counts[combo[i]] = counts.get(combo[i], 0) + k
            code_of, cats, expr = self._attribute(name, counts)
            if isinstance(expr, tuple):
                _, value, vals, miss = expr
                col = self.cols[name]
                lits = ", ".join(f"({self._literal(v, col)}, {j})" for j, v in enumerate(vals))
                alias = f"fl_c{i}"
                joins.append(f"LEFT JOIN (VALUES {lits}) AS {alias}(fl_v, fl_code) "
                             f"ON {value} = {alias}.fl_v")
                expr = f"coalesce({alias}.fl_code, {miss})"
            exprs.append(expr)
            categories.append(cats)
            coders.append(code_of)
        cards = [len(c) for c in categories]
        strides = [int(x) for x in np.cumprod([1] + cards[::-1][:-1])[::-1]]
        self._gk = " + ".join(f"CAST({e} AS BIGINT) * {s}"
                              for e, s in zip(exprs, strides, strict=True))
        self._joins = " ".join(joins)
        gk = np.asarray([sum(c(v) * s for c, v, s in zip(coders, combo, strides, strict=True))
                         for combo in combos], dtype=np.int64)
        self._present = np.unique(gk)
        check_intersection_count(names, len(self._present))
        self.n_fine = len(self._present)
        self.fine_counts = np.bincount(np.searchsorted(self._present, gk),
                                       weights=np.asarray(weights, dtype=np.float64),
                                       minlength=self.n_fine).astype(np.int64)
        self.groupings = groupings_from_present(names, categories, self._present)

    def _coded(self, *extra: str) -> str:
        """Rows with the combined group key ``fl_gk``, the label ``fl_y``, the weight ``fl_w``."""
        y = getattr(self, "_y", "0")
        cols = [f"{self._gk} AS fl_gk", f"{y} AS fl_y", f"{self._w} AS fl_w", *extra]
        return f"SELECT {', '.join(cols)} FROM {self.b.source} {self._joins}"

    def _fine(self, gk: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._present, gk.astype(np.int64))

    # -- binary tables -----------------------------------------------------------------------
    def _grid_bin(self, lo: float, hi: float, s: str) -> str:
        """SQL of the grid bin of :func:`fairlens.engine._tables._score_bins`."""
        size = grid_bins(self.n_fine)
        scale = size / (hi - lo)
        top = size - 1
        d = double(hi - lo)

        def value(b: str) -> str:
            return f"({double(lo)} + {d} * (CAST({b} AS DOUBLE) / {double(size)}))"

        b0 = (f"CAST(floor(greatest(least(({s} - {double(lo)}) * {double(scale)}, "
              f"{double(top)}), {double(0.0)})) AS BIGINT)")
        b1 = f"greatest(least({b0} - {_when(f'{s} < {value(b0)}')}, {top}), 0)"
        return b1, value

    def _score_cells(self, model: str, kind: str, lo: float = 0.0, hi: float = 1.0,
                     expr: str | None = None, y: str | None = None) -> dict[str, np.ndarray]:
        """Cells per (group, y, bin, calibration bin, y_hat) of a score (``raw`` or ``grid``)."""
        s = expr or self._exprs[model]
        yh = _when(f"fl_s >= {double(self.spec.threshold)}")
        if kind == "grid":
            inner, value = self._grid_bin(lo, hi, "fl_s")
        cb = f"least(CAST(floor(fl_s * {double(10.0)}) AS BIGINT), 9)" \
            if self.spec.score_kind == "probability" or y is not None else "0"
        y_sql = y if y is not None else "fl_y"
        coded = self._coded(f"{s} AS fl_s", f"{y_sql} AS fl_yy")
        sums = ("count(*) AS fl_n, sum(fl_w) AS fl_sw, sum(fl_s * fl_w) AS fl_ss, "
                "sum(fl_s * fl_w * fl_s) AS fl_sq")
        if kind == "grid":
            top = grid_bins(self.n_fine) - 1
            up = f"least(fl_b0 + 1, {top})"
            sql = (f"SELECT fl_gk, fl_yy, fl_b, fl_cb, fl_yh, {sums} FROM ("
                   f"SELECT fl_gk, fl_yy, fl_s, fl_w, fl_cb, fl_yh, fl_b0 + "
                   f"{_when(f'{up} > fl_b0 AND fl_s >= {value(up)}')} AS fl_b FROM ("
                   f"SELECT fl_gk, fl_yy, fl_s, fl_w, {inner} AS fl_b0, {cb} AS fl_cb, "
                   f"{yh} AS fl_yh FROM ({coded}) fl_a) fl_b) fl_c "
                   "GROUP BY fl_gk, fl_yy, fl_b, fl_cb, fl_yh")
        else:
            # The calibration bin and y_hat are functions of the score: computed below with
            # the same floating-point steps, so the GROUP BY has three keys only; so are the
            # score sums of a cell (one score value): only the counts (and the weight sums)
            # are aggregated, which halves the work of the hash table on a big file.
            raw_sums = "count(*) AS fl_n" + (", sum(fl_w) AS fl_sw" if self.weighted else "")
            sql = f"SELECT fl_gk, fl_yy, fl_s, {raw_sums} FROM ({coded}) fl_a " \
                "GROUP BY fl_gk, fl_yy, fl_s"
        cells = self.b.arrays(sql)
        if kind == "raw":
            score = cells["fl_s"]
            if not self.weighted:
                cells["fl_sw"] = cells["fl_n"].astype(np.float64)
            cells["fl_ss"] = score * cells["fl_sw"]
            cells["fl_sq"] = score * score * cells["fl_sw"]
            cells["fl_yh"] = (score >= self.spec.threshold).astype(np.int64)
            cells["fl_cb"] = np.minimum(np.floor(score * 10.0), 9).astype(np.int64) \
                if cb != "0" else np.zeros(len(score), dtype=np.int64)
        cells["fine"] = self._fine(cells["fl_gk"])
        cells["y"] = cells["fl_yy"].astype(np.int64)
        return cells

    def _approx_distinct(self, s: str, column: str | None = None) -> int:
        if column is not None and f"approx:{column}" in self.p:
            return int(self.p[f"approx:{column}"])
        return int(self._one(f"SELECT approx_count_distinct({s}) FROM {self.b.source}")[0])

    def _binned(self, key: str, cells: dict[str, np.ndarray], n_bins: int, weighted: bool,
                shape: tuple[int, ...], sums: tuple[str, ...] = ()) -> list[np.ndarray]:
        size = int(np.prod(shape))
        idx = cells[key].astype(np.int64)
        out = [np.bincount(idx, weights=cells["fl_n"], minlength=size).reshape(shape)]
        out.append(np.bincount(idx, weights=cells["fl_sw"], minlength=size).reshape(shape)
                   if weighted else out[0])
        out += [np.bincount(idx, weights=cells[s], minlength=size).reshape(shape) for s in sums]
        return out

    def _score_from(self, name: str, s: str, y: str | None, probability: bool,
                    column: str | None = None) -> tuple[ScoreTable, Cells, Cells | None]:
        """A score table by the numpy rules; the cells it came from; the raw cells if fetched."""
        raw = None
        if self.n_rows <= EXACT_MAX_ROWS or self._approx_distinct(s, column) <= _APPROX_GATE:
            raw = self._score_cells(name, "raw", expr=s, y=y)
            values = np.unique(raw["fl_s"])
            fits = self.n_fine * 2 * len(values) <= EXACT_MAX_CELLS
            if self.n_rows > EXACT_MAX_ROWS:
                fits = fits and len(values) <= EXACT_MAX_DISTINCT
            if fits:
                b = np.searchsorted(values, raw["fl_s"])
                raw["key"] = (raw["fine"] * 2 + raw["y"]) * len(values) + b
                n, w = self._binned("key", raw, len(values), self.weighted,
                                    (self.n_fine, 2, len(values)))
                return ScoreTable(n=n, w=w, values=values, exact=True), raw, raw
        if probability:
            lo, hi = 0.0, 1.0
        else:
            lo, hi = (float(self.p[f"{k}:{column}"]) for k in ("min", "max"))
        if hi <= lo:
            hi = lo + 1.0
        size = grid_bins(self.n_fine)
        values = lo + (hi - lo) * (np.arange(size) / size)
        grid = self._score_cells(name, "grid", lo, hi, expr=s, y=y)
        grid["key"] = (grid["fine"] * 2 + grid["y"]) * size + grid["fl_b"].astype(np.int64)
        n, w = self._binned("key", grid, size, self.weighted, (self.n_fine, 2, size))
        return ScoreTable(n=n, w=w, values=values, exact=False), grid, raw

    def score_table(self, model: str, *, probability: bool) -> ScoreTable:
        """See :meth:`fairlens.engine.TableSource.score_table`."""
        if model not in self._score:
            table, cells, raw = self._score_from(model, self._exprs[model], None, probability,
                                                 model)
            self._score[model], self._cells[model] = table, cells
            self._aucs[model] = None if table.exact or raw is None or \
                self.n_rows > EXACT_MAX_ROWS else self._aucs_of(raw)
        return self._score[model]

    def _aucs_of(self, raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        w = raw["fl_sw"] if self.weighted else raw["fl_n"]
        y, s, fine = raw["y"], raw["fl_s"], raw["fine"]
        out = {}
        for g in self.groupings:
            out[g.name] = exact_auc_by_group(g.fine_map[fine], g.n_groups, y, s, w)
        out[OVERALL] = exact_auc_by_group(np.zeros(len(y), dtype=np.int64), 1, y, s, w)
        return out

    def exact_aucs(self, model: str) -> dict[str, np.ndarray] | None:
        """See :meth:`fairlens.engine.TableSource.exact_aucs`."""
        return self._aucs.get(model)

    def _model_cells(self, model: str) -> dict[str, np.ndarray]:
        if model not in self._cells:
            if self.prediction_kind == "score":
                self.score_table(model, probability=self.spec.score_kind == "probability")
            else:
                self._cells[model] = self._score_cells(model, "raw")
        return self._cells[model]

    def confusion_table(self, model: str, threshold: float) -> ConfusionTable:
        """See :meth:`fairlens.engine.TableSource.confusion_table`."""
        cells = self._model_cells(model)
        if threshold == self.spec.threshold:
            yh = cells["fl_yh"].astype(np.int64)
        elif "fl_s" in cells:
            yh = (cells["fl_s"] >= threshold).astype(np.int64)
        else:
            raise FairLensInputError("The confusion table was built at the audit threshold.")
        cells = {**cells, "key": (cells["fine"] * 2 + cells["y"]) * 2 + yh}
        n, w = self._binned("key", cells, 2, self.weighted, (self.n_fine, 2, 2))
        return ConfusionTable(n=n, w=w)

    def calibration_table(self, model: str) -> CalibrationTable:
        """See :meth:`fairlens.engine.TableSource.calibration_table`."""
        cells = self._model_cells(model)
        cells = {**cells, "key": (cells["fine"] * 2 + cells["y"]) * 10 +
                 cells["fl_cb"].astype(np.int64)}
        n, w, ss, sq = self._binned("key", cells, 10, self.weighted, (self.n_fine, 2, 10),
                                    ("fl_ss", "fl_sq"))
        return CalibrationTable(n=n, w=w, score_sum=ss, square_sum=sq)

    # -- multiclass and per-sample -----------------------------------------------------------
    def multiclass_tables(self) -> tuple[np.ndarray, np.ndarray, list[ScoreTable]]:
        """See :meth:`fairlens.engine.TableSource.multiclass_tables`."""
        k = len(self.classes)
        cells = self.b.arrays(
            f"SELECT fl_gk, fl_y, fl_p, count(*) AS fl_n, sum(fl_w) AS fl_sw FROM "
            f"({self._coded(f'{self._pred} AS fl_p')}) fl_t GROUP BY fl_gk, fl_y, fl_p")
        cells["key"] = (self._fine(cells["fl_gk"]) * k + cells["fl_y"].astype(np.int64)) * k + \
            cells["fl_p"].astype(np.int64)
        conf_n, conf_w = self._binned("key", cells, k, self.weighted, (self.n_fine, k, k))
        tables = [self._score_from(f"class {i}", self._proba[i], _when(f"{self._y} = {i}"), True)[0]
                  for i in range(k)]
        return conf_n, conf_w, tables

    def value_table(self, metric: str) -> ValueTable:
        """See :meth:`fairlens.engine.TableSource.value_table`."""
        v = self._exprs[metric]
        sums = ("count(*) AS fl_n, sum(fl_w) AS fl_sw, sum(fl_v * fl_w) AS fl_vs, "
                "sum(fl_v * fl_w * fl_v) AS fl_sq")
        size = value_bins(self.n_fine)
        exact = self.n_rows <= EXACT_MAX_ROWS and \
            self._approx_distinct(v, metric) <= _APPROX_GATE
        if exact:
            cells = self.b.arrays(f"SELECT fl_gk, fl_v, {sums} FROM ({self._coded(f'{v} AS fl_v')}"
                                  ") fl_t GROUP BY fl_gk, fl_v")
            distinct = np.unique(cells["fl_v"])
            exact = len(distinct) <= size
        if exact:
            n_bins = len(distinct)
            cells["fl_b"] = np.searchsorted(distinct, cells["fl_v"])
        else:
            lo, hi = (float(self.p[f"{k}:{metric}"]) for k in ("min", "max"))
            width = (hi - lo) / size if hi > lo else 1.0
            b = (f"greatest(least(CAST(floor((fl_v - {double(lo)}) / {double(width)}) AS BIGINT),"
                 f" {size - 1}), 0)")
            cells = self.b.arrays(f"SELECT fl_gk, fl_b, {sums} FROM (SELECT fl_gk, fl_w, fl_v, "
                                  f"{b} AS fl_b FROM ({self._coded(f'{v} AS fl_v')}) fl_a) fl_t "
                                  "GROUP BY fl_gk, fl_b")
            n_bins = size
        cells["key"] = self._fine(cells["fl_gk"]) * n_bins + cells["fl_b"].astype(np.int64)
        n, w, vs, sq = self._binned("key", cells, n_bins, self.weighted, (self.n_fine, n_bins),
                                    ("fl_vs", "fl_sq"))
        return ValueTable(n=n, w=w, value_sum=vs, square_sum=sq, exact=exact)

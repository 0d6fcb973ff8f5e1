"""The one feature encoder of every model FairLens trains (label folds, surrogates, remedies).

:class:`FeatureEncoder` turns any frame of feature columns into model input and never fails on
what a real export holds: empty, constant and all-missing columns, numbers and text in one
column, booleans, pandas categories, dates and timestamps, categoricals with thousands of
values, integer column names. Columns that carry no information (empty, constant, a different
value on every row) are left out and named in :attr:`FeatureEncoder.notes_`; dates become
numbers of days (with a note; the column screening normally keeps dates out of the features);
categoricals keep their most common values (:func:`fairlens.data.bucket_rare`; each seen at least
:data:`MIN_LEVEL_ROWS` times, at most ``max_categories``) and put the rest in one "other" level.

Three outputs, for three kinds of learner:

* ``output="ordinal"``: a DataFrame of float numbers and pandas categories of level codes, for
  histogram gradient boosting with ``categorical_features="from_dtype"`` (missing values stay
  missing; the booster handles them).
* ``output="codes"``: a float matrix with one column per input column, in order (categoricals as
  level codes, a column without information as a constant 0), for a tree model read by SHAP's
  TreeExplainer, which needs one input per feature and no categorical splits.
* ``output="onehot"``: a float matrix, numbers imputed with their median (plus a 0/1 column
  saying where they were missing) and optionally standardised, one 0/1 column per kept level,
  for linear models, forests and fairlearn's reductions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from fairlens.data._errors import FairLensInputError
from fairlens.data._screening import OTHER, bucket_rare
from fairlens.wording import names

MAX_CATEGORIES = 50
"""Levels a categorical column keeps in the one-hot output (the rest are "other")."""
MAX_ORDINAL_CATEGORIES = 250
"""Levels a categorical column keeps in the ordinal output (the booster bins at most 255)."""
MIN_LEVEL_ROWS = 5
"""Fewest fitting rows a level needs to keep its own code; rarer levels are "other"."""
NUMERIC_SHARE = 0.95
"""A text column whose values are at least this share numbers is read as numbers."""
DATE_SHARE = 0.95
"""A text column whose values are at least this share dates is read as dates."""
SAMPLE_ROWS = 2_000
"""Values looked at to decide whether a text column holds numbers or dates."""

Kind = Literal["numeric", "categorical", "date"]
Output = Literal["ordinal", "codes", "onehot"]

REASONS = {
    "empty": "empty",
    "constant": "a single value",
    "unique": "a different value on every row",
    "rare": "only values seen on fewer than {rows} rows",
}


def is_numeric(series: pd.Series) -> bool:
    """Whether a column is used as a number as it stands (bool and text columns are not)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _sample(values: pd.Series) -> pd.Series:
    present = values.dropna()
    if len(present) > SAMPLE_ROWS:
        present = present.iloc[:: len(present) // SAMPLE_ROWS]
    return present


def _text_kind(values: pd.Series) -> Kind:
    """How a text (object) column is used: numbers, dates or categories, by a sample."""
    present = _sample(values)
    if not len(present):
        return "categorical"
    as_number = pd.to_numeric(present.astype(str), errors="coerce")
    if as_number.notna().mean() >= NUMERIC_SHARE:
        return "numeric"
    text = present.astype(str)
    looks_like_date = text.str.contains(r"\d[-/.:]\d", regex=True).mean() >= DATE_SHARE
    if looks_like_date:
        if _parse_dates(text).notna().mean() >= DATE_SHARE:
            return "date"
    return "categorical"


def _parse_dates(text: pd.Series) -> pd.Series:
    """Text as UTC timestamps (ISO 8601 first, which is fast; any format otherwise)."""
    present = int(text.notna().sum())
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
    if present and parsed.notna().sum() >= DATE_SHARE * present:
        return parsed
    return pd.to_datetime(text, errors="coerce", format="mixed", utc=True)


def column_kind(series: pd.Series) -> Kind:
    """How :class:`FeatureEncoder` reads a column: ``"numeric"`` (numbers and booleans),
    ``"date"`` (datetimes, time spans, text of dates) or ``"categorical"`` (everything else)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "date"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return _text_kind(series)


def _as_days(series: pd.Series) -> np.ndarray:
    """Dates as days since 1970-01-01 (time spans as days); unparseable values missing."""
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return (series / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return _stamps_as_days(series)
    # each distinct text is parsed once (exports repeat dates on many rows)
    index, uniques = _factorize(series)
    parsed = _stamps_as_days(_parse_dates(pd.Series([str(u) for u in uniques],
                                                    dtype="string")))
    return np.append(parsed, np.nan)[index]


def _stamps_as_days(stamps: pd.Series) -> np.ndarray:
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    days = (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    return days.to_numpy(dtype=float, na_value=np.nan)


def _factorize(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Index of each row's value among the distinct values (-1: missing), and those values;
    text columns (which may hold lists, dicts or mixed types) are compared as text."""
    if series.dtype == object:  # as text: 1, 1.0 and True are one value to pandas
        index, uniques = pd.factorize(_as_text(series), use_na_sentinel=True)
    else:
        index, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(index, dtype=np.int64), list(uniques)


def _as_numbers(series: pd.Series, kind: Kind) -> np.ndarray:
    if kind == "date":
        return _as_days(series)
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(float).to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = pd.to_numeric(series.astype("string"), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)


def _plan_numbers(plan: ColumnPlan, series: pd.Series) -> np.ndarray:
    """The numbers of a numeric or date column; date texts seen in fitting are looked up."""
    if not plan.days:
        return _as_numbers(series, plan.kind)
    index, uniques = _factorize(series)
    known = [plan.days.get(str(u)) for u in uniques]
    new = [i for i, v in enumerate(known) if v is None]
    if new:
        parsed = _as_days(pd.Series([str(uniques[i]) for i in new], dtype=object))
        for i, v in zip(new, parsed, strict=True):
            known[i] = plan.days[str(uniques[i])] = float(v)  # kept: parsed once
    return np.asarray([*known, np.nan], dtype=float)[index]


def _as_text(series: pd.Series) -> pd.Series:
    """Values as text (one type, so mixed columns compare), missing values as missing."""
    return series.astype(object).map(str, na_action="ignore")


@dataclass
class ColumnPlan:
    """What the encoder learned about one column.

    Attributes
    ----------
    name : Any
        The column's label in the frame (any hashable, integers included).
    kind : {"numeric", "categorical", "date"}
    levels : list of str
        Kept levels of a categorical column, most common first.
    other : bool
        Whether some fitting rows fell in the "other" level.
    missing : bool
        Whether some fitting rows were missing.
    center, scale : float
        Median (the imputed value) and standard deviation of a numeric column (one-hot output).
    """

    name: Any
    kind: Kind
    levels: list[str] = field(default_factory=list)
    other: bool = False
    missing: bool = False
    center: float = 0.0
    scale: float = 1.0
    days: dict[str, float] = field(default_factory=dict)
    """Days of each date text seen (in fitting, then in transforming): each is parsed once."""

    @property
    def label(self) -> str:
        """The column's name as text."""
        return str(self.name)


class FeatureEncoder(TransformerMixin, BaseEstimator):
    """Model input from any frame of feature columns (a scikit-learn transformer).

    Parameters
    ----------
    output : {"ordinal", "codes", "onehot"}, default "onehot"
        ``"ordinal"``: a DataFrame with float numbers and categories of level codes (for
        ``HistGradientBoosting*(categorical_features="from_dtype")``). ``"codes"``: a float
        matrix, one column per input column (level codes as numbers; left-out columns
        constant). ``"onehot"``: a float matrix of imputed numbers (with missing-value
        indicators) and one-hot levels.
    scale : bool, default True
        Standardise the numbers of the one-hot output.
    max_categories : int, optional
        Most levels kept per categorical column (including "other"); default
        :data:`MAX_CATEGORIES` for one-hot, :data:`MAX_ORDINAL_CATEGORIES` for ordinal output.
    min_level_rows : int, default MIN_LEVEL_ROWS
        Fewest fitting rows a level needs to be kept.

    Attributes
    ----------
    plans_ : list of ColumnPlan
        The columns used, in order.
    dropped_ : dict
        Column name (as text) -> reason (``"empty"``, ``"constant"``, ``"unique"``,
        ``"rare"``) for the columns left out.
    notes_ : list of str
        Sentences for a person about what was left out or converted.
    """

    def __init__(self, output: Output = "onehot", *, scale: bool = True,
                 max_categories: int | None = None,
                 min_level_rows: int = MIN_LEVEL_ROWS) -> None:
        self.output = output
        self.scale = scale
        self.max_categories = max_categories
        self.min_level_rows = min_level_rows

    # -- fitting ---------------------------------------------------------------------------
    def _cap(self) -> int:
        if self.max_categories is not None:
            return max(2, int(self.max_categories))
        return MAX_CATEGORIES if self.output == "onehot" else MAX_ORDINAL_CATEGORIES

    def _plan(self, name: Any, series: pd.Series) -> ColumnPlan | str:
        """The plan of one column, or the reason it is left out."""
        n_present = int(series.notna().sum())
        if n_present == 0:
            return "empty"
        kind = column_kind(series)
        missing = n_present < len(series)
        if kind != "categorical":
            values = _as_numbers(series, kind)
            ok = values[np.isfinite(values)]
            if not len(ok):
                return "empty"
            if np.ptp(ok) == 0 and not np.isnan(values).any():
                return "constant"
            center = float(np.median(ok))
            spread = float(np.std(ok))
            days: dict[str, float] = {}
            if kind == "date" and not pd.api.types.is_datetime64_any_dtype(series.dtype):
                index, uniques = _factorize(series)  # each distinct text -> its days
                present = np.flatnonzero(index >= 0)
                codes, first = np.unique(index[present], return_index=True)
                days = {str(uniques[c]): float(values[present[f]])
                        for c, f in zip(codes, first, strict=True)}
            return ColumnPlan(name, kind, missing=bool(np.isnan(values).any()), center=center,
                              scale=spread if spread > 0 else 1.0, days=days)
        counts = _as_text(series).value_counts()
        if len(counts) == 1 and not missing:
            return "constant"
        top = bucket_rare(series, top=self._cap() - 1)
        kept = top[top != OTHER].value_counts()
        kept = kept[kept >= max(1, int(self.min_level_rows))]
        other = int(counts.sum() - kept.sum()) > 0
        if len(kept) == 0 and not missing:
            return "unique" if int(counts.max()) == 1 else "rare"
        return ColumnPlan(name, kind, levels=[str(v) for v in kept.index], other=other,
                          missing=missing)

    def fit(self, X: pd.DataFrame, y: Any = None) -> FeatureEncoder:
        """Learn the plan of every column of ``X``.

        Raises
        ------
        FairLensInputError
            When no column carries any information (all are empty, constant or unique).
        """
        if self.output not in ("ordinal", "codes", "onehot"):
            raise FairLensInputError(
                f"output must be 'ordinal', 'codes' or 'onehot'; got {self.output!r}.")
        X = _frame(X)
        self.columns_ = list(X.columns)
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = X.shape[1]
        self.plans_: list[ColumnPlan] = []
        self.dropped_: dict[str, str] = {}
        for name in X.columns:
            plan = self._plan(name, X[name])
            if isinstance(plan, str):
                self.dropped_[str(name)] = plan
            else:
                self.plans_.append(plan)
        self.notes_ = self._notes()
        if not self.plans_:
            raise FairLensInputError(
                "None of the feature columns carries any information for a model: "
                + self._dropped_phrase()
                + ". Choose other feature columns (Data page; CLI --features COL ...).")
        return self

    def _dropped_phrase(self) -> str:
        by_reason: dict[str, list[str]] = {}
        for name, reason in self.dropped_.items():
            by_reason.setdefault(reason, []).append(name)
        parts = []
        for reason, cols in by_reason.items():
            what = REASONS[reason].format(rows=self.min_level_rows)
            verb = "is" if len(cols) == 1 else "are"
            parts.append(f"{names(cols)} {verb} {what}" if reason == "empty"
                         else f"{names(cols)} {'has' if len(cols) == 1 else 'have'} {what}")
        return "; ".join(parts)

    def _notes(self) -> list[str]:
        notes = []
        if self.dropped_:
            notes.append("Left out of the model because they carry no information: "
                         + self._dropped_phrase() + ".")
        dates = [p.label for p in self.plans_ if p.kind == "date"]
        if dates:
            notes.append(f"{names(dates)} {'is' if len(dates) == 1 else 'are'} read as dates and "
                         "used as a number of days; a date is rarely an honest feature (it is "
                         "better mapped as the time column).")
        return notes

    # -- transforming ----------------------------------------------------------------------
    def _codes(self, plan: ColumnPlan, series: pd.Series) -> np.ndarray:
        """Level index of every row: kept levels 0.., "other" len(levels), missing -1."""
        index, uniques = _factorize(series)
        lookup = {v: i for i, v in enumerate(plan.levels)}
        unknown = len(plan.levels) if plan.other else -1
        of_unique = [lookup.get(str(u), unknown) for u in uniques]
        return np.asarray([*of_unique, -1], dtype=np.int64)[index]

    def transform(self, X: pd.DataFrame) -> pd.DataFrame | np.ndarray:
        """Model input for ``X`` (the columns seen in :meth:`fit`; others are ignored)."""
        X = _frame(X)
        if self.output == "ordinal":
            return self._ordinal(X)
        if self.output == "codes":
            return self._numeric_codes(X)
        return self._onehot(X)

    def _numeric_codes(self, X: pd.DataFrame) -> np.ndarray:
        plans = {p.name: p for p in self.plans_}
        out = np.zeros((len(X), len(self.columns_)))
        for j, name in enumerate(self.columns_):
            plan = plans.get(name)
            if plan is None:
                continue
            if plan.kind == "categorical":
                codes = self._codes(plan, X[name]).astype(float)
                out[:, j] = np.where(codes >= 0, codes, np.nan)
            else:
                out[:, j] = _plan_numbers(plan, X[name])
        return out

    def _ordinal(self, X: pd.DataFrame) -> pd.DataFrame:
        out: dict[str, Any] = {}
        for plan in self.plans_:
            s = X[plan.name]
            if plan.kind == "categorical":
                k = len(plan.levels) + int(plan.other)
                out[plan.label] = pd.Categorical.from_codes(self._codes(plan, s),
                                                            categories=list(range(k)))
            else:
                out[plan.label] = _plan_numbers(plan, s)
        return pd.DataFrame(out, index=X.index)

    def _onehot(self, X: pd.DataFrame) -> np.ndarray:
        blocks = []
        for plan in self.plans_:
            s = X[plan.name]
            if plan.kind == "categorical":
                codes = self._codes(plan, s)
                width = len(plan.levels) + int(plan.other) + int(plan.missing)
                block = np.zeros((len(s), width))
                at = np.where(codes >= 0, codes, len(plan.levels) + int(plan.other))
                rows = np.flatnonzero(at < width)
                block[rows, at[rows]] = 1.0
                blocks.append(block)
            else:
                values = _plan_numbers(plan, s)
                gone = np.isnan(values)
                filled = np.where(gone, plan.center, values)
                if self.scale:
                    filled = (filled - plan.center) / plan.scale
                blocks.append(filled[:, None])
                if plan.missing:
                    blocks.append(gone[:, None].astype(float))
        if not blocks:
            return np.zeros((len(X), 0))
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns (``age``, ``age (missing)``, ``sex = Male`` ...)."""
        if self.output == "codes":
            return np.asarray([str(c) for c in self.columns_], dtype=object)
        out: list[str] = []
        for plan in self.plans_:
            if self.output == "ordinal":
                out.append(plan.label)
            elif plan.kind == "categorical":
                out += [f"{plan.label} = {v}" for v in plan.levels]
                out += [f"{plan.label} = other"] * int(plan.other)
                out += [f"{plan.label} (missing)"] * int(plan.missing)
            else:
                out.append(plan.label)
                out += [f"{plan.label} (missing)"] * int(plan.missing)
        return np.asarray(out, dtype=object)

    @property
    def categorical_mask_(self) -> np.ndarray:
        """Which ordinal output columns are categorical."""
        return np.array([p.kind == "categorical" for p in self.plans_], dtype=bool)


def _frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        if X.columns.has_duplicates:
            twice = names(sorted({str(c) for c in X.columns[X.columns.duplicated()]}))
            raise FairLensInputError(
                f"The feature columns hold {twice} more than once; give each column once.")
        return X
    if isinstance(X, pd.Series):
        return X.to_frame()
    return pd.DataFrame(np.asarray(X, dtype=object))


def encoder_notes(model: Any) -> list[str]:
    """The :attr:`FeatureEncoder.notes_` of a fitted model (a pipeline holding an encoder, or
    the encoder itself); empty when it has none."""
    if isinstance(model, FeatureEncoder):
        return list(getattr(model, "notes_", []))
    steps = getattr(model, "steps", None) or []
    for _, step in steps:
        if isinstance(step, FeatureEncoder):
            return list(getattr(step, "notes_", []))
    return []


def leak_warnings(frame: pd.DataFrame, spec: Any, features: list[Any] | None = None
                  ) -> list[str]:
    """The column screening's sentences (:func:`fairlens.data.feature_warnings`) for the
    features a model is trained on or slices are described by: one for every feature that the
    screening would leave out as an identifier, a label leak or a score copy.

    Parameters
    ----------
    frame : DataFrame
    spec : AuditSpec
    features : list, optional
        The features used, when they are not ``spec.features``.
    """
    import dataclasses

    from fairlens.data._screening import feature_warnings

    used = [f for f in (spec.features if features is None else features) if f in frame.columns]
    if not used:
        return []
    return feature_warnings(frame, dataclasses.replace(spec, features=list(used)))

"""Validation of a frame against an :class:`AuditSpec`, producing the arrays the engine reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fairlens._validation import env_limit
from fairlens.data import _errors as E
from fairlens.data._errors import FairLensInputError
from fairlens.data._load import clean_columns
from fairlens.data._spec import AuditSpec, Task

MISSING_GROUP = "(missing)"
PROBABILITY_TOLERANCE = 1e-4
#: At most this many groups per sensitive attribute (``$FAIRLENS_MAX_GROUPS``): checked when
#: the attribute is coded, before any table is built.
MAX_GROUPS = 1_000
MAX_GROUPS_ENV = "FAIRLENS_MAX_GROUPS"
#: At most this many groups in the intersection of the attributes that occur
#: (``$FAIRLENS_MAX_INTERSECTION_GROUPS``).
MAX_INTERSECTION_GROUPS = 5_000
MAX_INTERSECTION_GROUPS_ENV = "FAIRLENS_MAX_INTERSECTION_GROUPS"
_MAX_DISCRETE_LEVELS = 12
_POSITIVE_WORDS = {"1", "yes", "y", "true", "t", "positive", "pos", ">50k", "bad", "high"}


@dataclass
class Attribute:
    """One sensitive attribute, encoded.

    Attributes
    ----------
    name : str
        Column name.
    codes : numpy.ndarray
        Integer group code per row, ``0 .. len(categories) - 1`` (any integer dtype).
    categories : list
        The group value of each code (JSON-friendly scalars; ``"(missing)"`` for empty cells).
    """

    name: str
    codes: np.ndarray
    categories: list[Any]


@dataclass
class PreparedData:
    """Validated arrays for one audit.

    Attributes
    ----------
    task : {"binary", "multiclass", "per_sample"}
    n_rows : int
    y : numpy.ndarray or None
        Binary: 0/1 (``int8``); multiclass: class index; ``None`` for per-sample without label.
    classes : list
        Binary: ``[negative, positive]`` label values; multiclass: class names.
    scores : dict of str to ndarray
        Binary score per model (kind ``"score"``), or predicted label 0/1 (kind ``"pred"``).
    prediction_kind : {"score", "pred", "proba", "metric"}
    proba : numpy.ndarray or None
        ``(n_rows, n_classes)`` probabilities for the multiclass task.
    metrics : dict of str to ndarray
        Per-sample metric values (per-sample task).
    attributes : list of Attribute
    weights : numpy.ndarray or None
    warnings : list of str
    """

    task: Task
    n_rows: int
    y: np.ndarray | None
    classes: list[Any]
    scores: dict[str, np.ndarray]
    prediction_kind: str
    proba: np.ndarray | None
    metrics: dict[str, np.ndarray]
    attributes: list[Attribute]
    weights: np.ndarray | None
    warnings: list[str] = field(default_factory=list)


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _check_columns(frame: pd.DataFrame, spec: AuditSpec) -> None:
    """Raise the first of :meth:`AuditSpec.problems` (the one mapping check)."""
    problems = spec.problems(frame)
    if problems:
        raise FairLensInputError(problems[0])


def _numeric(series: pd.Series, message: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        example = series[bad].iloc[0]
        raise FairLensInputError(message.format(col=series.name, example=_scalar(example)))
    values = converted.to_numpy(dtype=np.float64, na_value=np.nan)
    nan = np.isnan(values)
    if nan.any():
        raise FairLensInputError(
            E.SCORE_MISSING.format(col=series.name, k=int(nan.sum()), row=int(np.argmax(nan)))
        )
    if not np.isfinite(values).all():
        raise FairLensInputError(f"Column {series.name!r} has infinite values. Remove them.")
    return values


def _choose_positive(values: list[Any], col: str, warnings: list[str]) -> Any:
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return True
    if all(isinstance(v, (int, float, np.integer, np.floating)) for v in values):
        if set(values) <= {0, 1} or set(values) <= {-1, 1}:
            return 1  # the conventional positive class, even when it does not occur
        return max(values)
    words = [v for v in values if str(v).strip().lower().rstrip(".") in _POSITIVE_WORDS]
    if len(words) == 1:
        return words[0]
    chosen = sorted(values, key=str)[-1]
    warnings.append(
        f"Positive label assumed to be {chosen!r} in {col!r} (values: {sorted(values, key=str)}); "
        "set positive_label (CLI --positive-label) if that is wrong."
    )
    return chosen


def _same_value(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


def _equals(series: pd.Series, value: Any) -> np.ndarray:
    """Vectorised :func:`_same_value` of every cell against one value, as 0/1 ``int8``."""
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        try:
            target = float(value)
        except (TypeError, ValueError):
            return np.zeros(len(series), dtype=np.int8)
        values = series.to_numpy()
        if values.dtype.kind not in "biuf":
            values = series.to_numpy(dtype=np.float64)
        return (values == target).view(np.int8)
    as_text = series.astype(str).str.strip()
    hit = as_text == str(value).strip()
    try:
        target = float(value)
        hit |= pd.to_numeric(as_text, errors="coerce") == target
    except (TypeError, ValueError):
        pass
    return hit.to_numpy(dtype=bool).astype(np.int8)


def _binary_label(frame: pd.DataFrame, spec: AuditSpec, warnings: list[str]):
    col = spec.label
    series = frame[col]
    if series.isna().any():
        raise FairLensInputError(E.LABEL_MISSING.format(col=col, k=int(series.isna().sum())))
    values = [_scalar(v) for v in pd.unique(series)]
    if len(values) > 2:
        shown = ", ".join(map(repr, sorted(values, key=str)[:6]))
        raise FairLensInputError(E.LABEL_NOT_BINARY.format(col=col, k=len(values), values=shown))
    if spec.positive_label is not None:
        matches = [v for v in values if _same_value(v, spec.positive_label)]
        if not matches and len(values) > 1:
            raise FairLensInputError(
                E.POSITIVE_LABEL_ABSENT.format(pos=spec.positive_label, col=col, values=values)
            )
        positive = matches[0] if matches else spec.positive_label
    else:
        positive = _choose_positive(values, col, warnings)
    if len(values) == 1:
        warnings.append(
            E.LABEL_ONE_VALUE.format(col=col, value=values[0])
            + " Metrics that need both classes are reported as null."
        )
    negatives = [v for v in values if v != positive]
    y = _equals(series, positive)
    classes = [negatives[0] if negatives else None, positive]
    return y, classes


def _scores(frame: pd.DataFrame, spec: AuditSpec, warnings: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for col in spec.score:
        s = _numeric(frame[col], E.NON_NUMERIC_SCORE)
        if spec.score_kind == "probability":
            lo, hi = float(s.min()), float(s.max())
            if lo < -PROBABILITY_TOLERANCE or hi > 1 + PROBABILITY_TOLERANCE:
                raise FairLensInputError(E.SCORE_OUT_OF_RANGE.format(col=col, lo=lo, hi=hi))
            if lo < 0 or hi > 1:
                k = int(((s < 0) | (s > 1)).sum())
                warnings.append(
                    f"{k} score(s) in {col!r} were outside [0, 1] by at most "
                    f"{max(-lo, hi - 1):.2g} and were clipped to [0, 1]."
                )
                s = np.clip(s, 0.0, 1.0)
        out[col] = s
    return out


def _preds(frame, spec, classes, warnings) -> dict[str, np.ndarray]:
    out = {}
    positive = classes[1]
    allowed = [c for c in classes if c is not None]
    for col in spec.pred:
        series = frame[col]
        if series.isna().any():
            raise FairLensInputError(
                E.SCORE_MISSING.format(
                    col=col, k=int(series.isna().sum()), row=int(np.argmax(series.isna()))
                )
            )
        values = [_scalar(v) for v in pd.unique(series)]
        foreign = [v for v in values if not any(_same_value(v, a) for a in allowed)]
        if foreign and not (len(allowed) == 1 and len(values) <= 2):
            raise FairLensInputError(
                E.PRED_NOT_BINARY.format(col=col, values=foreign[:5], labels=allowed)
            )
        out[col] = _equals(series, positive).astype(np.float64)
    return out


def _multiclass(frame, spec, warnings):
    prefix = spec.proba_prefix
    cols = [c for c in frame.columns if c.startswith(prefix) and len(c) > len(prefix)]
    if not cols:
        raise FairLensInputError(
            E.PROBA_NO_COLUMNS.format(prefix=prefix, available=", ".join(map(repr, frame.columns)))
        )
    names = [c[len(prefix):] for c in cols]
    try:
        order = np.argsort([float(n) for n in names], kind="stable")
    except ValueError:
        order = np.argsort(names, kind="stable")
    cols = [cols[i] for i in order]
    names = [names[i] for i in order]
    proba = np.column_stack([_numeric(frame[c], E.NON_NUMERIC_SCORE) for c in cols])
    lo, hi = float(proba.min()), float(proba.max())
    if lo < -PROBABILITY_TOLERANCE or hi > 1 + PROBABILITY_TOLERANCE:
        raise FairLensInputError(E.SCORE_OUT_OF_RANGE.format(col=prefix + "*", lo=lo, hi=hi))
    sums = proba.sum(axis=1)
    worst = float(sums[np.argmax(np.abs(sums - 1))])
    if abs(worst - 1) > PROBABILITY_TOLERANCE * proba.shape[1]:
        raise FairLensInputError(E.PROBA_ROWS_NOT_SUM_TO_ONE.format(prefix=prefix, worst=worst))
    if lo < 0 or hi > 1 or abs(worst - 1) > 1e-9:
        warnings.append(
            f"Class probabilities {prefix!r}* were off by up to "
            f"{max(abs(worst - 1), -lo, hi - 1):.2g}"
            " (outside [0, 1] or rows not summing to 1); they were clipped and renormalised."
        )
        proba = np.clip(proba, 0.0, 1.0)
        proba /= proba.sum(axis=1, keepdims=True)
    series = frame[spec.label]
    if series.isna().any():
        raise FairLensInputError(E.LABEL_MISSING.format(col=spec.label, k=int(series.isna().sum())))
    lookup = {}
    for v in pd.unique(series):
        idx = [i for i, n in enumerate(names) if _same_value(v, n)]
        if not idx:
            bad = [_scalar(x) for x in pd.unique(series)
                   if not any(_same_value(x, n) for n in names)]
            raise FairLensInputError(
                E.PROBA_LABEL_NOT_IN_CLASSES.format(col=spec.label, values=bad[:5], classes=names)
            )
        lookup[v] = idx[0]
    y = series.map(lookup).to_numpy(dtype=np.int64)
    return y, names, proba


def check_group_count(name: str, n_groups: int) -> None:
    """Refuse an attribute with more than :data:`MAX_GROUPS` groups (every engine calls it)."""
    limit = env_limit(MAX_GROUPS_ENV, MAX_GROUPS)
    if n_groups > limit:
        raise FairLensInputError(E.TOO_MANY_GROUPS.format(col=name, n=n_groups, limit=limit,
                                                          env=MAX_GROUPS_ENV))


def check_intersection_count(names: list[str], n_groups: int) -> None:
    """Refuse an intersection of more than :data:`MAX_INTERSECTION_GROUPS` groups."""
    limit = env_limit(MAX_INTERSECTION_GROUPS_ENV, MAX_INTERSECTION_GROUPS)
    if len(names) > 1 and n_groups > limit:
        raise FairLensInputError(E.TOO_MANY_INTERSECTIONS.format(
            cols=" x ".join(map(repr, names)), n=n_groups, limit=limit,
            env=MAX_INTERSECTION_GROUPS_ENV))


def bucket_sensitive(frame: pd.DataFrame, columns: list[str], top: int) -> pd.DataFrame:
    """``frame`` with each of ``columns`` that has more than ``top`` distinct values as its
    ``top`` most frequent values and ``"other"`` (:func:`fairlens.data.bucket_rare`).

    Numeric columns with many values are left alone: the audit cuts them into quartiles.
    """
    from fairlens.data._screening import bucket_rare

    top = int(top)
    if top < 1:
        raise FairLensInputError(f"--bucket-rare must be at least 1, got {top}.")
    out = frame
    for col in columns:
        if col not in frame.columns:
            continue
        series = frame[col]
        numeric = pd.api.types.is_numeric_dtype(series) and \
            not pd.api.types.is_bool_dtype(series)
        if not numeric and _printed(series).nunique(dropna=True) > top:
            if out is frame:
                out = frame.copy(deep=False)
            out[col] = bucket_rare(series, top=top)
    return out


def _printed(series: pd.Series) -> pd.Series:
    """A column of mixed value types as the text of each value, so that values that print
    the same (an integer 1 and a text "1") are one group; other columns as they are.

    Raises
    ------
    FairLensInputError
        When the values cannot be grouped (lists, dicts, sets).
    """
    if series.dtype != object:
        return series
    kinds = set(map(type, series.dropna().to_numpy()))
    bad = kinds & {list, dict, set, np.ndarray}
    if bad:
        example = next(v for v in series.dropna() if type(v) in bad)
        raise FairLensInputError(E.UNHASHABLE_VALUES.format(
            col=str(series.name), kind=sorted(k.__name__ for k in bad)[0],
            example=repr(example)[:60]))
    if len(kinds) <= 1:
        return series
    return series.map(str, na_action="ignore")


def encode_attribute(series: pd.Series, warnings: list[str]) -> Attribute:
    """Encode one sensitive column as group codes.

    Missing values become the explicit group ``"(missing)"`` (with a warning); numeric columns
    with more than 12 distinct values are cut into quartile bins with readable edges; in a
    column of mixed value types, values that print the same are one group (their text).

    Raises
    ------
    FairLensInputError
        When the column has more than :data:`MAX_GROUPS` groups, or values that cannot be
        grouped.
    """
    name = str(series.name)
    series = _printed(series)
    missing = series.isna()
    if missing.all():
        raise FairLensInputError(E.SENSITIVE_ALL_MISSING.format(col=name))
    if missing.any():
        warnings.append(
            f"{int(missing.sum())} row(s) have no value for {name!r}; they form the group "
            f"{MISSING_GROUP!r} (exclude it with min_group_size or by filtering the file)."
        )
    values = series
    if (
        pd.api.types.is_numeric_dtype(series)
        and not pd.api.types.is_bool_dtype(series)
        and series.nunique() > _MAX_DISCRETE_LEVELS
    ):
        values = _quantile_bins(series)
        warnings.append(
            f"Numeric attribute {name!r} has {series.nunique()} distinct values; it was cut into "
            f"{values.nunique()} quantile bins ({', '.join(map(str, values.cat.categories))})."
        )
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Category codes are already small integers: no pass to factorize, no copy.
        codes = values.cat.codes.to_numpy()
        check_group_count(name, int(np.count_nonzero(
            np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)))))
        categories = [_scalar(c) for c in values.cat.categories]
        if isinstance(values.cat.categories, pd.IntervalIndex) or values is not series:
            categories = [str(c) for c in values.cat.categories]
        if missing.any():
            codes = np.where(codes < 0, len(categories), codes)
    else:
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        check_group_count(name, len(uniques))
        categories = [_scalar(u) for u in uniques]
        if missing.any():
            codes[codes < 0] = len(categories)
    if missing.any():
        categories.append(MISSING_GROUP)
    return Attribute(name=name, codes=codes, categories=categories)


def quantile_labels(edges: np.ndarray, is_int: bool) -> list[str]:
    """The group names of the quantile bins between ``edges`` ("18-24" for whole numbers,
    "[0.1, 0.5)" otherwise; the last bin is closed); the one rule of every engine."""
    labels = []
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        last = i == len(edges) - 2
        if is_int:
            hi_label = int(hi) if last else int(np.ceil(hi)) - 1
            labels.append(f"{int(lo)}-{hi_label}")
        else:
            labels.append(f"[{lo:.3g}, {hi:.3g}{']' if last else ')'}")
    return labels


def _quantile_bins(series: pd.Series) -> pd.Series:
    s = series.astype(float)
    edges = np.unique(np.nanquantile(s, [0, 0.25, 0.5, 0.75, 1.0]))
    is_int = bool(np.all(np.mod(s.dropna(), 1) == 0))
    labels = quantile_labels(edges, is_int)
    binned = pd.cut(s, bins=edges, labels=labels, right=False, include_lowest=True)
    binned[s == edges[-1]] = labels[-1]
    return binned


def prepare(frame: pd.DataFrame, spec: AuditSpec) -> PreparedData:
    """Validate ``frame`` against ``spec`` and encode it for the engine.

    Parameters
    ----------
    frame : pandas.DataFrame
        Loaded data.
    spec : AuditSpec
        Column roles and options.

    Returns
    -------
    PreparedData

    Raises
    ------
    FairLensInputError
        With a message that names the column and says how to fix the problem.
    """
    if len(frame) == 0:
        raise FairLensInputError(E.NO_ROWS_LEFT.format(step="loading"))
    frame = clean_columns(frame)
    _check_columns(frame, spec)
    if spec.score_kind == "probability" and not (0.0 <= spec.threshold <= 1.0):
        raise FairLensInputError(E.THRESHOLD_RANGE.format(value=spec.threshold))
    warnings: list[str] = []
    y, classes, proba = None, [], None
    scores: dict[str, np.ndarray] = {}
    metrics: dict[str, np.ndarray] = {}
    if spec.task == "multiclass":
        y, classes, proba = _multiclass(frame, spec, warnings)
        kind = "proba"
    elif spec.task == "per_sample":
        for col in spec.metric:
            metrics[col] = _numeric(frame[col], E.METRIC_NON_NUMERIC)
        kind = "metric"
    else:
        y, classes = _binary_label(frame, spec, warnings)
        if spec.score:
            scores = _scores(frame, spec, warnings)
            kind = "score"
        else:
            scores = _preds(frame, spec, classes, warnings)
            kind = "pred"
    weights = None
    if spec.weight:
        w = pd.to_numeric(frame[spec.weight], errors="coerce").to_numpy(dtype=np.float64)
        if not np.isfinite(w).all() or (w < 0).any():
            if np.isinf(w).any():
                problem = "infinite values"
            elif np.isnan(w).any():
                problem = "missing or non-numeric values"
            else:
                problem = "negative values"
            raise FairLensInputError(E.WEIGHTS_INVALID.format(col=spec.weight, problem=problem))
        if w.sum() <= 0:
            raise FairLensInputError(E.WEIGHTS_INVALID.format(col=spec.weight, problem="all zero"))
        weights = w
    attributes = [encode_attribute(frame[c], warnings) for c in spec.sensitive]
    return PreparedData(
        task=spec.task, n_rows=len(frame), y=y, classes=[_scalar(c) for c in classes],
        scores=scores, prediction_kind=kind, proba=proba, metrics=metrics,
        attributes=attributes, weights=weights, warnings=warnings)

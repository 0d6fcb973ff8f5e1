"""Column screening: a proposed role for every column of a file, and a reason for each one
left out of the features (identifiers, free text, empty or constant columns, dates, copies of
the label and copies of the score).

:func:`screen_columns` is what :func:`infer_spec` proposes, what ``fairlens inspect`` prints and
what the analyses that take features use when none are named. The thresholds are the named
constants of :mod:`fairlens.data._screen_limits`, exported here (documented in the README,
"Column screening"). The per-column numbers come from :mod:`fairlens.data._column_stats`, the
checks against the label and the scores from :mod:`fairlens.data._screen_checks`, the result
classes from :mod:`fairlens.data._screen_result` and the sentences from
:mod:`fairlens.data._screen_text`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from fairlens.data import _column_stats as S
from fairlens.data import _screen_checks as C
from fairlens.data._errors import FairLensInputError
from fairlens.data._screen_limits import (
    DATE_SHARE,
    FREE_TEXT_DISTINCT_RATIO,
    FREE_TEXT_MIN_WORDS,
    HIGH_CARDINALITY,
    ID_DISTINCT_RATIO,
    ID_MIN_VALUES,
    ID_NAMED_RATIO,
    LEAK_AUC,
    LEAK_FOLDS,
    LEAK_IMPLIED_MAX_SHARE,
    LEAK_IMPLIED_MIN_ROWS,
    LEAK_IMPLIED_MIN_SHARE,
    LEAK_IMPLIED_PURITY,
    LEAK_MIN_CLASS,
    MOSTLY_MISSING,
    OTHER,
    OTHER_SCORE_RHO,
    SAMPLE_ROWS,
    SCORE_COPY_RHO,
    SEED,
    TOP_VALUES,
    WARNING_ROWS,
)
from fairlens.data._screen_result import ColumnScreen, Screening
from fairlens.data._spec import AuditSpec, _norm, guess_roles

__all__ = [
    "ID_DISTINCT_RATIO",
    "ID_NAMED_RATIO",
    "ID_MIN_VALUES",
    "FREE_TEXT_MIN_WORDS",
    "FREE_TEXT_DISTINCT_RATIO",
    "MOSTLY_MISSING",
    "DATE_SHARE",
    "LEAK_AUC",
    "SAMPLE_ROWS",
    "WARNING_ROWS",
    "LEAK_FOLDS",
    "LEAK_IMPLIED_MIN_SHARE",
    "LEAK_IMPLIED_PURITY",
    "LEAK_IMPLIED_MIN_ROWS",
    "LEAK_IMPLIED_MAX_SHARE",
    "LEAK_MIN_CLASS",
    "SCORE_COPY_RHO",
    "OTHER_SCORE_RHO",
    "HIGH_CARDINALITY",
    "TOP_VALUES",
    "OTHER",
    "SEED",
    "bucket_rare",
    "feature_warnings",
    "infer_spec",
    "screen_columns",
]

def bucket_rare(series: pd.Series, top: int = TOP_VALUES) -> pd.Series:
    """A high-cardinality column as its ``top`` most frequent values and :data:`OTHER`.

    The values are returned as text (missing values stay missing), so the result is one
    categorical column with at most ``top + 1`` values whatever the input's type.

    Parameters
    ----------
    series : pandas.Series
        Any column.
    top : int, default TOP_VALUES
        How many of the most frequent values keep their own name.
    """
    text = S.hashable(series).map(str, na_action="ignore").astype(object)
    keep = text.value_counts(dropna=True).index[:max(int(top), 0)]
    return text.where(text.isin(keep) | text.isna(), OTHER)


def _given_roles(spec: AuditSpec, names: list[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    pairs = [("label", [spec.label]), ("score", spec.score), ("pred", spec.pred),
             ("proba", [c for c in names if spec.proba_prefix and c.startswith(spec.proba_prefix)
                        and len(c) > len(spec.proba_prefix)]),
             ("metric", spec.metric), ("sensitive", spec.sensitive), ("weight", [spec.weight]),
             ("time", [spec.time])]
    for role, cols in pairs:
        for c in cols:
            if c is not None and c not in roles:
                roles[c] = role
    return roles


def _screen_one(series: pd.Series, name: str, n: int, ctx: C.Context,
                others: dict[str, np.ndarray]) -> ColumnScreen:
    dtype = str(series.dtype)
    kind = S.column_kind(series)

    def out(reason: str, detail: float | None, basis: str | None = None,
            against: str | None = None) -> ColumnScreen:
        return ColumnScreen(name, dtype, "excluded", reason, detail, basis, against)

    if kind == "empty":
        return out("empty", 1.0)
    missing = float(series.isna().mean())
    if missing >= MOSTLY_MISSING:
        return out("mostly_missing", missing)
    distinct = S.distinct_count(series)
    if distinct <= 1:
        return out("constant", 1.0 - missing)
    if kind == "datetime":
        return out("date", 1.0)
    ratio = distinct / max(n - int(round(missing * n)), 1)
    if kind == "text":
        share = S.date_share(series, seed=SEED)
        if share >= DATE_SHARE:
            return out("date", share)
    if distinct >= ID_MIN_VALUES:
        if C.named_like_id(name) and ratio >= ID_NAMED_RATIO and kind != "bool":
            return out("identifier", ratio, "named" if ratio < ID_DISTINCT_RATIO else None)
        if kind == "text" and ratio >= FREE_TEXT_DISTINCT_RATIO and S.mean_words(
                series, seed=SEED) >= FREE_TEXT_MIN_WORDS:
            return out("free_text", S.mean_words(series, seed=SEED))
        if kind == "text" and ratio >= ID_DISTINCT_RATIO:
            return out("identifier", ratio)
        if kind == "numeric" and ratio >= ID_DISTINCT_RATIO and S.is_sequential(
                S.as_float(series)):
            return out("identifier", ratio, "sequential")
    part = series.iloc[ctx.rows]
    codes = S.codes_of(part, kind)[ctx.present] if ctx.y is not None else None
    leak = C.check_leak(part, kind, ctx, codes) if codes is not None else None
    if leak is not None and codes is not None:
        ctx.leaks.append((name, codes, part[ctx.present]))
        return out("label_leak", leak[0], leak[1])
    copy = C.check_copy(part, name, kind, ctx.refs, others)
    if copy is not None:
        return out("score_copy", copy[0], copy[1], copy[2])
    return ColumnScreen(name, dtype, "feature")


def _mark_duplicates(columns: list[ColumnScreen], frame: pd.DataFrame) -> list[ColumnScreen]:
    """Features with the same values, row for row, as an earlier kept column (a feature or a
    sensitive attribute): left out as ``duplicate`` (``priors_count.1`` of ``priors_count``)."""
    kept = [i for i, c in enumerate(columns) if c.role in ("feature", "sensitive")]
    seen: dict[int, list[int]] = {}
    out = list(columns)
    for i in kept:
        series = frame.iloc[:, i]
        try:
            key = int(pd.util.hash_pandas_object(series, index=False).sum())
        except TypeError:  # unhashable values (lists): not compared
            continue
        match = next((j for j in seen.get(key, []) if series.equals(frame.iloc[:, j])), None)
        if match is not None and columns[i].role == "feature":
            out[i] = dataclasses.replace(columns[i], role="excluded", reason="duplicate",
                                         detail=1.0, against=columns[match].name)
        else:
            seen.setdefault(key, []).append(i)
    return out


_TIME_WORDS = ("screening", "date", "time")


def _pick_time(columns: list[ColumnScreen], frame: pd.DataFrame) -> str | None:
    """The date column proposed as ``time``: named screening/date/time, fewest missing."""
    dates = [i for i, c in enumerate(columns) if c.reason == "date"]
    if not dates:
        return None

    def rank(i: int) -> tuple[int, float, int]:
        words = _norm(columns[i].name).split("_")
        named = sum(w in words for w in _TIME_WORDS) + any(w in _TIME_WORDS for w in words)
        return (-named, float(frame.iloc[:, i].isna().mean()), i)

    return columns[min(dates, key=rank)].name


def screen_columns(frame: pd.DataFrame, spec: AuditSpec | None = None, *,
                   seed: int = SEED) -> Screening:
    """A proposed role for every column of ``frame`` and the reason for each one left out.

    Parameters
    ----------
    frame : pandas.DataFrame
        The loaded data (column names are read as text).
    spec : AuditSpec, optional
        The roles already known (label, score or prediction, sensitive ...): they are kept
        as given, and the leak and copy checks use them. ``None``: the roles are guessed
        as :func:`infer_spec` does. Its ``features`` are ignored (the screening proposes
        them).
    seed : int, default SEED
        Seed of the row sample and the folds of the cross-fitted AUCs.

    Returns
    -------
    Screening
        ``columns`` (one :class:`ColumnScreen` each, in frame order), ``features``,
        ``excluded`` and ``spec`` (the given or guessed roles with the proposed features
        and time column).
    """
    if not isinstance(frame, pd.DataFrame):
        raise FairLensInputError(
            f"The column screening needs a table (a pandas DataFrame), not {type(frame).__name__}.")
    names = [str(c) for c in frame.columns]
    frame = frame.set_axis(names, axis=1)
    spec = guess_roles(frame) if spec is None else dataclasses.replace(spec)
    roles = _given_roles(spec, names)
    ctx = C.Context(frame, spec, seed)
    others = C.other_scores(frame, names, roles, ctx)
    columns: list[ColumnScreen | None] = []
    for i, name in enumerate(names):
        series = frame.iloc[:, i]
        if name in roles:
            columns.append(ColumnScreen(name, str(series.dtype), roles[name]))
        else:
            columns.append(_screen_one(series, name, len(frame), ctx, others))
    for i, c in enumerate(columns):  # second pass: filled in only with the outcome
        if c is not None and c.role == "feature":
            implied = C.implied_leak(frame.iloc[ctx.rows, i], S.column_kind(frame.iloc[:, i]),
                                    ctx)
            if implied is not None:
                columns[i] = dataclasses.replace(c, role="excluded", reason="label_leak",
                                                 basis="implied", **implied)
    screens = _mark_duplicates([c for c in columns if c is not None], frame)
    if spec.time is None:
        spec.time = _pick_time(screens, frame)
        screens = [dataclasses.replace(c, role="time") if c.name == spec.time else c
                   for c in screens]
    spec.features = [c.name for c in screens if c.role == "feature"]
    return Screening(columns=screens, spec=spec)


def infer_spec(frame: pd.DataFrame) -> AuditSpec:
    """Propose an :class:`AuditSpec` from column names, types and values.

    The proposal is a starting point; every part can be overridden. Label, prediction and
    sensitive columns are matched against common names (``label``, ``y_true``, ``score``,
    ``y_pred``, ``race``, ``sex`` ...); the features are the columns the column screening
    keeps (:func:`screen_columns`: no identifiers, dates, copies of the label or the
    score ...), and one date column is proposed as ``time``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The loaded data.

    Returns
    -------
    AuditSpec
        Roles that could not be guessed are left empty.
    """
    return screen_columns(frame).spec


def feature_warnings(frame: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """One sentence for each feature of ``spec`` that the screening would leave out as an
    identifier, a label leak or a score copy; ``[]`` when there is none.

    Only the features are checked (against the label and the score of ``spec``), on at most
    :data:`SAMPLE_ROWS` rows, so this is cheap enough for every analysis to call.
    """
    from fairlens.data._screen_text import feature_warning

    names = [str(c) for c in frame.columns]
    keep = [c for c in dict.fromkeys([*spec.columns(names), *spec.features]) if c in names]
    if not spec.features or not keep:
        return []
    sub = frame.set_axis(names, axis=1).loc[:, keep]
    if len(sub) > WARNING_ROWS:  # the identifier shares hardly move on this many rows
        sub = sub.sample(WARNING_ROWS, random_state=SEED).sort_index()
    sub = sub.loc[:, ~sub.columns.duplicated()]
    given = dataclasses.replace(spec, features=[])
    screening = screen_columns(sub, given)
    out: list[str] = []
    for c in screening.columns:
        if c.name in spec.features and c.name not in _given_roles(spec, keep) and c.reason in (
                "identifier", "label_leak", "score_copy"):
            out.append(feature_warning(c))
    return out

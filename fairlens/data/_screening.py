"""Column screening: a proposed role for every column of a file, and a reason for each one
left out of the features (identifiers, free text, empty or constant columns, dates, copies of
the label and copies of the score).

:func:`screen_columns` is what :func:`infer_spec` proposes, what ``fairlens inspect`` prints and
what the analyses that take features use when none are named. The thresholds are the named
constants below (documented in the README, "Column screening"). The per-column numbers come
from :mod:`fairlens.data._column_stats`; the sentences from :mod:`fairlens.data._screen_text`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import _column_stats as S
from fairlens.data._errors import FairLensInputError
from fairlens.data._screen_result import ColumnScreen, Screening
from fairlens.data._spec import AuditSpec, _norm, guess_roles

#: Nearly unique: a text column with at least this share of distinct values (among the
#: non-missing ones) is an identifier; so is a nearly unique integer column in row order or
#: without gaps (a row number), or any nearly unique column named like an id.
ID_DISTINCT_RATIO = 0.9
#: A column named like an identifier or a person's name (``id``, ``*_id``, ``name``, ``first``,
#: ``last``, ``*_number`` ...) is one from this share of distinct values on.
ID_NAMED_RATIO = 0.2
#: Fewest distinct values of an identifier (a 10-row file's categories are not identifiers).
ID_MIN_VALUES = 20
#: Free text: text with at least this many words a value on average ...
FREE_TEXT_MIN_WORDS = 5.0
#: ... and at least this share of distinct values.
FREE_TEXT_DISTINCT_RATIO = 0.5
#: Nearly all missing: at least this share of the rows has no value.
MOSTLY_MISSING = 0.95
#: A text column is a date when at least this share of its values reads as a date.
DATE_SHARE = 0.9
#: A label leak: a cross-fitted single-column AUC (either direction) of at least this.
LEAK_AUC = 0.85
#: Rows sampled (fixed seed) for the leak and score-copy checks of a large file.
SAMPLE_ROWS = 20_000
#: Rows sampled (fixed seed) by :func:`feature_warnings` from a larger file.
WARNING_ROWS = 100_000
#: Folds of the cross-fitted AUC.
LEAK_FOLDS = 2
#: A leak by association: a value (or being present) that covers at least this share of
#: the rows and goes with one state of a leak column in at least LEAK_IMPLIED_PURITY of them
#: (``vr_charge_degree`` is only filled in where ``is_recid`` is 1).
#: The state needs at least LEAK_IMPLIED_MIN_ROWS rows too, and enough for a pure state by
#: chance to be unlikely (under one in a million); leak columns whose most common value holds
#: LEAK_IMPLIED_MAX_SHARE of the rows or more are not used.
LEAK_IMPLIED_MIN_SHARE = 0.01
LEAK_IMPLIED_PURITY = 0.995
LEAK_IMPLIED_MIN_ROWS = 30
LEAK_IMPLIED_MAX_SHARE = 0.9
#: Fewest rows of the smaller label class for the leak checks to run.
LEAK_MIN_CLASS = 5
#: A score copy: Spearman's |rho| with a score or prediction column of at least this (or a
#: binning of one: each value covers one range of the score).
SCORE_COPY_RHO = 0.9
#: Another model's score: a column named like a score with |rho| of at least this with the
#: audited score; it is left out of the features (audit it as a further model).
OTHER_SCORE_RHO = 0.5
#: Text columns with more distinct values than this stay features, bucketed by the model
#: encoders into their TOP_VALUES most frequent values and "other" (:func:`bucket_rare`).
HIGH_CARDINALITY = 50
TOP_VALUES = 30
#: The value that stands for the rare values in :func:`bucket_rare`.
OTHER = "other"
#: Seed of the row sample and of the folds.
SEED = 0

_ID_WORDS = {"id", "uuid", "guid", "key", "index", "idx", "name", "first", "last", "surname",
             "first_name", "last_name", "firstname", "lastname", "full_name", "fullname",
             "given_name", "family_name", "email", "phone", "ssn", "address"}
_ID_SUFFIXES = ("_id", "_name", "_number", "_no", "_key", "_uuid", "_email")
_SCORE_WORDS = ("score", "decile", "proba", "prob")
_TIME_WORDS = ("screening", "date", "time")


def _named_like_id(name: str) -> bool:
    n = _norm(name)
    return (n in _ID_WORDS or n.endswith(_ID_SUFFIXES) or n.startswith(("id_", "unnamed")))


def _named_like_score(name: str) -> bool:
    return any(w in _norm(name).split("_") for w in _SCORE_WORDS)


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


class _Context:
    """What every column is checked against: the row sample, the label and the scores."""

    def __init__(self, frame: pd.DataFrame, spec: AuditSpec, seed: int) -> None:
        n = len(frame)
        rng = np.random.default_rng(seed)
        self.rows = np.sort(rng.choice(n, SAMPLE_ROWS, replace=False)) if n > SAMPLE_ROWS \
            else np.arange(n)
        self.y: np.ndarray | None = None
        self.label_codes: np.ndarray | None = None
        names = list(frame.columns)
        if spec.label in names:
            self._label(frame.iloc[self.rows, names.index(spec.label)], rng)
        self.refs: list[tuple[str, np.ndarray]] = []
        for c in [*spec.score, *spec.pred, *spec.metric]:
            if c in names:
                self.refs.append((c, self._numbers(frame.iloc[:, names.index(c)])))
        self.leaks: list[tuple[str, np.ndarray, pd.Series]] = []

    def _label(self, label: pd.Series, rng: np.random.Generator) -> None:
        present = label.notna().to_numpy()
        codes, uniques = pd.factorize(S.hashable(label[present]))
        if not 2 <= len(uniques) <= 20:
            return
        y = codes == np.bincount(codes).argmax()
        if min(y.sum(), (~y).sum()) < LEAK_MIN_CLASS:
            return
        self.present, self.y, self.label_codes = present, ~y, codes
        self.folds = rng.permutation(len(y)) % LEAK_FOLDS

    def _numbers(self, series: pd.Series) -> np.ndarray:
        part = series.iloc[self.rows]
        kind = S.column_kind(part)
        if kind in ("numeric", "bool"):
            return S.as_float(part)
        codes = S.codes_of(part, kind).astype(float)
        codes[codes < 0] = np.nan
        return codes


def _check_leak(part: pd.Series, kind: str, ctx: _Context,
                codes: np.ndarray) -> tuple[float, str] | None:
    """(AUC, basis) when ``part`` (the sampled rows, ``codes`` on those with a label) leaks
    the label, else None."""
    if ctx.y is None:
        return None
    y, present = ctx.y, ctx.present
    miss = codes < 0
    auc_missing = S.two_sided(S.rank_auc(miss.astype(float), y)) if 0 < miss.sum() < len(y) \
        else float("nan")
    auc = S.oof_target_auc(codes, y, ctx.folds)
    if kind in ("numeric", "bool") and (~miss).sum() >= 2 * LEAK_MIN_CLASS:
        auc = np.nanmax([auc, S.two_sided(S.rank_auc(S.as_float(part)[present][~miss],
                                                     y[~miss]))])
    n_codes = len(np.unique(codes[~miss]))
    if (n_codes >= 2 and (~miss).sum() >= 2 * n_codes
            and min(y[~miss].sum(), (~y[~miss]).sum()) >= LEAK_MIN_CLASS
            and S.is_function_of(codes, ctx.label_codes)):
        return 1.0, "function"
    if auc >= LEAK_AUC and not auc_missing > auc:
        return float(auc), "values"
    if auc_missing >= LEAK_AUC:
        return float(auc_missing), "missingness"
    return None


def _state_text(values: pd.Series, state: np.ndarray) -> str:
    """The one state of ``values`` on the rows of ``state``, as text ("" for missing)."""
    held = values[state].dropna()
    return "" if held.empty else str(held.mode().iloc[0])


def _implied_leak(part: pd.Series, kind: str, ctx: _Context) -> dict[str, Any] | None:
    """The fields of an implied leak when a state of ``part`` covering enough rows goes with
    one state of a leak column (it is filled in only where the outcome happened, say)."""
    if not ctx.leaks:
        return None
    part = part[ctx.present]
    codes = S.codes_of(part, kind)
    n = len(codes)
    states = [(codes >= 0, None)] if 0 < (codes < 0).sum() < n else []
    values, counts = np.unique(codes[codes >= 0], return_counts=True)
    if kind not in ("numeric", "bool") or len(values) < S.NUMERIC_BINS:  # no quantile bins
        states += [(codes == v, v) for v, k in zip(values, counts, strict=True) if k < n]
    for name, leak, leak_values in ctx.leaks:
        overall = np.bincount(leak + 1).max() / n
        if overall >= LEAK_IMPLIED_MAX_SHARE:
            continue
        # A state this large is pure by chance with a probability under 1e-6.
        least = max(LEAK_IMPLIED_MIN_SHARE * n, LEAK_IMPLIED_MIN_ROWS,
                    np.log(1e-6) / np.log(overall))
        for state, value in states:
            if state.sum() < least:
                continue
            share = np.bincount(leak[state] + 1).max() / state.sum()
            if share >= LEAK_IMPLIED_PURITY:
                return {"detail": float(share), "against": name,
                        "state": None if value is None else _state_text(part, state),
                        "against_state": _state_text(leak_values, state)}
    return None


def _check_copy(part: pd.Series, name: str, kind: str,
                refs: list[tuple[str, np.ndarray]], others: dict[str, np.ndarray],
                ) -> tuple[float, str, str] | None:
    """(detail, basis, reference) when ``part`` copies, bins or is another model's score."""
    codes = S.codes_of(part, kind)
    x = S.as_float(part) if kind in ("numeric", "bool") else None
    few = 2 <= len(np.unique(codes[codes >= 0])) <= min(S.NUMERIC_BINS - 1, HIGH_CARDINALITY)
    for ref_name, ref in [*refs, *others.items()]:
        if ref_name == name:
            continue
        rho = S.spearman(x, ref) if x is not None else float("nan")
        if abs(rho) >= SCORE_COPY_RHO:
            return abs(rho), "rank", ref_name
        if few and S.is_binning(codes, ref):
            return 1.0, "binning", ref_name
    if x is not None and _named_like_score(name):
        for ref_name, ref in refs:
            rho = S.spearman(x, ref)
            if abs(rho) >= OTHER_SCORE_RHO:
                return abs(rho), "other_model", ref_name
    return None


def _other_scores(frame: pd.DataFrame, names: list[str], roles: dict[str, str],
                  ctx: _Context) -> dict[str, np.ndarray]:
    """Other models' scores: numeric columns named like a score that follow a score or
    prediction of the mapping (|rho| >= OTHER_SCORE_RHO); their binnings are copies too."""
    out: dict[str, np.ndarray] = {}
    for i, c in enumerate(names):
        if c in roles or not _named_like_score(c) or S.column_kind(frame.iloc[:, i]) != "numeric":
            continue
        values = ctx._numbers(frame.iloc[:, i])
        if any(abs(S.spearman(values, ref)) >= OTHER_SCORE_RHO for _, ref in ctx.refs):
            out[c] = values
    return out


def _screen_one(series: pd.Series, name: str, n: int, ctx: _Context,
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
        if _named_like_id(name) and ratio >= ID_NAMED_RATIO and kind != "bool":
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
    leak = _check_leak(part, kind, ctx, codes) if codes is not None else None
    if leak is not None and codes is not None:
        ctx.leaks.append((name, codes, part[ctx.present]))
        return out("label_leak", leak[0], leak[1])
    copy = _check_copy(part, name, kind, ctx.refs, others)
    if copy is not None:
        return out("score_copy", copy[0], copy[1], copy[2])
    return ColumnScreen(name, dtype, "feature")


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
    ctx = _Context(frame, spec, seed)
    others = _other_scores(frame, names, roles, ctx)
    columns: list[ColumnScreen | None] = []
    for i, name in enumerate(names):
        series = frame.iloc[:, i]
        if name in roles:
            columns.append(ColumnScreen(name, str(series.dtype), roles[name]))
        else:
            columns.append(_screen_one(series, name, len(frame), ctx, others))
    for i, c in enumerate(columns):  # second pass: filled in only with the outcome
        if c is not None and c.role == "feature":
            implied = _implied_leak(frame.iloc[ctx.rows, i], S.column_kind(frame.iloc[:, i]),
                                    ctx)
            if implied is not None:
                columns[i] = dataclasses.replace(c, role="excluded", reason="label_leak",
                                                 basis="implied", **implied)
    screens = [c for c in columns if c is not None]
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

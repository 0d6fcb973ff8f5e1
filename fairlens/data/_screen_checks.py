"""The checks of the column screening that need more than one column: the label leaks
(cross-fitted AUC, missingness, a function of the label, association with a leak) and the
score copies, against a :class:`Context` holding the row sample, the label and the scores."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import _column_stats as S
from fairlens.data._screen_limits import (
    HIGH_CARDINALITY,
    LEAK_AUC,
    LEAK_FOLDS,
    LEAK_IMPLIED_MAX_SHARE,
    LEAK_IMPLIED_MIN_ROWS,
    LEAK_IMPLIED_MIN_SHARE,
    LEAK_IMPLIED_PURITY,
    LEAK_MIN_CLASS,
    OTHER_SCORE_RHO,
    SAMPLE_ROWS,
    SCORE_COPY_RHO,
)
from fairlens.data._spec import AuditSpec, _norm

_ID_WORDS = {"id", "uuid", "guid", "key", "index", "idx", "name", "first", "last", "surname",
             "first_name", "last_name", "firstname", "lastname", "full_name", "fullname",
             "given_name", "family_name", "email", "phone", "ssn", "address"}
_ID_SUFFIXES = ("_id", "_name", "_number", "_no", "_key", "_uuid", "_email")
_SCORE_WORDS = ("score", "decile", "proba", "prob")


def named_like_id(name: str) -> bool:
    """Named like an identifier or a person's name: ``id``, ``*_id``, ``name``, ``first``,
    ``*_number``, ``Unnamed: 0`` ..."""
    n = _norm(name)
    return (n in _ID_WORDS or n.endswith(_ID_SUFFIXES) or n.startswith(("id_", "unnamed")))


def named_like_score(name: str) -> bool:
    """Named like a model's score: a word ``score``, ``decile``, ``prob`` or ``proba``."""
    return any(w in _norm(name).split("_") for w in _SCORE_WORDS)


class Context:
    """What every column is checked against: the row sample, the label and the scores."""

    def __init__(self, frame: pd.DataFrame, spec: AuditSpec, seed: int) -> None:
        n = len(frame)
        rng = np.random.default_rng(seed)
        self.rows = np.sort(rng.choice(n, SAMPLE_ROWS, replace=False)) if n > SAMPLE_ROWS \
            else np.arange(n)
        self.y: np.ndarray | None = None  # the minority label class, on the rows with a label
        self.present = np.zeros(len(self.rows), dtype=bool)  # sampled rows with a label
        self.label_codes: np.ndarray | None = None
        self.folds = np.zeros(0, dtype=np.int64)
        names = list(frame.columns)
        if spec.label in names:
            self._label(frame.iloc[self.rows, names.index(spec.label)], rng)
        self.refs: list[tuple[str, np.ndarray]] = []
        for c in [*spec.score, *spec.pred, *spec.metric]:
            if c in names:
                self.refs.append((c, self.numbers(frame.iloc[:, names.index(c)])))
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

    def numbers(self, series: pd.Series) -> np.ndarray:
        """A column on the sampled rows as numbers (text as codes; missing as NaN)."""
        part = series.iloc[self.rows]
        kind = S.column_kind(part)
        if kind in ("numeric", "bool"):
            return S.as_float(part)
        codes = S.codes_of(part, kind).astype(float)
        codes[codes < 0] = np.nan
        return codes


def check_leak(part: pd.Series, kind: str, ctx: Context,
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


def state_text(values: pd.Series, state: np.ndarray) -> str:
    """The one state of ``values`` on the rows of ``state``, as text ("" for missing)."""
    held = values[state].dropna()
    return "" if held.empty else str(held.mode().iloc[0])


def implied_leak(part: pd.Series, kind: str, ctx: Context) -> dict[str, Any] | None:
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
                        "state": None if value is None else state_text(part, state),
                        "against_state": state_text(leak_values, state)}
    return None


def check_copy(part: pd.Series, name: str, kind: str,
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
    if x is not None and named_like_score(name):
        for ref_name, ref in refs:
            rho = S.spearman(x, ref)
            if abs(rho) >= OTHER_SCORE_RHO:
                return abs(rho), "other_model", ref_name
    return None


def other_scores(frame: pd.DataFrame, names: list[str], roles: dict[str, str],
                  ctx: Context) -> dict[str, np.ndarray]:
    """Other models' scores: numeric columns named like a score that follow a score or
    prediction of the mapping (|rho| >= OTHER_SCORE_RHO); their binnings are copies too."""
    out: dict[str, np.ndarray] = {}
    for i, c in enumerate(names):
        if c in roles or not named_like_score(c) or S.column_kind(frame.iloc[:, i]) != "numeric":
            continue
        values = ctx.numbers(frame.iloc[:, i])
        if any(abs(S.spearman(values, ref)) >= OTHER_SCORE_RHO for _, ref in ctx.refs):
            out[c] = values
    return out

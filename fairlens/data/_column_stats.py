"""The per-column statistics behind the column screening (:mod:`fairlens.data._screening`).

Each function reads one column (a :class:`pandas.Series`, or its codes on the screening's row
sample) and returns a number: a share, a rank AUC, a correlation. None of them decides; the
thresholds that turn the numbers into reasons live in :mod:`fairlens.data._screening`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.stats import rankdata

#: A value that looks like a date or a timestamp: 2013-08-14, 2013-08-14 06:03:42,
#: 2013/08/14, 08/14/2013, 14.08.2013, 2013-08-14T06:03:42Z.
DATE_PATTERN = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[AaPp][Mm]|[+-]\d{2}:?\d{2})?)?\s*$")

#: Quantile bins of a many-valued numeric column in the out-of-fold target encoding.
NUMERIC_BINS = 32


def column_kind(series: pd.Series) -> str:
    """``"empty"``, ``"bool"``, ``"datetime"``, ``"numeric"`` or ``"text"`` (strings,
    categories and anything else)."""
    if not series.notna().any():
        return "empty"
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "text"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "numeric"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "numeric"
    return "text"


def as_float(series: pd.Series) -> np.ndarray:
    """A numeric, bool or timedelta column as floats (missing as NaN)."""
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return series.dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").astype(float).to_numpy(
        dtype=float, na_value=np.nan)


def hashable(series: pd.Series) -> pd.Series:
    """``series``, or its values as text when they cannot be hashed (lists, dicts)."""
    try:
        series.head(50).nunique()
        pd.factorize(series.head(50))
    except TypeError:
        return series.map(lambda v: v if v is None or v is pd.NA else str(v), na_action="ignore")
    return series


def distinct_count(series: pd.Series) -> int:
    """Number of distinct non-missing values."""
    try:
        return int(series.nunique(dropna=True))
    except TypeError:
        return int(hashable(series).nunique(dropna=True))


def text_sample(series: pd.Series, size: int, seed: int) -> pd.Series:
    """Up to ``size`` non-missing values of ``series`` as strings (a fixed-seed sample)."""
    values = series.dropna()
    if len(values) > size:
        values = values.sample(size, random_state=seed)
    return values.astype(str)


def date_share(series: pd.Series, *, size: int = 200, seed: int = 0) -> float:
    """Share of a sample of the non-missing values that read as dates or timestamps."""
    values = text_sample(series, size, seed)
    if values.empty:
        return 0.0
    looks = values[[DATE_PATTERN.match(v) is not None for v in values.tolist()]]
    if len(looks) < 0.5 * len(values):
        return len(looks) / len(values)
    try:
        parsed = pd.to_datetime(looks, errors="coerce", format="ISO8601")
    except (ValueError, TypeError):
        parsed = pd.Series(pd.NaT, index=looks.index)
    if parsed.notna().mean() < 0.9:
        parsed = pd.to_datetime(looks, errors="coerce", format="mixed")
    return float(parsed.notna().sum() / len(values))


def mean_words(series: pd.Series, *, size: int = 500, seed: int = 0) -> float:
    """Mean number of whitespace-separated words in a sample of the non-missing values."""
    values = text_sample(series, size, seed)
    return float(np.mean([len(v.split()) for v in values.tolist()])) if len(values) else 0.0


def is_sequential(values: np.ndarray) -> bool:
    """Whole numbers in row order (rising or falling), or filling a range without gaps."""
    v = values[~np.isnan(values)]
    if len(v) < 2 or not np.all(v == np.round(v)):
        return False
    d = np.diff(v)
    if np.all(d >= 0) or np.all(d <= 0):
        return True
    span = v.max() - v.min() + 1
    return bool(span <= 1.1 * len(np.unique(v)))


def codes_of(series: pd.Series, kind: str) -> np.ndarray:
    """Integer codes of a column for the target encoding: its values, or the quantile bins
    of a many-valued numeric one; missing values share the code -1."""
    if kind in ("numeric", "bool"):
        x = as_float(series)
        ok = ~np.isnan(x)
        codes = np.full(len(x), -1, dtype=np.int64)
        if not ok.any():
            return codes
        uniq = np.unique(x[ok])
        if len(uniq) <= NUMERIC_BINS:
            codes[ok] = np.searchsorted(uniq, x[ok])
        else:
            ranks = rankdata(x[ok], method="average") / ok.sum()
            codes[ok] = np.minimum((ranks * NUMERIC_BINS).astype(np.int64), NUMERIC_BINS - 1)
        return codes
    codes, _ = pd.factorize(hashable(series), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def rank_auc(score: np.ndarray, y: np.ndarray) -> float:
    """The ROC AUC of ``score`` for the boolean ``y`` (ties count half); NaN without both
    classes."""
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(score, method="average")
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def two_sided(auc: float) -> float:
    """An AUC read in either direction: ``max(auc, 1 - auc)`` (NaN stays NaN)."""
    return auc if np.isnan(auc) else max(auc, 1.0 - auc)


def oof_target_auc(codes: np.ndarray, y: np.ndarray, folds: np.ndarray,
                   smoothing: float = 5.0) -> float:
    """Two-sided AUC of the out-of-fold target encoding of ``codes``.

    Each row is scored with the smoothed positive rate of its code among the rows of the
    other folds (the overall rate for a code those rows lack), so a near-unique column
    does not look predictive by chance.
    """
    shifted = codes + 1  # missing (-1) becomes a code of its own
    size = int(shifted.max()) + 1 if len(shifted) else 1
    encoded = np.empty(len(y), dtype=float)
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        prior = y[train].mean() if train.any() else 0.5
        n = np.bincount(shifted[train], minlength=size).astype(float)
        pos = np.bincount(shifted[train], weights=y[train].astype(float), minlength=size)
        rate = (pos + smoothing * prior) / (n + smoothing)
        encoded[test] = rate[shifted[test]]
    return two_sided(rank_auc(encoded, y))


def is_function_of(codes: np.ndarray, target: np.ndarray) -> bool:
    """Each code (missing excluded) goes with one value of ``target`` only."""
    ok = codes >= 0
    if not ok.any():
        return False
    t = pd.factorize(np.asarray(target)[ok])[0].astype(np.int64)
    pairs = np.unique(codes[ok] * (int(t.max()) + 1) + t)
    return bool(len(pairs) == len(np.unique(codes[ok])))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation on the rows where both are present; NaN when either is
    constant there."""
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3:
        return float("nan")
    ra, rb = rankdata(a[ok]), rankdata(b[ok])
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def is_binning(codes: np.ndarray, values: np.ndarray, *, min_rows: int = 5) -> bool:
    """The codes cut ``values`` into ranges that do not overlap: each code covers one
    interval of ``values`` (e.g. "Low" / "Medium" / "High" of a risk decile).

    Needs at least two codes and ``min_rows`` rows per code on average, so that a
    near-unique column does not pass by chance.
    """
    ok = (codes >= 0) & ~np.isnan(values)
    c, v = codes[ok], values[ok]
    uniq, c = np.unique(c, return_inverse=True)
    if len(uniq) < 2 or len(c) < min_rows * len(uniq):
        return False
    lows = np.full(len(uniq), np.inf)
    highs = np.full(len(uniq), -np.inf)
    np.minimum.at(lows, c, v)
    np.maximum.at(highs, c, v)
    order = np.lexsort((highs, lows))
    return bool(np.all(lows[order][1:] > highs[order][:-1]))

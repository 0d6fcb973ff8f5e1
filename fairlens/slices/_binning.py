"""Encoding of features as integer codes and of slice predicates as ranges of codes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairlens.data import FairLensInputError

MISSING = "(missing)"
OTHER = "(other)"
RARE = "(rare)"
MSG_FEATURE = "Feature column {name!r} is not in the data; available columns: {cols}."
MSG_BINS = "n_bins must be an integer of at least 2; got {value!r}."
MAX_CATEGORIES = 50


@dataclass(frozen=True)
class Encoded:
    """Features as integer codes, and the candidate predicates as code ranges.

    Attributes
    ----------
    codes : ndarray of shape (n, F)
        Code of each row for each feature (row-major, for gathering rows).
    n_codes : ndarray of int
        Number of codes of each feature (bins or categories, plus one for missing values).
    names : list of str
        Feature names.
    numeric : list of bool
        Whether each feature was binned.
    edges : list of ndarray
        Readable bin edges of numeric features (empty for categorical ones); code ``k`` of a
        numeric feature means ``edges[k-1] <= x < edges[k]``.
    labels : list of list
        Category of each code of categorical features (the last is the missing code).
    pred_feature, pred_lo, pred_hi : ndarray of int
        Predicate ``p`` holds for rows whose code of feature ``pred_feature[p]`` lies in
        ``[pred_lo[p], pred_hi[p])``.
    n_rare : int
        Categories left without a predicate because fewer than ``min_count`` rows hold them
        (they share one code, :data:`RARE`, that no slice is described by).
    """

    codes: np.ndarray
    n_codes: np.ndarray
    names: list[str]
    numeric: list[bool]
    edges: list[np.ndarray]
    labels: list[list[Any]]
    pred_feature: np.ndarray
    pred_lo: np.ndarray
    pred_hi: np.ndarray
    n_rare: int = 0

    def condition(self, p: int) -> dict[str, Any]:
        """Predicate ``p`` as a machine-readable condition ``{feature, op, value}``."""
        f, lo, hi = int(self.pred_feature[p]), int(self.pred_lo[p]), int(self.pred_hi[p])
        name = self.names[f]
        missing_code = int(self.n_codes[f]) - 1
        if lo == missing_code:
            return {"feature": name, "op": "==", "value": None}
        if not self.numeric[f]:
            return {"feature": name, "op": "==", "value": _plain(self.labels[f][lo])}
        e = self.edges[f]
        n_bins = len(e) + 1
        if lo == 0:
            return {"feature": name, "op": "<", "value": _plain(e[hi - 1])}
        if hi == n_bins:
            return {"feature": name, "op": ">=", "value": _plain(e[lo - 1])}
        return {"feature": name, "op": "between", "value": [_plain(e[lo - 1]), _plain(e[hi - 1])]}


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _roundest(value: float, lo: float, hi: float) -> float:
    """The roundest number in ``[lo, hi]`` (1-2-5 steps), the closest to ``value`` among ties."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return value
    top = 10.0 ** (math.floor(math.log10(max(abs(lo), abs(hi), 1e-12))) + 1)
    step = top
    for _ in range(40):
        for mult in (1.0, 0.5, 0.2):
            s = step * mult
            first = math.ceil(lo / s) * s
            if first <= hi:
                k = round(value / s) * s
                k = min(max(k, first), math.floor(hi / s) * s)
                return float(round(k, 12))
        step /= 10
    return value


def readable_edges(x: np.ndarray, n_bins: int) -> np.ndarray:
    """Quantile bin edges, each moved to the roundest number within half the gap to its neighbours.

    Parameters
    ----------
    x : ndarray
        Finite values of one numeric feature.
    n_bins : int
        Number of quantile bins wanted (fewer when values repeat).

    Returns
    -------
    ndarray
        Sorted distinct inner edges (at most ``n_bins - 1``), each above the minimum.
    """
    if len(x) == 0:
        return np.empty(0)
    q = np.quantile(x, quantile_levels(n_bins))

    def next_above(low: float) -> float | None:
        above = x[x > low]
        return above.min() if len(above) else None

    return edges_from_quantiles(q, next_above)


def quantile_levels(n_bins: int) -> np.ndarray:
    """The quantile levels of :func:`readable_edges`: ``0, 1/n_bins, ..., 1``."""
    return np.linspace(0, 1, n_bins + 1)


def edges_from_quantiles(q: np.ndarray, next_above: Any) -> np.ndarray:
    """The readable inner edges of :func:`readable_edges` from the quantiles ``q`` (at
    :func:`quantile_levels`) of the values; ``next_above(v)`` is the smallest value above
    ``v`` (or None). An engine that counts values instead of holding them gives the same
    edges from its own (bit-equal) quantiles."""
    q = np.unique(q)
    if len(q) < 2:
        return np.empty(0)
    inner = q[1:-1] if len(q) > 2 else np.empty(0)
    if len(inner) == 0:
        # the quantiles sit on two values only (a count that is mostly 0, say): split just
        # above the most common low value, "x < next value" against "x >= next value"
        above = next_above(q[0])
        return np.array([above]) if above is not None else np.empty(0)
    out = []
    for k, v in enumerate(inner):
        half = min(v - q[k], q[k + 2] - v) / 2
        out.append(_roundest(float(v), v - half, v + half))
    edges = np.unique(np.asarray(out))
    return edges[edges > q[0]]


def numeric_ranges(n_bins: int, numeric_predicates: str) -> list[tuple[int, int]]:
    """Code ranges ``[lo, hi)`` of the predicates on a feature cut into ``n_bins`` bins."""
    ranges: list[tuple[int, int]] = []
    if numeric_predicates in ("bins", "both"):
        ranges += [(b, b + 1) for b in range(n_bins)]
    if numeric_predicates in ("thresholds", "both"):
        ranges += [(0, b) for b in range(1, n_bins)] + [(b, n_bins) for b in range(1, n_bins)]
    return sorted(set(ranges))


def categorical_plan(cats: list[Any], counts: np.ndarray, min_count: int
                     ) -> tuple[np.ndarray, list[Any], int]:
    """Codes of the sorted categories ``cats`` held by ``counts`` rows: the 50 most common
    kept (the others merged into :data:`OTHER`), then those below ``min_count`` merged into
    :data:`RARE` (see :func:`encode`). Returns the code of each category, the categories of
    the codes and how many were merged as rare."""
    counts = np.asarray(counts, dtype=np.int64)
    remap = np.arange(len(cats))
    if len(cats) > MAX_CATEGORIES:
        keep = np.argsort(-counts, kind="stable")[: MAX_CATEGORIES - 1]
        remap = np.full(len(cats), MAX_CATEGORIES - 1)
        remap[keep] = np.arange(len(keep))
        cats = [cats[i] for i in keep] + [OTHER]
        counts = np.bincount(remap, weights=counts, minlength=len(cats)).astype(np.int64)
    rare = counts < max(int(min_count), 1)
    if not rare.any():
        return remap, list(cats), 0
    kept = np.flatnonzero(~rare)
    second = np.full(len(cats), len(kept))
    second[kept] = np.arange(len(kept))
    return second[remap], [cats[i] for i in kept] + [RARE], int(rare.sum())


def _more_distinct_than(s: pd.Series, k: int) -> bool:
    """Whether ``s`` has more than ``k`` distinct non-missing values (a sample decides first)."""
    if len(s) > 20_000 and s.iloc[:: len(s) // 10_000].nunique(dropna=True) > k:
        return True
    return s.nunique(dropna=True) > k


def _factorize(s: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 for missing) and sorted categories of ``s``; mixed types sort by their text."""
    try:
        code, uniques = pd.factorize(s, sort=True, use_na_sentinel=True)
    except TypeError:
        code, uniques = pd.factorize(s.astype("object").where(s.notna(), None).map(
            lambda v: v if v is None else str(v)), sort=True, use_na_sentinel=True)
    return np.asarray(code, dtype=np.int64), [_plain(u) for u in uniques]


def encode(
    frame: pd.DataFrame,
    features: list[str],
    *,
    n_bins: int = 5,
    numeric_predicates: Literal["bins", "thresholds", "both"] = "both",
    min_count: int = 1,
) -> Encoded:
    """Encode ``features`` of ``frame`` as codes and list the candidate predicates.

    Numeric features (more than ``n_bins`` distinct values) are cut at :func:`readable_edges`;
    other features are categorical (at most 50 categories, the rarest merged into
    ``"(other)"``). Missing values get their own code and an ``== missing`` predicate.

    ``numeric_predicates`` chooses the predicates on binned features: ``"bins"`` one per bin
    (as SliceLine does), ``"thresholds"`` ``x < edge`` and ``x >= edge`` for every edge, and
    ``"both"`` the union (without duplicates).

    ``min_count`` (the search's minimum support): categories held by fewer rows can be in no
    slice, so they get no predicate and share one code (:data:`RARE`); the search is the same,
    on smaller count tables. A feature's predicates are thus at most ``n_rows / min_count``
    categories, 50 at most, or ``2 n_bins`` ranges of bins, plus one for missing values.
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise FairLensInputError(MSG_BINS.format(value=n_bins))
    cols, n_codes, numeric, edges, labels = [], [], [], [], []
    pf, plo, phi = [], [], []
    n_rare = 0
    for f, name in enumerate(features):
        if name not in frame.columns:
            raise FairLensInputError(MSG_FEATURE.format(name=name, cols=list(frame.columns)))
        s = frame[name]
        is_num = (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
                  and _more_distinct_than(s, n_bins))
        if is_num:
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            ok = np.isfinite(v)
            e = readable_edges(v[ok], n_bins)
            code = np.searchsorted(e, np.where(ok, v, 0.0), side="right")
            nb = len(e) + 1
            code = np.where(ok, code, nb)
            k = nb + 1
            edges.append(e)
            labels.append([])
            ranges = numeric_ranges(nb, numeric_predicates)
            has_missing = not ok.all()
        else:
            code, uniques = _factorize(s)
            cats = list(uniques)
            counts = np.bincount(code[code >= 0], minlength=len(cats))
            remap, cats, rare = categorical_plan(cats, counts, min_count)
            if len(remap):
                code = np.where(code >= 0, remap[np.maximum(code, 0)], -1)
            n_rare += rare
            nb = len(cats)
            code = np.where(code >= 0, code, nb)
            k = nb + 1
            edges.append(np.empty(0))
            labels.append([*cats, MISSING])
            ranges = [(b, b + 1) for b in range(nb - (1 if rare else 0))]
            has_missing = bool((code == nb).any())
        if has_missing:
            ranges.append((k - 1, k))
        for lo, hi in ranges:
            pf.append(f)
            plo.append(lo)
            phi.append(hi)
        cols.append(code)
        n_codes.append(k)
        numeric.append(bool(is_num))
    dtype = np.uint8 if max(n_codes, default=1) <= 255 else np.uint16
    codes = np.empty((len(frame), len(features)), dtype=dtype)
    for f, c in enumerate(cols):
        codes[:, f] = c
    return Encoded(codes=codes, n_codes=np.asarray(n_codes, dtype=np.int64), names=list(features),
                   numeric=numeric, edges=edges, labels=labels,
                   pred_feature=np.asarray(pf, dtype=np.int64),
                   pred_lo=np.asarray(plo, dtype=np.int64),
                   pred_hi=np.asarray(phi, dtype=np.int64), n_rare=n_rare)


def bin_labels(enc: Encoded, f: int) -> list[str]:
    """Readable label of every code of feature ``f`` (``"< 25"``, ``"25 to < 30"``, ``">= 50"``)."""
    if not enc.numeric[f]:
        return [str(v) for v in enc.labels[f]]
    e = [f"{_plain(v):g}" if isinstance(_plain(v), float) else str(_plain(v)) for v in enc.edges[f]]
    if not e:
        return ["all", MISSING]
    inner = [f"{a} to < {b}" for a, b in zip(e[:-1], e[1:], strict=True)]
    return [f"< {e[0]}", *inner, f">= {e[-1]}", MISSING]


def bin_features(frame: pd.DataFrame, features: list[str], *, n_bins: int = 5) -> pd.DataFrame:
    """The features as readable categorical bins, as :func:`find_slices` sees them.

    Numeric features are cut at :func:`readable_edges`; categorical ones are kept (missing
    values become ``"(missing)"``). Handy for other slice finders (``sliceline``) and for
    heat maps.

    Returns
    -------
    DataFrame
        One string column per feature, same index as ``frame``.
    """
    enc = encode(frame, features, n_bins=n_bins, numeric_predicates="bins")
    out = {}
    for f, name in enumerate(enc.names):
        labels = np.asarray(bin_labels(enc, f), dtype=object)
        out[name] = labels[enc.codes[:, f]]
    return pd.DataFrame(out, index=frame.index)

"""Public slice discovery: error signal, search, significance, collapsing and descriptions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from fairlens._json import json_safe
from fairlens.data import FairLensInputError
from fairlens.metrics import benjamini_hochberg, wilson_interval
from fairlens.slices._binning import Encoded, encode
from fairlens.slices._search import search, slice_score

SCHEMA = "fairlens.slices/1"
ErrorKind = Literal["misclassification", "false_positive", "false_negative", "log_loss",
                    "one_minus"]
EPS = 1e-15
MSG_ERROR_KIND = "error must be one of {choices}; got {value!r}."
MSG_NEEDS = "error={kind!r} needs {what}; pass it (a column name of the data)."
MSG_ERRORS_SHAPE = "errors has {got} values but the data has {n} rows."
MSG_ERRORS_VALUES = "errors must be finite and non-negative (per-row loss or 0/1 flags)."
MSG_DEPTH = "max_depth must be an integer between 1 and 5; got {value!r}."
MSG_ALPHA = "alpha must be strictly between 0 and 1; got {value!r}."
MSG_TOPK = "top_k must be a positive integer; got {value!r}."
MSG_SUPPORT = ("min_support must be a positive integer (rows) or a fraction in (0, 1); "
               "got {value!r}.")
MSG_SIGNIFICANCE = "significance must be 'bh' or 'split'; got {value!r}."
MSG_NO_ERRORS = "The error signal is zero on every row; there are no errors to find slices of."
MSG_EMPTY = "The data has no rows."
ERROR_KINDS = ("misclassification", "false_positive", "false_negative", "log_loss", "one_minus")


def error_signal(
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    pred: str | None = None,
    score: str | None = None,
    error: ErrorKind = "misclassification",
    threshold: float = 0.5,
) -> np.ndarray:
    """Per-row error of a binary model, the quantity whose slices are searched.

    Parameters
    ----------
    frame : DataFrame
        The prediction file.
    label, pred, score : str, optional
        Columns of the true label (0/1), the decision (0/1) and the score (probability of 1).
        ``pred`` defaults to ``score >= threshold``.
    error : {"misclassification", "false_positive", "false_negative", "log_loss", "one_minus"}
        ``misclassification``: 1 where the decision differs from the label. ``false_positive``
        / ``false_negative``: 1 on the false positives / false negatives, 0 on every other row
        (so a slice's error rate is its share of false positives, over all its rows).
        ``log_loss``: the per-row log-loss of ``score``. ``one_minus``: ``1 - score`` where
        ``score`` is a per-sample quality in [0, 1] such as Dice or IoU (``label`` unused).
    threshold : float, default 0.5
        Decision threshold for ``score`` (``score >= threshold`` is positive).

    Returns
    -------
    ndarray of float64
    """
    if error not in ERROR_KINDS:
        raise FairLensInputError(MSG_ERROR_KIND.format(choices=list(ERROR_KINDS), value=error))
    if error == "one_minus":
        if score is None:
            raise FairLensInputError(
                MSG_NEEDS.format(kind=error, what="score (the per-sample Dice/IoU)"))
        return 1.0 - frame[score].to_numpy(dtype=np.float64)
    if label is None:
        raise FairLensInputError(MSG_NEEDS.format(kind=error, what="label"))
    y = frame[label].to_numpy(dtype=np.float64)
    if error == "log_loss":
        if score is None:
            raise FairLensInputError(MSG_NEEDS.format(kind=error, what="score"))
        p = np.clip(frame[score].to_numpy(dtype=np.float64), EPS, 1 - EPS)
        return -(y * np.log(p) + (1 - y) * np.log1p(-p))
    if pred is not None:
        yhat = frame[pred].to_numpy(dtype=np.float64)
    elif score is not None:
        yhat = (frame[score].to_numpy(dtype=np.float64) >= threshold).astype(np.float64)
    else:
        raise FairLensInputError(MSG_NEEDS.format(kind=error, what="pred or score"))
    if error == "misclassification":
        return (yhat != y).astype(np.float64)
    if error == "false_positive":
        return ((yhat == 1) & (y == 0)).astype(np.float64)
    return ((yhat == 0) & (y == 1)).astype(np.float64)


@dataclass
class Slice:
    """One reported slice.

    Attributes
    ----------
    conditions : list of dict
        ``{"feature", "op", "value"}`` with ``op`` one of ``==``, ``<``, ``>=``, ``between``
        (``value`` ``[low, high]``: ``low <= x < high``); ``==`` with ``None`` means missing.
    description : str
        The slice in plain language, with its error, size and main group.
    n : int
        Rows in the slice.
    error_rate : float
        Mean error in the slice (an error rate for 0/1 errors).
    ci : list of float
        95 % Wilson interval of the error rate (0/1 errors) or t interval of the mean error.
    lift : float
        ``error_rate`` divided by the overall mean error.
    score : float
        SliceLine score.
    p_value, q_value : float
        Two-sided p-value of the slice against the rest of the data (see
        :func:`find_slices`, ``significance``) and its Benjamini-Hochberg q-value.
    significant : bool
        ``q_value <= fdr`` and the slice errs more than the rest.
    composition : dict
        ``{attribute: {value: share of the slice's rows}}`` for each sensitive attribute.
    """

    conditions: list[dict[str, Any]]
    description: str
    n: int
    error_rate: float
    ci: list[float]
    lift: float
    score: float
    p_value: float
    q_value: float
    significant: bool
    composition: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class SliceResult:
    """Result of :func:`find_slices`; serialises to JSON (schema ``fairlens.slices/1``)."""

    slices: list[Slice]
    n: int
    overall_error: float
    error: str
    n_examined: int
    n_pruned: int
    n_collapsed: int
    significance: str
    fdr: float
    overall_composition: dict[str, dict[str, float]]
    warnings: list[str]
    params: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The slices as a table, one row per slice (conditions as their description)."""
        rows = [{k: v for k, v in asdict(s).items() if k not in ("conditions", "composition")}
                for s in self.slices]
        cols = ["description", "n", "error_rate", "ci", "lift", "score", "p_value",
                "q_value", "significant"]
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with ``schema``, ``slices`` and ``warnings``."""
        return {"schema": SCHEMA, "n": self.n, "overall_error": self.overall_error,
                "error": self.error, "n_examined": self.n_examined, "n_pruned": self.n_pruned,
                "n_collapsed": self.n_collapsed, "significance": self.significance,
                "fdr": self.fdr, "slices": [asdict(s) for s in self.slices],
                "overall_composition": self.overall_composition,
                "warnings": list(self.warnings), "params": dict(self.params)}

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (NaN written as ``null``)."""
        return json.dumps(json_safe(self.to_dict()), **kwargs)

    def mask(self, frame: pd.DataFrame, i: int) -> np.ndarray:
        """Boolean mask of the rows of slice ``i`` in ``frame``."""
        return slice_mask(frame, self.slices[i].conditions)


def slice_mask(frame: pd.DataFrame, conditions: list[dict[str, Any]]) -> np.ndarray:
    """Rows of ``frame`` that satisfy every condition (the JSON form of a slice).

    Parameters
    ----------
    frame : DataFrame
    conditions : list of dict
        ``{"feature", "op", "value"}`` with ``op`` in ``==``, ``in``, ``<``, ``<=``, ``>``,
        ``>=``, ``between`` (``[low, high]``, ``low <= x < high``); ``==`` ``None`` is missing.

    Returns
    -------
    ndarray of bool
    """
    mask = np.ones(len(frame), dtype=bool)
    for c in conditions:
        s = frame[c["feature"]]
        op, v = c["op"], c["value"]
        if op == "==" and v is None:
            m = s.isna().to_numpy()
        elif op == "==":
            m = (s.astype("object") == v).to_numpy() if not isinstance(v, int | float) else (
                (s == v).to_numpy())
            if not m.any() and not isinstance(v, str):
                m = (s.astype(str) == str(v)).to_numpy()
        elif op == "in":
            m = s.isin(list(v)).to_numpy()
        else:
            x = s.to_numpy(dtype=np.float64, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                if op == "<":
                    m = x < v
                elif op == "<=":
                    m = x <= v
                elif op == ">":
                    m = x > v
                elif op == ">=":
                    m = x >= v
                elif op == "between":
                    m = (x >= v[0]) & (x < v[1])
                else:
                    raise FairLensInputError(
                        f"Unknown condition op {op!r}; use one of ==, in, <, <=, >, >=, between.")
        mask &= np.asarray(m, dtype=bool)
    return mask


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def describe_conditions(conditions: list[dict[str, Any]]) -> str:
    """Conditions in words: ``"age under 25 and region is north"``."""
    parts = []
    for c in conditions:
        f, op, v = c["feature"], c["op"], c["value"]
        if op == "==" and v is None:
            parts.append(f"{f} is missing")
        elif op == "==":
            parts.append(f"{f} is {_fmt(v)}")
        elif op == "<":
            parts.append(f"{f} under {_fmt(v)}")
        elif op == ">=":
            parts.append(f"{f} at least {_fmt(v)}")
        elif op == "between":
            parts.append(f"{f} {_fmt(v[0])} to under {_fmt(v[1])}")
        else:
            parts.append(f"{f} {op} {_fmt(v)}")
    return " and ".join(parts)


def _p_values(size: np.ndarray, esum: np.ndarray, esq: np.ndarray, n: int, total: float,
              total_sq: float, binary: bool) -> np.ndarray:
    """Two-sided p-values of slice vs rest (exact binomial for 0/1 errors, else Welch)."""
    size = np.asarray(size, dtype=np.float64)
    rest_n = n - size
    rest_e = total - esum
    with np.errstate(invalid="ignore", divide="ignore"):
        if binary:
            # Exact binomial test of the slice's error count against the overall error rate
            # (under "no slice effect" the slice's errors are a sample without replacement of
            # all errors: hypergeometric, which the binomial bounds from above, so the test is
            # slightly conservative). Two-sided as twice the smaller tail. Exact for small
            # slices, where the z-test of :func:`fairlens.metrics.two_proportion_test` is
            # anti-conservative in the far tail that a search over thousands of slices reaches.
            p0 = total / n
            x = np.rint(esum)
            upper = np.where(x >= 1, special.betainc(np.maximum(x, 1), size - x + 1, p0), 1.0)
            lower = np.where(x < size, special.betainc(np.maximum(size - x, 1e-300), x + 1,
                                                       1 - p0), 1.0)
            p = np.minimum(1.0, 2 * np.minimum(upper, lower))
        else:
            m1, m2 = esum / size, rest_e / rest_n
            v1 = np.maximum(esq - size * m1**2, 0) / (size - 1)
            v2 = np.maximum((total_sq - esq) - rest_n * m2**2, 0) / (rest_n - 1)
            se2 = v1 / size + v2 / rest_n
            t = (m1 - m2) / np.sqrt(se2)
            dof = se2**2 / ((v1 / size) ** 2 / (size - 1) + (v2 / rest_n) ** 2 / (rest_n - 1))
            p = np.where(se2 > 0, 2 * stats.t.sf(np.abs(t), dof), 1.0)
    return np.where(rest_n > 0, p, np.nan)


def _check(max_depth: Any, alpha: Any, top_k: Any, significance: Any) -> None:
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or not 1 <= max_depth <= 5:
        raise FairLensInputError(MSG_DEPTH.format(value=max_depth))
    if not 0 < float(alpha) < 1:
        raise FairLensInputError(MSG_ALPHA.format(value=alpha))
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise FairLensInputError(MSG_TOPK.format(value=top_k))
    if significance not in ("bh", "split"):
        raise FairLensInputError(MSG_SIGNIFICANCE.format(value=significance))


def _support(min_support: Any, n: int) -> int:
    if min_support is None:
        return max(30, int(np.ceil(0.01 * n)))
    if isinstance(min_support, bool):
        raise FairLensInputError(MSG_SUPPORT.format(value=min_support))
    if isinstance(min_support, float) and 0 < min_support < 1:
        return max(1, int(np.ceil(min_support * n)))
    if isinstance(min_support, int | np.integer) and min_support >= 1:
        return int(min_support)
    raise FairLensInputError(MSG_SUPPORT.format(value=min_support))


def _pred_mask(enc: Encoded, preds: tuple[int, ...], rows: np.ndarray | None = None) -> np.ndarray:
    codes = enc.codes if rows is None else enc.codes[rows]
    m = np.ones(len(codes), dtype=bool)
    for p in preds:
        col = codes[:, enc.pred_feature[p]]
        m &= (col >= enc.pred_lo[p]) & (col < enc.pred_hi[p])
    return m


def find_slices(
    frame: pd.DataFrame,
    *,
    features: list[str],
    label: str | None = None,
    pred: str | None = None,
    score: str | None = None,
    errors: np.ndarray | None = None,
    error: ErrorKind = "misclassification",
    threshold: float = 0.5,
    sensitive: list[str] | None = None,
    max_depth: int = 3,
    min_support: int | float | None = None,
    top_k: int = 10,
    alpha: float = 0.98,
    n_bins: int = 5,
    numeric_predicates: Literal["bins", "thresholds", "both"] = "both",
    fdr: float = 0.05,
    significance: Literal["bh", "split"] = "bh",
    collapse: bool = True,
    seed: int = 0,
) -> SliceResult:
    """Find the data slices where the model errs most, with significance and descriptions.

    Parameters
    ----------
    frame : DataFrame
        One row per case.
    features : list of str
        Columns to slice on. Numeric columns with more than ``n_bins`` distinct values are cut
        at quantiles rounded to readable numbers; the others are categorical.
    label, pred, score, error, threshold
        Define the per-row error, see :func:`error_signal`; ignored when ``errors`` is given.
    errors : array-like, optional
        A per-row error signal of your own (0/1 flags such as label-issue flags, or a loss).
    sensitive : list of str, optional
        Sensitive attributes whose composition is reported for every slice.
    max_depth : int, default 3
        Most predicates in a slice (1 to 5).
    min_support : int or float, optional
        Fewest rows in a slice (an int), or a share of the rows (a float in (0, 1)). Default
        ``max(30, 1 % of the rows)``.
    top_k : int, default 10
        Slices reported (after collapsing redundant children).
    alpha : float, default 0.98
        SliceLine weight of error lift against size; higher values favour smaller slices with
        higher error. (SliceLine's score: ``alpha * (e_s / e - 1) - (1 - alpha) * (n/|s| - 1)``;
        only slices scoring above 0 are reported.)
    n_bins : int, default 5
        Quantile bins per numeric feature.
    numeric_predicates : {"both", "bins", "thresholds"}, default "both"
        Predicates on binned features: one per bin, ``x < edge`` / ``x >= edge``, or both.
    fdr : float, default 0.05
        False discovery rate for :attr:`Slice.significant` and the child-vs-parent tests.
    significance : {"bh", "split"}, default "bh"
        ``"bh"``: p-values on all the data, Benjamini-Hochberg adjusted over every slice
        examined by the search (all slices with enough support that were scored, not only the
        reported ones). For 0/1 errors the p-value is the exact two-sided binomial test of the
        slice's error count against the overall error rate (under "the slice is no worse than
        the rest" its errors are hypergeometric, which the binomial bounds, so the test is
        slightly conservative; the z-test is not used because it is anti-conservative in the far
        tail that a search over thousands of small slices reaches); for losses it is Welch's
        t-test of slice vs rest. ``"split"``: the search runs on a random half of the rows
        and the p-values come from the other half, adjusted over the reported slices; all other
        numbers are on all rows.
    collapse : bool, default True
        Replace redundant children by their parents (see Returns); ``False`` reports the raw
        top slices of the search.
    seed : int, default 0
        Seed of the random half for ``significance="split"``.

    Returns
    -------
    SliceResult
        Slices ranked by score. A slice whose error is not significantly above that of one of
        its parents (the slice with one condition fewer, tested against the parent's other rows
        at level ``fdr``) is replaced by that parent, and duplicates are dropped
        (:attr:`SliceResult.n_collapsed`).
    """
    _check(max_depth, alpha, top_k, significance)
    n = len(frame)
    if n == 0:
        raise FairLensInputError(MSG_EMPTY)
    if errors is None:
        e = error_signal(frame, label=label, pred=pred, score=score, error=error,
                         threshold=threshold)
        error_name = str(error)
    else:
        e = np.asarray(errors, dtype=np.float64).ravel()
        if len(e) != n:
            raise FairLensInputError(MSG_ERRORS_SHAPE.format(got=len(e), n=n))
        error_name = "custom"
    if not np.all(np.isfinite(e)) or (e < 0).any():
        raise FairLensInputError(MSG_ERRORS_VALUES)
    if e.sum() <= 0:
        raise FairLensInputError(MSG_NO_ERRORS)
    support = _support(min_support, n)
    binary = bool(np.all((e == 0) | (e == 1)))
    enc = encode(frame, list(features), n_bins=n_bins, numeric_predicates=numeric_predicates)
    k_search = max(3 * top_k, top_k + 20)
    warnings: list[str] = []

    if significance == "split":
        perm = np.random.default_rng(seed).permutation(n)
        half_a, half_b = np.sort(perm[: n // 2]), np.sort(perm[n // 2:])
        sub = Encoded(**{**enc.__dict__, "codes": enc.codes[half_a]})
        res = search(sub, e[half_a], max_depth=max_depth, min_support=max(1, support // 2),
                     alpha=alpha, k=k_search)
    else:
        res = search(enc, e, max_depth=max_depth, min_support=support, alpha=alpha, k=k_search)

    total, total_sq, mean_error = float(e.sum()), float((e * e).sum()), float(e.mean())
    if significance == "bh":
        p_all = _p_values(res.examined_size, res.examined_error_sum, res.examined_error_sq, n,
                          total, total_sq, binary)
        q_all = benjamini_hochberg(p_all)
        ok = ~np.isnan(p_all)
        order = np.argsort(p_all[ok])
        p_sorted, q_sorted = p_all[ok][order], q_all[ok][order]
    n_examined = len(res.examined_size)

    # collapse redundant children into their parents
    chosen: list[tuple[int, ...]] = []
    n_collapsed = 0
    for preds in res.preds:
        cur = tuple(preds)
        while collapse and len(cur) > 1:
            m_child = _pred_mask(enc, cur)
            worse = None
            for drop in range(len(cur)):
                parent = cur[:drop] + cur[drop + 1:]
                m_par = _pred_mask(enc, parent)
                rest = m_par & ~m_child
                x1, n1 = e[m_child].sum(), m_child.sum()
                x2, n2 = e[rest].sum(), rest.sum()
                if n2 == 0:
                    # the extra condition keeps every row of the parent: the child adds nothing
                    worse = (float("inf"), parent)
                    break
                if binary:
                    p = float(_p_values(np.array([n1], dtype=np.float64), np.array([x1]),
                                        np.array([x1]), int(n1 + n2), float(x1 + x2),
                                        float(x1 + x2), True)[0])
                else:
                    a, b = e[m_child], e[rest]
                    p = float(stats.ttest_ind(a, b, equal_var=False).pvalue) if (
                        n1 > 1 and n2 > 1) else 1.0
                if not (x1 / n1 > x2 / n2 and p < fdr):
                    par_sc = float(slice_score(np.array([m_par.sum()]), np.array([e[m_par].sum()]),
                                               n=n, mean_error=mean_error, alpha=alpha)[0])
                    if worse is None or par_sc > worse[0]:
                        worse = (par_sc, parent)
            if worse is None:
                break
            cur = worse[1]
        key = tuple(sorted(cur))
        if key in {tuple(sorted(c)) for c in chosen}:
            n_collapsed += 1
            continue
        if cur != tuple(preds):
            n_collapsed += 1
        chosen.append(cur)

    # statistics of the chosen slices, ranked by score, top_k kept
    rows = []
    for preds in chosen:
        m = _pred_mask(enc, preds)
        size = int(m.sum())
        esum = float(e[m].sum())
        sc = float(slice_score(np.array([size]), np.array([esum]), n=n, mean_error=mean_error,
                               alpha=alpha)[0])
        if sc <= 0:
            continue
        rows.append((sc, preds, m, size, esum, float((e[m] ** 2).sum())))
    rows.sort(key=lambda r: (-r[0], len(r[1]), r[1]))
    rows = rows[:top_k]

    if significance == "split" and rows:
        pb = []
        for _, preds, _m, _s, _e, _q in rows:
            mb = _pred_mask(enc, preds, half_b)
            eb = e[half_b]
            pb.append(_p_values(np.array([mb.sum()]), np.array([eb[mb].sum()]),
                                np.array([(eb[mb] ** 2).sum()]), len(half_b), float(eb.sum()),
                                float((eb**2).sum()), binary)[0])
        p_rep = np.asarray(pb, dtype=np.float64)
        q_rep = benjamini_hochberg(p_rep)
    elif rows:
        p_rep = _p_values(np.array([r[3] for r in rows], dtype=np.float64),
                          np.array([r[4] for r in rows]), np.array([r[5] for r in rows]), n,
                          total, total_sq, binary)
        idx = np.searchsorted(p_sorted, p_rep, side="right") - 1
        q_rep = np.where(idx >= 0, q_sorted[np.maximum(idx, 0)], np.nan)
        # a slice not among the examined ones (cannot happen for searched slices): own BH bound
        q_rep = np.where(np.isnan(q_rep), np.minimum(p_rep * max(n_examined, 1), 1.0), q_rep)
    else:
        p_rep = q_rep = np.empty(0)

    sens = list(sensitive or [])
    overall_comp = {a: _shares(frame[a]) for a in sens}
    slices: list[Slice] = []
    for i, (sc, preds, m, size, esum, esq) in enumerate(rows):
        rate = esum / size
        if binary:
            lo, hi = wilson_interval(np.array([esum]), np.array([size]))
            ci = [float(lo[0]), float(hi[0])]
        else:
            var = max(esq - size * rate**2, 0.0) / max(size - 1, 1)
            half = float(stats.t.ppf(0.975, max(size - 1, 1)) * np.sqrt(var / size))
            ci = [rate - half, rate + half]
        rest_rate = (total - esum) / (n - size) if n > size else float("nan")
        conditions = [enc.condition(p) for p in sorted(preds, key=lambda p: enc.pred_feature[p])]
        comp = {a: _shares(frame[a][m]) for a in sens}
        q = float(q_rep[i])
        slices.append(Slice(
            conditions=conditions,
            description=_describe(conditions, rate, mean_error, size, comp, overall_comp, binary),
            n=size, error_rate=rate, ci=ci, lift=rate / mean_error, score=sc,
            p_value=float(p_rep[i]), q_value=q,
            significant=bool(q <= fdr and rate > rest_rate), composition=comp))
    if not slices:
        warnings.append("No slice scores above 0: no slice has an error rate high enough for its "
                        "size (try a higher alpha or a smaller min_support).")
    params = dict(features=list(features), max_depth=max_depth, min_support=support, top_k=top_k,
                  alpha=alpha, n_bins=n_bins, numeric_predicates=numeric_predicates, fdr=fdr,
                  significance=significance, collapse=collapse, seed=seed, threshold=threshold)
    return SliceResult(slices=slices, n=n, overall_error=mean_error, error=error_name,
                       n_examined=n_examined, n_pruned=res.n_pruned, n_collapsed=n_collapsed,
                       significance=significance, fdr=fdr, overall_composition=overall_comp,
                       warnings=warnings, params=params)


def _shares(s: pd.Series) -> dict[str, float]:
    counts = s.astype("object").where(s.notna(), "(missing)").astype(str).value_counts()
    total = counts.sum()
    return {str(k): float(v / total) for k, v in counts.items()} if total else {}


def _describe(conditions, rate, mean_error, size, comp, overall_comp, binary) -> str:
    what = (f"error rate {rate:.0%} vs {mean_error:.0%} overall" if binary
            else f"mean error {rate:.3g} vs {mean_error:.3g} overall")
    text = f"{describe_conditions(conditions)}: {what}, {size:,} rows"
    best = None
    for attr, shares in comp.items():
        for value, share in shares.items():
            base = overall_comp[attr].get(value, 0.0)
            if base > 0 and share >= 0.1:
                ratio = share / base
                if best is None or ratio > best[0]:
                    best = (ratio, attr, value, share, base)
    if best is not None:
        _, attr, value, share, base = best
        text += f", {share:.0%} of them in {attr} group {value} ({base:.0%} overall)"
    return text

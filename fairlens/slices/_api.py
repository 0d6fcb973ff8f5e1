"""Slice discovery: the error signal, :func:`find_slices_spec` (search, significance,
collapsing, descriptions) and its column-keyword convenience :func:`find_slices`."""

from __future__ import annotations

import itertools
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from fairlens._validation import check_choice, check_int, check_interval
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError, frame_and_spec
from fairlens.data._features import leak_warnings
from fairlens.data._load import read_table
from fairlens.engine import EngineName
from fairlens.engine._source import resolve_engine
from fairlens.engine._spark import is_spark_frame
from fairlens.metrics import benjamini_hochberg, wilson_interval
from fairlens.slices._binning import MSG_BINS, Encoded, encode
from fairlens.slices._result import Slice, SliceResult
from fairlens.slices._search import MAX_LEVEL3_SLICES, Progress, search, slice_score
from fairlens.wording.slices import describe_slice

ErrorKind = Literal["misclassification", "false_positive", "false_negative", "log_loss",
                    "one_minus"]
EPS = 1e-15
MSG_ERROR_KIND = "error must be one of {choices}; got {value!r}."
MSG_NEEDS = "error={kind!r} needs {what}; pass it (a column name of the data)."
MSG_ERRORS_SHAPE = "errors has {got} values but the data has {n} rows."
MSG_ERRORS_VALUES = "errors must be finite and non-negative (per-row loss or 0/1 flags)."
MSG_SUPPORT = ("min_support must be a positive integer (rows) or a fraction in (0, 1); "
               "got {value!r}.")
MSG_NO_ERRORS = "The error signal is zero on every row; there are no errors to find slices of."
MSG_EMPTY = "The data has no rows."
MSG_ERRORS_COLUMN = "The error column {col!r} is not in the data."
MSG_ERRORS_ENGINE = ("On the DuckDB and Spark engines the rows stay in the engine: give errors "
                     "as the name of a column of per-row errors, not as an array.")
MSG_SPLIT_ENGINE = ("significance='split' draws a random half of the rows in memory; on the "
                    "{engine} engine use significance='bh'.")
MSG_CAPPED = ("The search was not exhaustive at three conditions: {capped:,} two-condition slices "
              "were not extended, to keep within {budget:,} slices (the most promising ones "
              "were). Choose fewer features or a larger minimum support for a complete search.")
ERROR_KINDS = ("misclassification", "false_positive", "false_negative", "log_loss", "one_minus")
SIGNIFICANCE = ("bh", "split")
MAX_DEPTH = 5
NumericPredicates = Literal["bins", "thresholds", "both"]


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
    # Its own message, not check_choice's: callers match "error must be one of".
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


def error_signal_spec(frame: pd.DataFrame, spec: AuditSpec, *,
                      options: AuditOptions | None = None,
                      error: ErrorKind = "misclassification") -> np.ndarray:
    """:func:`error_signal` of the model that ``spec`` maps.

    The decision is the first predicted-label column, else the first score at the threshold
    (``options.threshold``, else the spec's); ``error="one_minus"`` reads the first per-sample
    metric column (else the first score).
    """
    threshold = spec.threshold if options is None or options.threshold is None else \
        options.threshold
    score = spec.score[0] if spec.score else None
    if error == "one_minus" and spec.metric:
        score = spec.metric[0]
    return error_signal(frame, label=spec.label, pred=spec.pred[0] if spec.pred else None,
                        score=score, error=error, threshold=threshold)


def find_slices_spec(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    options: AuditOptions | None = None,
    features: list[str] | None = None,
    errors: np.ndarray | None = None,
    error: ErrorKind = "misclassification",
    max_depth: int = 3,
    min_support: int | float | None = None,
    top_k: int = 10,
    alpha: float = 0.98,
    n_bins: int = 5,
    numeric_predicates: NumericPredicates = "both",
    fdr: float = 0.05,
    significance: Literal["bh", "split"] = "bh",
    collapse: bool = True,
    progress: Progress | None = None,
    engine: EngineName | None = None,
) -> SliceResult:
    """Find the data slices where the model errs most, with significance and descriptions.

    Parameters
    ----------
    frame : DataFrame, Spark DataFrame, str or PathLike
        One row per case: a frame in memory, or (for the DuckDB and Spark engines) a
        Parquet/CSV path or glob, a ``duckdb:PATH?table=NAME`` URL, a Spark DataFrame or a
        table Spark can read.
    spec : AuditSpec
        The mapping: ``label``, ``score``/``pred`` and ``threshold`` define the per-row error
        (see :func:`error_signal_spec`), ``features`` are sliced on, and the composition of
        every slice is reported for each of ``sensitive``.
    options : AuditOptions, optional
        ``threshold`` (when set, replaces the spec's) and ``seed`` (of the random half for
        ``significance="split"``).
    features : list of str, optional
        Columns to slice on instead of ``spec.features``. Numeric columns with more than
        ``n_bins`` distinct values are cut at quantiles rounded to readable numbers; the
        others are categorical.
    errors : array-like or str, optional
        A per-row error signal of your own (0/1 flags such as label-issue flags, or a loss),
        or the name of the column that holds it; then ``error`` and the spec's prediction
        are not used. The DuckDB and Spark engines take a column name only.
    error : str, default "misclassification"
        The kind of error, see :func:`error_signal`.
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
    progress : callable, optional
        ``progress(done, total, message)`` while the search runs: ``total`` is ``max_depth``,
        ``done`` the levels searched, the message says the level and the slices examined so
        far (``"Level 2 of 3: 1,240 slices examined"``), then the tests and descriptions.
    engine : {"auto", "numpy", "duckdb", "spark"}, optional
        What counts the rows (default ``options.engine``): numpy on a frame in memory; DuckDB
        or Spark count the level-wise tables of the search (codes, pairs, triples of the
        surviving parents) with ``GROUP BY GROUPING SETS`` on the binned features where the
        rows are, with the same binning, so the slices and their numbers are the same (0/1
        errors exactly; losses to rounding). On these engines ``significance="split"`` and
        an error array are not available (they need the rows in memory), and the screening's
        leak sentences are not computed.

    Returns
    -------
    SliceResult
        Slices ranked by score. A slice whose error is not significantly above that of one of
        its parents (the slice with one condition fewer, tested against the parent's other rows
        at level ``fdr``) is replaced by that parent, and duplicates are dropped
        (:attr:`SliceResult.n_collapsed`).
    """
    options = AuditOptions.resolve(options)
    threshold = spec.threshold if options.threshold is None else options.threshold
    seed = options.seed
    features = list(spec.features if features is None else features)
    max_depth = check_int("max_depth", max_depth, low=1, high=MAX_DEPTH)
    check_interval("alpha", alpha, low=0.0, high=1.0, closed="neither")
    top_k = check_int("top_k", top_k, low=1)
    check_choice("significance", significance, SIGNIFICANCE)
    chosen = resolve_engine(frame, options.engine if engine is None else engine)
    if chosen in ("duckdb", "spark"):
        return _find_slices_sql(
            frame, spec, chosen, errors=errors, error=error, features=features,
            max_depth=max_depth, min_support=min_support, top_k=top_k, alpha=alpha,
            n_bins=n_bins, numeric_predicates=numeric_predicates, fdr=fdr,
            significance=significance, collapse=collapse, seed=seed, threshold=threshold,
            progress=progress)
    if not isinstance(frame, pd.DataFrame):
        frame = read_table(frame)
    n = len(frame)
    if n == 0:
        raise FairLensInputError(MSG_EMPTY)
    if isinstance(errors, str):
        if errors not in frame.columns:
            raise FairLensInputError(MSG_ERRORS_COLUMN.format(col=errors))
        e = frame[errors].to_numpy(dtype=np.float64, na_value=np.nan)
        error_name = "custom"
    elif errors is None:
        e = error_signal_spec(frame, spec, options=options, error=error)
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
    search_support = max(1, support // 2) if significance == "split" else support
    # the screening's leak / copy / identifier sentences need the label or the model's output
    mapped = spec.label or spec.score or spec.pred
    warnings: list[str] = leak_warnings(frame, spec, list(features)) if mapped else []
    if progress is not None:
        progress(0, max_depth, f"Encoding {len(features):,} features")
    enc = encode(frame, list(features), n_bins=n_bins, numeric_predicates=numeric_predicates,
                 min_count=search_support)
    k_search = max(3 * top_k, top_k + 20)

    if significance == "split":
        perm = np.random.default_rng(seed).permutation(n)
        half_a, half_b = np.sort(perm[: n // 2]), np.sort(perm[n // 2:])
        sub = Encoded(**{**enc.__dict__, "codes": enc.codes[half_a]})
        res = search(sub, e[half_a], max_depth=max_depth, min_support=search_support,
                     alpha=alpha, k=k_search, progress=progress)
    else:
        res = search(enc, e, max_depth=max_depth, min_support=support, alpha=alpha, k=k_search,
                     progress=progress)
    if progress is not None:
        progress(max_depth, max_depth, f"Testing and describing the top slices of "
                                       f"{len(res.examined_size):,} examined")
    if res.n_capped:
        warnings.append(MSG_CAPPED.format(capped=res.n_capped, budget=MAX_LEVEL3_SLICES))

    total, total_sq, mean_error = float(e.sum()), float((e * e).sum()), float(e.mean())

    def split_p(preds: tuple[int, ...]) -> float:
        mb = _pred_mask(enc, preds, half_b)
        eb = e[half_b]
        return _p_values(np.array([mb.sum()]), np.array([eb[mb].sum()]),
                         np.array([(eb[mb] ** 2).sum()]), len(half_b), float(eb.sum()),
                         float((eb**2).sum()), binary)[0]

    params = dict(features=list(features), max_depth=max_depth, min_support=support, top_k=top_k,
                  alpha=alpha, n_bins=n_bins, numeric_predicates=numeric_predicates, fdr=fdr,
                  significance=significance, collapse=collapse, seed=seed, threshold=threshold)
    return _report(res, _RowStats(enc, e, frame, list(spec.sensitive), binary), enc=enc, n=n,
                   total=total, total_sq=total_sq, mean_error=mean_error, binary=binary,
                   error_name=error_name, warnings=warnings, fdr=fdr, alpha=alpha, top_k=top_k,
                   collapse=collapse, significance=significance, split_p=split_p,
                   params=params)


class _RowStats:
    """Statistics of slices from the rows in memory (the numpy path)."""

    def __init__(self, enc: Encoded, e: np.ndarray, frame: pd.DataFrame,
                 sensitive: list[str], binary: bool) -> None:
        self.enc, self.e, self.frame, self.sensitive = enc, e, frame, sensitive
        self.binary = binary
        self._masks: dict[tuple[int, ...], np.ndarray] = {}

    def prepare(self, slices: list[tuple[int, ...]]) -> None:
        """Nothing to fetch: the masks are computed when asked for."""

    def mask(self, preds: tuple[int, ...]) -> np.ndarray:
        if preds not in self._masks:
            self._masks[preds] = _pred_mask(self.enc, preds)
        return self._masks[preds]

    def child_and_rest(self, child: tuple[int, ...], parent: tuple[int, ...]
                       ) -> tuple[float, float, float, float, float | None]:
        """Error sum and rows of the child and of the parent's other rows; Welch's p-value
        (losses) of child vs rest."""
        e = self.e
        m_child = self.mask(child)
        rest = self.mask(parent) & ~m_child
        x1, n1 = e[m_child].sum(), m_child.sum()
        x2, n2 = e[rest].sum(), rest.sum()
        if self.binary or n2 == 0:
            return x1, n1, x2, n2, None
        p = float(stats.ttest_ind(e[m_child], e[rest], equal_var=False).pvalue) if (
            n1 > 1 and n2 > 1) else 1.0
        return x1, n1, x2, n2, p

    def size_sum(self, preds: tuple[int, ...]) -> tuple[int, float, float]:
        m = self.mask(preds)
        return int(m.sum()), float(self.e[m].sum()), float((self.e[m] ** 2).sum())

    def compositions(self, slices: list[tuple[int, ...]]):
        overall = {a: _shares(self.frame[a]) for a in self.sensitive}
        return overall, [{a: _shares(self.frame[a][self.mask(p)]) for a in self.sensitive}
                         for p in slices]


class _CellStats:
    """Statistics of slices from an engine's cells (:class:`SqlSliceCounts`)."""

    def __init__(self, counts: Any) -> None:
        self.counts = counts
        self._stats: dict[tuple[int, ...], tuple[float, ...]] = {}

    def prepare(self, slices: list[tuple[int, ...]]) -> None:
        """Fetch the statistics of the slices and of every slice with conditions left out."""
        want = set()
        for preds in slices:
            for r in range(1, len(preds) + 1):
                want.update(itertools.combinations(preds, r))
        todo = [p for p in want if p not in self._stats]
        self._stats.update(self.counts.stats(sorted(todo)))

    def _get(self, preds: tuple[int, ...]) -> tuple[float, ...]:
        if preds not in self._stats:
            self.prepare([preds])
        return self._stats[preds]

    def child_and_rest(self, child: tuple[int, ...], parent: tuple[int, ...]
                       ) -> tuple[float, float, float, float, float | None]:
        n1, x1, q1 = self._get(child)
        n0, x0, q0 = self._get(parent)
        n2, x2, q2 = n0 - n1, x0 - x1, q0 - q1
        p = _welch(n1, x1, q1, n2, x2, q2) if n1 > 1 and n2 > 1 else 1.0
        return x1, n1, x2, n2, p

    def size_sum(self, preds: tuple[int, ...]) -> tuple[int, float, float]:
        n1, x1, q1 = self._get(preds)
        return int(round(n1)), x1, q1

    def compositions(self, slices: list[tuple[int, ...]]):
        return self.counts.compositions(slices)


def _welch(n1: float, x1: float, q1: float, n2: float, x2: float, q2: float) -> float:
    """Welch's two-sided p-value of two samples given by rows, sum and sum of squares."""
    m1, m2 = x1 / n1, x2 / n2
    v1 = max(q1 - n1 * m1**2, 0.0) / (n1 - 1)
    v2 = max(q2 - n2 * m2**2, 0.0) / (n2 - 1)
    se2 = v1 / n1 + v2 / n2
    if se2 <= 0:
        return 1.0 if m1 == m2 else 0.0
    dof = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    return float(2 * stats.t.sf(abs(m1 - m2) / np.sqrt(se2), dof))


def _report(res: Any, rows_stats: Any, *, enc: Encoded, n: int, total: float, total_sq: float,
            mean_error: float, binary: bool, error_name: str, warnings: list[str], fdr: float,
            alpha: float, top_k: int, collapse: bool, significance: str,
            split_p: Any, params: dict[str, Any]) -> SliceResult:
    """Significance, collapsing and descriptions of the search's top slices (any engine)."""
    if significance == "bh":
        p_all = _p_values(res.examined_size, res.examined_error_sum, res.examined_error_sq, n,
                          total, total_sq, binary)
        q_all = benjamini_hochberg(p_all)
        ok = ~np.isnan(p_all)
        order = np.argsort(p_all[ok])
        p_sorted, q_sorted = p_all[ok][order], q_all[ok][order]
    n_examined = len(res.examined_size)
    rows_stats.prepare([tuple(p) for p in res.preds])

    # collapse redundant children into their parents
    chosen: list[tuple[int, ...]] = []
    n_collapsed = 0
    for preds in res.preds:
        cur = tuple(preds)
        while collapse and len(cur) > 1:
            worse = None
            for drop in range(len(cur)):
                parent = cur[:drop] + cur[drop + 1:]
                x1, n1, x2, n2, p_loss = rows_stats.child_and_rest(cur, parent)
                if n2 == 0:
                    # the extra condition keeps every row of the parent: the child adds nothing
                    worse = (float("inf"), parent)
                    break
                if binary:
                    p = float(_p_values(np.array([n1], dtype=np.float64), np.array([x1]),
                                        np.array([x1]), int(n1 + n2), float(x1 + x2),
                                        float(x1 + x2), True)[0])
                else:
                    p = p_loss
                if not (x1 / n1 > x2 / n2 and p < fdr):
                    par_n, par_e, _ = rows_stats.size_sum(parent)
                    par_sc = float(slice_score(np.array([par_n]), np.array([par_e]),
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
        size, esum, esq = rows_stats.size_sum(preds)
        sc = float(slice_score(np.array([size]), np.array([esum]), n=n, mean_error=mean_error,
                               alpha=alpha)[0])
        if sc <= 0:
            continue
        rows.append((sc, preds, size, esum, esq))
    rows.sort(key=lambda r: (-r[0], len(r[1]), r[1]))
    rows = rows[:top_k]

    if significance == "split" and rows:
        p_rep = np.asarray([split_p(r[1]) for r in rows], dtype=np.float64)
        q_rep = benjamini_hochberg(p_rep)
    elif rows:
        p_rep = _p_values(np.array([r[2] for r in rows], dtype=np.float64),
                          np.array([r[3] for r in rows]), np.array([r[4] for r in rows]), n,
                          total, total_sq, binary)
        idx = np.searchsorted(p_sorted, p_rep, side="right") - 1
        q_rep = np.where(idx >= 0, q_sorted[np.maximum(idx, 0)], np.nan)
        # a slice not among the examined ones (cannot happen for searched slices): own BH bound
        q_rep = np.where(np.isnan(q_rep), np.minimum(p_rep * max(n_examined, 1), 1.0), q_rep)
    else:
        p_rep = q_rep = np.empty(0)

    overall_comp, comps = rows_stats.compositions([r[1] for r in rows])
    slices: list[Slice] = []
    for i, (sc, preds, size, esum, esq) in enumerate(rows):
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
        comp = comps[i]
        q = float(q_rep[i])
        slices.append(Slice(
            conditions=conditions,
            description=describe_slice(conditions, rate, mean_error, size, comp, overall_comp,
                                       binary),
            n=size, error_rate=rate, ci=ci, lift=rate / mean_error, score=sc,
            p_value=float(p_rep[i]), q_value=q,
            significant=bool(q <= fdr and rate > rest_rate), composition=comp))
    if not slices:
        warnings.append("No slice scores above 0: no slice has an error rate high enough for its "
                        "size (try a higher alpha or a smaller min_support).")
    return SliceResult(slices=slices, n=n, overall_error=mean_error, error=error_name,
                       n_examined=n_examined, n_pruned=res.n_pruned, n_collapsed=n_collapsed,
                       significance=significance, fdr=fdr, overall_composition=overall_comp,
                       warnings=warnings, params=params)


def _error_sql(backend: Any, spec: AuditSpec, error: str, errors: Any, threshold: float
                ) -> tuple[str, str]:
    """SQL of the per-row error of :func:`error_signal_spec` (or of an error column) on an
    engine's source, and the error's name."""
    from fairlens.engine._sql import double

    names = {c.name for c in backend.columns}

    def col(name: str) -> str:
        if name not in names:
            raise FairLensInputError(MSG_ERRORS_COLUMN.format(col=name))
        return f"CAST({backend.quote(name)} AS DOUBLE)"

    if errors is not None:
        if not isinstance(errors, str):
            raise FairLensInputError(MSG_ERRORS_ENGINE)
        return col(errors), "custom"
    if error not in ERROR_KINDS:
        raise FairLensInputError(MSG_ERROR_KIND.format(choices=list(ERROR_KINDS), value=error))
    score = spec.score[0] if spec.score else None
    if error == "one_minus":
        score = spec.metric[0] if spec.metric else score
        if score is None:
            raise FairLensInputError(
                MSG_NEEDS.format(kind=error, what="score (the per-sample Dice/IoU)"))
        return f"({double(1.0)} - {col(score)})", error
    if spec.label is None:
        raise FairLensInputError(MSG_NEEDS.format(kind=error, what="label"))
    y = col(spec.label)
    if error == "log_loss":
        if score is None:
            raise FairLensInputError(MSG_NEEDS.format(kind=error, what="score"))
        p = f"greatest(least({col(score)}, {double(1 - EPS)}), {double(EPS)})"
        return f"(-({y} * ln({p}) + ({double(1.0)} - {y}) * ln({double(1.0)} - {p})))", error
    if spec.pred:
        yhat = col(spec.pred[0])
    elif score is not None:
        yhat = f"(CASE WHEN {col(score)} >= {double(threshold)} THEN {double(1.0)} " \
            f"ELSE {double(0.0)} END)"
    else:
        raise FairLensInputError(MSG_NEEDS.format(kind=error, what="pred or score"))
    # the comparisons of numpy: a missing value differs from everything, equals nothing
    if error == "misclassification":
        return f"(CASE WHEN {yhat} = {y} THEN {double(0.0)} ELSE {double(1.0)} END)", error
    one, zero = double(1.0), double(0.0)
    a, b = (one, zero) if error == "false_positive" else (zero, one)
    return f"(CASE WHEN {yhat} = {a} AND {y} = {b} THEN {one} ELSE {zero} END)", error


def _find_slices_sql(source: Any, spec: AuditSpec, engine: str, *, errors: Any, error: str,
                     features: list[str], max_depth: int, min_support: Any, top_k: int,
                     alpha: float, n_bins: int, numeric_predicates: str, fdr: float,
                     significance: str, collapse: bool, seed: int, threshold: float,
                     progress: Progress | None) -> SliceResult:
    """:func:`find_slices_spec` with the count tables built by DuckDB or Spark."""
    from fairlens.engine._duckdb import DuckDBBackend
    from fairlens.engine._slices import SqlSliceCounts

    if significance == "split":
        raise FairLensInputError(MSG_SPLIT_ENGINE.format(engine=engine))
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 2:
        raise FairLensInputError(MSG_BINS.format(value=n_bins))
    if engine == "duckdb":
        if is_spark_frame(source):
            raise FairLensInputError("A Spark DataFrame is searched with engine='spark'.")
        backend = DuckDBBackend(source)
    else:
        from fairlens.engine._spark import SparkBackend

        backend = SparkBackend(source)
    counts = None
    try:
        e_sql, error_name = _error_sql(backend, spec, error, errors, threshold)
        counts = SqlSliceCounts(backend, list(features), e_sql, list(spec.sensitive))
        n = counts.n
        if counts.bad:
            raise FairLensInputError(MSG_ERRORS_VALUES)
        if counts.total <= 0:
            raise FairLensInputError(MSG_NO_ERRORS)
        support = _support(min_support, n)
        if progress is not None:
            progress(0, max_depth, f"Encoding {len(features):,} features")
        enc = counts.encode(n_bins=n_bins, numeric_predicates=numeric_predicates,
                            min_count=support)
        res = search(enc, np.empty(0), max_depth=max_depth, min_support=support, alpha=alpha,
                     k=max(3 * top_k, top_k + 20), progress=progress, counts=counts)
        if progress is not None:
            progress(max_depth, max_depth, f"Testing and describing the top slices of "
                                           f"{len(res.examined_size):,} examined")
        warnings: list[str] = []
        if res.n_capped:
            warnings.append(MSG_CAPPED.format(capped=res.n_capped, budget=MAX_LEVEL3_SLICES))
        return _report(res, _CellStats(counts), enc=enc, n=n, total=counts.total,
                       total_sq=counts.total_sq, mean_error=counts.mean_error,
                       binary=counts.binary, error_name=error_name, warnings=warnings, fdr=fdr,
                       alpha=alpha, top_k=top_k, collapse=collapse, significance=significance,
                       split_p=None,
                       params=dict(features=list(features), max_depth=max_depth,
                                   min_support=support, top_k=top_k, alpha=alpha,
                                   n_bins=n_bins, numeric_predicates=numeric_predicates,
                                   fdr=fdr, significance=significance, collapse=collapse,
                                   seed=seed, threshold=threshold))
    finally:
        if counts is not None and hasattr(counts, "enc"):
            counts.close()
        backend.close()


def _shares(s: pd.Series) -> dict[str, float]:
    counts = s.astype("object").where(s.notna(), "(missing)").astype(str).value_counts()
    total = counts.sum()
    return {str(k): float(v / total) for k, v in counts.items()} if total else {}


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
    seed: int = 0,
    **search_options: Any,
) -> SliceResult:
    """:func:`find_slices_spec` with the columns named by keyword.

    Parameters
    ----------
    frame : DataFrame
    features : list of str
        Columns to slice on.
    label, pred, score, error, threshold
        Define the per-row error, see :func:`error_signal`; ignored when ``errors`` is given.
    errors : array-like, optional
        A per-row error signal of your own (0/1 flags such as label-issue flags, or a loss).
    sensitive : list of str, optional
        Sensitive attributes whose composition is reported for every slice.
    seed : int, default 0
        Seed of the random half for ``significance="split"``.
    **search_options
        ``max_depth``, ``min_support``, ``top_k``, ``alpha``, ``n_bins``,
        ``numeric_predicates``, ``fdr``, ``significance``, ``collapse``: see
        :func:`find_slices_spec`.

    Returns
    -------
    SliceResult
    """
    frame, spec = frame_and_spec(frame, label=label, score=score, pred=pred,
                                 sensitive=sensitive, threshold=threshold)
    return find_slices_spec(frame, spec, options=AuditOptions(seed=seed), features=features,
                            errors=errors, error=error, **search_options)

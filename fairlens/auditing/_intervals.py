"""Which interval each group's value gets: the audit's method, or a small-sample rule.

The rule (``interval_method`` per value in the JSON):

1. A group with fewer than :data:`SMALL_GROUP_ROWS` rows never gets a percentile bootstrap or
   normal-approximation interval for a metric with a small-sample interval: rates get the
   Wilson score interval, AUC the conservative maximum-variance interval, F1 the Wilson
   interval of ``TP / (TP + FP + FN)`` mapped to F1, balanced accuracy the Bonferroni mean of
   the TPR and TNR Wilson bounds, the Brier score Hoeffding's interval
   (:mod:`fairlens.metrics._small_groups`).
2. Any interval of zero width around a defined value (a bootstrap whose every replicate gives
   the same value, e.g. an FPR of 0 of 40; a Hanley-McNeil interval at AUC 1) is replaced the
   same way, whatever the group's size.
3. A metric without a small-sample interval (ECE, multiclass macro means, per-sample means)
   keeps its bootstrap interval when it has width; when it collapses it gets none
   (``[null, null]``, method ``"none"``), with the reason in the warnings.

Every interval is widened to include its point estimate (weighted audits compute the point
from weights and the small-sample interval from row counts).
"""

from __future__ import annotations

import numpy as np

from fairlens.auditing._families import Family
from fairlens.engine import Grouping
from fairlens.metrics._rates import PROPORTIONS, cells, proportion_parts
from fairlens.metrics._small_groups import (
    auc_max_variance_interval,
    balanced_accuracy_interval,
    f1_interval,
    hoeffding_interval,
    wilson_interval,
)

SMALL_GROUP_ROWS = 30
"""Groups with fewer rows get the small-sample intervals (rule 1 of the module)."""

METHODS = {
    "bootstrap": "percentile bootstrap of the count tables (Poisson resampling)",
    "wilson": "Wilson score interval of the rate's count over its denominator",
    "hanley_mcneil": "normal interval with the Hanley-McNeil standard error",
    "auc_max_variance": ("conservative Wilson-type interval from the largest variance an AUC "
                         "can have, A(1-A)/min(positives, negatives) (Birnbaum and Klose "
                         "1957)"),
    "wilson_jaccard": "Wilson interval of TP/(TP+FP+FN) mapped to F1 = 2J/(1+J)",
    "wilson_bonferroni": ("mean of the Wilson bounds of TPR and TNR, each at the level "
                          "1 - alpha/2 (Bonferroni)"),
    "hoeffding": "Hoeffding interval of a mean of values in [0, 1]",
    "none": "no interval: the bootstrap collapsed to one value and the metric has no "
            "small-sample interval",
}
"""Every ``interval_method`` the audit writes, with what it means."""

RULE = (f"Groups with fewer than {SMALL_GROUP_ROWS} rows, and any interval of zero width, get "
        "small-sample intervals (Wilson for rates, a conservative maximum-variance interval "
        "for AUC, Wilson-based for F1 and balanced accuracy, Hoeffding for the Brier score); "
        "a metric without one keeps a bootstrap interval that has width, else none.")
"""The rule in one sentence (the JSON's ``interval_rule``)."""

Interval = tuple[np.ndarray, np.ndarray, str]


def _family(families: list[Family], name: str) -> Family | None:
    return next((f for f in families if f.name == name), None)


def small_sample_intervals(families: list[Family], grouping: Grouping,
                           metrics: dict[str, np.ndarray], level: float) -> dict[str, Interval]:
    """Small-sample interval and its method name per metric that has one.

    Parameters
    ----------
    families : list of Family
        The model's metric families (their unweighted counts ``n`` are used).
    grouping : Grouping
    metrics : dict of str to numpy.ndarray
        Point estimates per group (AUC and Brier intervals are centred on them).
    level : float

    Returns
    -------
    dict of str to (low, high, method)
    """
    out: dict[str, Interval] = {}
    rates = _family(families, "rates")
    scores = _family(families, "scores")
    rows = None
    if rates is not None and "base_rate" in metrics:
        table = grouping.marginalize(rates.n, 0).astype(np.float64)
        rows = table.sum(axis=(1, 2))
        for m in PROPORTIONS:
            out[m] = (*wilson_interval(*proportion_parts(table, m), level), "wilson")
        c = cells(table)
        out["f1"] = (*f1_interval(c["tp"], c["fp"], c["fn"], level), "wilson_jaccard")
        out["balanced_accuracy"] = (*balanced_accuracy_interval(c["tp"], c["fn"], c["tn"],
                                                                c["fp"], level),
                                    "wilson_bonferroni")
    elif rates is not None and "macro_f1" in metrics:
        out.update(_multiclass_rates(grouping.marginalize(rates.n, 0).astype(np.float64),
                                     metrics, level))
        rows = grouping.marginalize(rates.n, 0).sum(axis=(1, 2)).astype(np.float64)
    if scores is not None and "auc" in metrics:
        table = grouping.marginalize(scores.n, 0).astype(np.float64)
        if table.ndim == 3:
            out["auc"] = (*auc_max_variance_interval(metrics["auc"], table[:, 1, :].sum(-1),
                                                     table[:, 0, :].sum(-1), level),
                          "auc_max_variance")
        elif table.ndim == 4:
            for k, name in enumerate(_class_names(metrics)):
                key = f"auc_{name}"
                if key in metrics:
                    out[key] = (*auc_max_variance_interval(
                        metrics[key], table[:, k, 1, :].sum(-1), table[:, k, 0, :].sum(-1),
                        level), "auc_max_variance")
    if "brier" in metrics and rows is not None:
        out["brier"] = (*hoeffding_interval(metrics["brier"], rows, level), "hoeffding")
    return out


def _class_names(metrics: dict[str, np.ndarray]) -> list[str]:
    return [m[len("tpr_"):] for m in metrics if m.startswith("tpr_")]


def _multiclass_rates(table: np.ndarray, metrics: dict[str, np.ndarray],
                      level: float) -> dict[str, Interval]:
    total = table.sum(axis=(1, 2))
    diag = np.diagonal(table, axis1=1, axis2=2)
    true_k, pred_k = table.sum(axis=2), table.sum(axis=1)
    out: dict[str, Interval] = {
        "accuracy": (*wilson_interval(diag.sum(axis=1), total, level), "wilson")}
    for k, name in enumerate(_class_names(metrics)):
        parts = {f"selection_rate_{name}": (pred_k[:, k], total),
                 f"tpr_{name}": (diag[:, k], true_k[:, k]),
                 f"fpr_{name}": (pred_k[:, k] - diag[:, k], total - true_k[:, k]),
                 f"ppv_{name}": (diag[:, k], pred_k[:, k])}
        for key, (x, n) in parts.items():
            out[key] = (*wilson_interval(x, n, level), "wilson")
    return out


def choose_intervals(metrics: dict[str, np.ndarray], n: np.ndarray,
                     base: dict[str, tuple[np.ndarray, np.ndarray]], base_method: dict[str, str],
                     small: dict[str, Interval]
                     ) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]],
                                dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Apply the module's rule to the audit's intervals of one grouping.

    Parameters
    ----------
    metrics : dict of str to numpy.ndarray
        Point estimates ``(G,)``.
    n : numpy.ndarray
        Rows per group.
    base : dict of str to (low, high)
        The audit's intervals (bootstrap, or the analytic option).
    base_method : dict of str to str
        Method name of each base interval.
    small : dict of str to (low, high, method)
        :func:`small_sample_intervals`.

    Returns
    -------
    (dict, dict, dict)
        Intervals, method per group and metric (``None`` where the value is undefined), and
        per metric a mask of groups whose interval was replaced (``"none"`` included).
    """
    ci: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    methods: dict[str, np.ndarray] = {}
    replaced: dict[str, np.ndarray] = {}
    tiny = np.asarray(n) < SMALL_GROUP_ROWS
    for m, (lo, hi) in base.items():
        if m not in metrics:
            continue
        v = np.asarray(metrics[m], dtype=np.float64)
        lo, hi = np.asarray(lo, dtype=np.float64).copy(), np.asarray(hi, dtype=np.float64).copy()
        method = np.full(v.shape, base_method[m], dtype=object)
        defined = ~np.isnan(v)
        # Never an interval that excludes its own point (Wilson's rounded end at 0 was 7e-18).
        lo = np.where(defined & ~np.isnan(lo), np.fmin(lo, v), lo)
        hi = np.where(defined & ~np.isnan(hi), np.fmax(hi, v), hi)
        collapsed = defined & ~(hi > lo)
        if m in small:
            s_lo, s_hi, s_method = small[m]
            swap = defined & (tiny | collapsed)
            lo = np.where(swap, np.fmin(s_lo, v), lo)
            hi = np.where(swap, np.fmax(s_hi, v), hi)
            method[swap] = s_method
            collapsed = defined & ~(hi > lo)
            mask = swap.copy()
        else:
            mask = np.zeros(v.shape, dtype=bool)
        lo[collapsed], hi[collapsed] = np.nan, np.nan
        method[collapsed] = "none"
        method[~defined] = None
        ci[m] = (lo, hi)
        methods[m] = method
        replaced[m] = mask | collapsed
    return ci, methods, replaced

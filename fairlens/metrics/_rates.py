"""Confusion-matrix rates, vectorised over any leading axes.

All functions take a table whose last two axes are ``(y, y_hat)`` and return arrays with those
axes removed. Undefined ratios (zero denominator) are NaN.
"""

from __future__ import annotations

import numpy as np

BINARY_RATE_METRICS = (
    "base_rate",
    "selection_rate",
    "accuracy",
    "balanced_accuracy",
    "tpr",
    "fpr",
    "tnr",
    "fnr",
    "ppv",
    "npv",
    "fdr",
    "false_omission_rate",
    "f1",
)

# (numerator cells, denominator cells) in terms of tn, fp, fn, tp for the proportion metrics;
# used by Wilson intervals and the significance tests.
PROPORTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "base_rate": (("tp", "fn"), ("tn", "fp", "fn", "tp")),
    "selection_rate": (("tp", "fp"), ("tn", "fp", "fn", "tp")),
    "accuracy": (("tp", "tn"), ("tn", "fp", "fn", "tp")),
    "tpr": (("tp",), ("tp", "fn")),
    "fpr": (("fp",), ("fp", "tn")),
    "tnr": (("tn",), ("fp", "tn")),
    "fnr": (("fn",), ("tp", "fn")),
    "ppv": (("tp",), ("tp", "fp")),
    "npv": (("tn",), ("tn", "fn")),
    "fdr": (("fp",), ("tp", "fp")),
    "false_omission_rate": (("fn",), ("tn", "fn")),
}


def safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN where ``den == 0``."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=(den != 0) & ~np.isnan(den) & ~np.isnan(num))
    return out


def cells(table: np.ndarray) -> dict[str, np.ndarray]:
    """Split a ``(..., 2, 2)`` table into ``tn, fp, fn, tp``."""
    return {
        "tn": table[..., 0, 0],
        "fp": table[..., 0, 1],
        "fn": table[..., 1, 0],
        "tp": table[..., 1, 1],
    }


def proportion_parts(table: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of a proportion metric from a ``(..., 2, 2)`` table."""
    c = cells(table)
    num_cells, den_cells = PROPORTIONS[metric]
    return sum(c[k] for k in num_cells), sum(c[k] for k in den_cells)


def binary_rates(table: np.ndarray) -> dict[str, np.ndarray]:
    """Every rate of :data:`BINARY_RATE_METRICS` from a ``(..., 2, 2)`` confusion table.

    Parameters
    ----------
    table : numpy.ndarray
        Weighted counts with last axes ``(y, y_hat)``.

    Returns
    -------
    dict of str to numpy.ndarray
    """
    out = {m: safe_divide(*proportion_parts(table, m)) for m in PROPORTIONS}
    c = cells(table)
    out["balanced_accuracy"] = (out["tpr"] + out["tnr"]) / 2
    out["f1"] = safe_divide(2 * c["tp"], 2 * c["tp"] + c["fp"] + c["fn"])
    return {m: out[m] for m in BINARY_RATE_METRICS}


def multiclass_rates(table: np.ndarray, classes: list[str]) -> dict[str, np.ndarray]:
    """Rates from a ``(..., K, K)`` table of (true class, predicted class) counts.

    Returns accuracy, balanced accuracy (mean recall over the classes present), macro F1 and,
    per class ``k``, ``selection_rate_k`` (share predicted ``k``), ``tpr_k`` (recall) and ``fpr_k``
    (share of other classes predicted ``k``).
    """
    total = table.sum(axis=(-1, -2))
    diag = np.diagonal(table, axis1=-2, axis2=-1)
    true_k = table.sum(axis=-1)
    pred_k = table.sum(axis=-2)
    recall = safe_divide(diag, true_k)
    precision = safe_divide(diag, pred_k)
    f1 = safe_divide(2 * diag, true_k + pred_k)
    out = {
        "accuracy": safe_divide(diag.sum(axis=-1), total),
        "balanced_accuracy": _nanmean_or_nan(recall),
        "macro_f1": _nanmean_or_nan(np.where(true_k > 0, f1, np.nan)),
    }
    fpr = safe_divide(pred_k - diag, total[..., None] - true_k)
    for i, k in enumerate(classes):
        out[f"selection_rate_{k}"] = safe_divide(pred_k[..., i], total)
        out[f"tpr_{k}"] = recall[..., i]
        out[f"fpr_{k}"] = fpr[..., i]
        out[f"ppv_{k}"] = precision[..., i]
    return out


def _nanmean_or_nan(values: np.ndarray) -> np.ndarray:
    count = np.sum(~np.isnan(values), axis=-1)
    total = np.nansum(values, axis=-1)
    return safe_divide(total, count)

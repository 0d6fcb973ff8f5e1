"""Which disparities, equity metrics and tests each task reports."""

from __future__ import annotations

import numpy as np

from fairlens.metrics._disparity import between_groups as _between
from fairlens.metrics._disparity import equalized_odds_difference as _eod
from fairlens.metrics._disparity import equalized_odds_ratio as _eor

UNDEFINED_REASONS = {
    "tpr": "no positive labels",
    "fnr": "no positive labels",
    "fpr": "no negative labels",
    "tnr": "no negative labels",
    "ppv": "no predicted positives",
    "fdr": "no predicted positives",
    "npv": "no predicted negatives",
    "false_omission_rate": "no predicted negatives",
    "balanced_accuracy": "only one class present",
    "auc": "only one class present",
    "f1": "no positive labels or predictions",
}

BINARY_TESTED = ("selection_rate", "tpr", "fpr", "ppv", "accuracy")
MIN_COMPARED = 2
"""A between-group disparity, ES or PSD needs this many groups that count (else null)."""


def between_groups(values: np.ndarray, include: np.ndarray):
    """:func:`fairlens.metrics.between_groups` over at least :data:`MIN_COMPARED` groups."""
    return _between(values, include, min_groups=MIN_COMPARED)


def equalized_odds_difference(tpr, fpr, include):
    """:func:`fairlens.metrics.equalized_odds_difference` over at least two groups."""
    return _eod(tpr, fpr, include, min_groups=MIN_COMPARED)


def equalized_odds_ratio(tpr, fpr, include):
    """:func:`fairlens.metrics.equalized_odds_ratio` over at least two groups."""
    return _eor(tpr, fpr, include, min_groups=MIN_COMPARED)


def disparities(task: str, metrics: dict[str, np.ndarray], include: np.ndarray,
                classes: list[str]) -> dict[str, np.ndarray]:
    """Between-group disparity measures (fairlearn definitions) from per-group metrics.

    Parameters
    ----------
    task : str
    metrics : dict of str to numpy.ndarray
        ``(..., G)`` per-group metrics (leading axes are bootstrap replicates).
    include : numpy.ndarray of bool
        ``(G,)`` groups that take part (at or above the minimum group size).
    classes : list of str
        Class names (multiclass).

    Returns
    -------
    dict of str to numpy.ndarray
        ``(...)`` each.
    """
    out: dict[str, np.ndarray] = {}
    if task == "binary":
        out["demographic_parity_difference"], out["demographic_parity_ratio"] = between_groups(
            metrics["selection_rate"], include)
        out["equalized_odds_difference"] = equalized_odds_difference(
            metrics["tpr"], metrics["fpr"], include)
        out["equalized_odds_ratio"] = equalized_odds_ratio(metrics["tpr"], metrics["fpr"], include)
        out["equal_opportunity_difference"], out["equal_opportunity_ratio"] = between_groups(
            metrics["tpr"], include)
        for m in ("accuracy", "auc", "ppv", "fpr", "fnr"):
            if m in metrics:
                out[f"{m}_difference"], out[f"{m}_ratio"] = between_groups(metrics[m], include)
    elif task == "multiclass":
        dp = [between_groups(metrics[f"selection_rate_{k}"], include) for k in classes]
        tpr = [between_groups(metrics[f"tpr_{k}"], include)[0] for k in classes]
        fpr = [between_groups(metrics[f"fpr_{k}"], include)[0] for k in classes]
        out["demographic_parity_difference"] = np.nanmax(np.stack([d[0] for d in dp]), axis=0)
        out["demographic_parity_ratio"] = np.nanmin(np.stack([d[1] for d in dp]), axis=0)
        out["equalized_odds_difference"] = np.nanmax(
            np.stack([np.fmax(a, b) for a, b in zip(tpr, fpr, strict=True)]), axis=0)
        out["equal_opportunity_difference"] = np.nanmax(np.stack(tpr), axis=0)
        for m in ("accuracy", "auc", "balanced_accuracy"):
            out[f"{m}_difference"], out[f"{m}_ratio"] = between_groups(metrics[m], include)
    else:
        for m, values in metrics.items():
            out[f"{m}_difference"], out[f"{m}_ratio"] = between_groups(values, include)
    return out


def equity_metrics(task: str, available: list[str], per_sample: list[str]) -> list[str]:
    """Metrics for which ES and PSD are reported (higher is better for all of them)."""
    if task == "per_sample":
        return list(per_sample)
    return [m for m in ("auc", "accuracy") if m in available]

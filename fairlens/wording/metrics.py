"""Metric and measure names: what a person reads for ``tpr``, ``auc_difference``, ``es_auc``.

Also which metric columns a per-group table shows for a task, so the pages and the report show
the same columns.
"""

from __future__ import annotations

import pandas as pd

METRIC_LABELS: dict[str, str] = {
    "n": "n",
    "base_rate": "Base rate",
    "selection_rate": "Selection rate",
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "tpr": "TPR",
    "fpr": "FPR",
    "tnr": "TNR",
    "fnr": "FNR",
    "ppv": "PPV",
    "npv": "NPV",
    "fdr": "FDR",
    "false_omission_rate": "FOR",
    "f1": "F1",
    "auc": "AUC",
    "brier": "Brier score",
    "ece": "ECE",
    "dice": "Dice",
    "iou": "IoU",
    "macro_f1": "Macro F1",
}

METRIC_HELP: dict[str, str] = {
    "base_rate": "Share of rows whose true label is positive.",
    "selection_rate": "Share of rows the model predicts positive (score >= threshold).",
    "accuracy": "Share of rows predicted correctly.",
    "balanced_accuracy": "Mean of TPR and TNR.",
    "tpr": "True-positive rate: among rows with a positive label, the share predicted positive.",
    "fpr": "False-positive rate: among rows with a negative label, the share predicted positive.",
    "tnr": "True-negative rate: among rows with a negative label, the share predicted negative.",
    "fnr": "False-negative rate: among rows with a positive label, the share predicted negative.",
    "ppv": "Precision: among rows predicted positive, the share whose label is positive.",
    "npv": "Among rows predicted negative, the share whose label is negative.",
    "fdr": "False discovery rate: among rows predicted positive, the share whose label is "
           "negative (1 - PPV).",
    "false_omission_rate": "False omission rate: among rows predicted negative, the share whose "
                           "label is positive (1 - NPV).",
    "f1": "Harmonic mean of precision (PPV) and TPR.",
    "auc": "Area under the ROC curve: the chance that a random positive row scores higher than "
           "a random negative one (threshold-free).",
    "brier": "Mean squared difference between score and label (lower is better).",
    "ece": "Expected calibration error over 10 score bins (lower is better).",
}

BINARY_TABLE_METRICS = ("base_rate", "selection_rate", "tpr", "fpr", "ppv", "accuracy", "auc")
"""The per-group table's default columns for binary predictions."""
MULTICLASS_TABLE_METRICS = ("accuracy", "balanced_accuracy", "macro_f1", "auc")
"""The per-group table's default columns for class probabilities (per-class ones on demand)."""

MEASURE_LABELS: dict[str, str] = {
    "demographic_parity_difference": "Demographic parity difference",
    "demographic_parity_ratio": "Demographic parity ratio",
    "equalized_odds_difference": "Equalized odds difference",
    "equalized_odds_ratio": "Equalized odds ratio",
    "equal_opportunity_difference": "Equal opportunity difference",
    "equal_opportunity_ratio": "Equal opportunity ratio",
}


def metric_label(metric: str) -> str:
    """Display name of a metric (``"tpr"`` -> ``"TPR"``, ``"tpr_1"`` -> ``"TPR (1)"``,
    ``"auc_difference"`` -> ``"AUC difference"``)."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    for suffix in ("_difference", "_ratio"):
        if metric.endswith(suffix) and len(metric) > len(suffix):
            return f"{metric_label(metric[: -len(suffix)])} {suffix[1:]}"
    for base in sorted(METRIC_LABELS, key=len, reverse=True):
        if base != "n" and metric.startswith(base + "_"):
            return f"{METRIC_LABELS[base]} ({metric[len(base) + 1:]})"
    return metric.replace("_", " ")


def measure_label(measure: str) -> str:
    """Display name of a disparity measure or a metric (``"demographic_parity_difference"``
    -> ``"Demographic parity difference"``)."""
    return MEASURE_LABELS.get(measure) or metric_label(measure)


def es_label(metric: str) -> str:
    """Name of the equity-scaled metric (``"auc"`` -> ``"ES-AUC"``)."""
    return f"ES-{metric_label(metric)}"


def groupings_of(by_group: pd.DataFrame) -> list[str]:
    """Grouping names in the audit's order (attributes first, then the intersection)."""
    return list(dict.fromkeys(by_group["grouping"]))


def table_metrics(by_group: pd.DataFrame, *, all_metrics: bool = False) -> list[str]:
    """Metric columns to show: the standard set for binary audits, else every metric."""
    reserved = {"model", "grouping", "group", "n", "small", "reference"}
    present = [c for c in by_group.columns
               if c not in reserved and not c.endswith(("_low", "_high", "_p", "_q",
                                                        "_significant"))
               and pd.api.types.is_numeric_dtype(by_group[c])
               and not by_group[c].isna().all()]
    attrs = set()
    for g in groupings_of(by_group):
        attrs.update(g.split(" x "))
    present = [c for c in present if c not in attrs]
    if not all_metrics and "selection_rate" in present:
        return [m for m in BINARY_TABLE_METRICS if m in present]
    if not all_metrics and "macro_f1" in present:
        return [m for m in MULTICLASS_TABLE_METRICS if m in present]
    return present


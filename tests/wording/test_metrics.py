"""Metric and measure names, and the per-group table's columns for each task."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens.wording import (
    BINARY_TABLE_METRICS,
    MULTICLASS_TABLE_METRICS,
    es_label,
    measure_label,
    metric_label,
    table_metrics,
)


@pytest.mark.parametrize("name, label", [
    ("tpr", "TPR"), ("dice", "Dice"), ("n", "n"), ("false_omission_rate", "FOR"),
    ("tpr_difference", "TPR difference"), ("selection_rate_ratio", "Selection rate ratio"),
    ("balanced_accuracy_difference", "Balanced accuracy difference"),
    ("auc_2", "AUC (2)"), ("selection_rate_cat", "Selection rate (cat)"),
    ("tpr_1_difference", "TPR (1) difference"), ("n_rows", "n rows"),
    ("demographic_parity_difference", "demographic parity difference"),
])
def test_metric_label(name, label):
    assert metric_label(name) == label


@pytest.mark.parametrize("name, label", [
    ("demographic_parity_difference", "Demographic parity difference"),
    ("equalized_odds_ratio", "Equalized odds ratio"),
    ("equal_opportunity_difference", "Equal opportunity difference"),
    ("accuracy_difference", "Accuracy difference"), ("auc", "AUC"),
])
def test_measure_label(name, label):
    assert measure_label(name) == label


def test_es_label():
    assert es_label("auc") == "ES-AUC" and es_label("dice") == "ES-Dice"


def _frame(n=600, seed=0, k=None):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"grp": rng.choice(["a", "b"], n)})
    if k is None:
        frame["label"] = rng.integers(0, 2, n)
        frame["score"] = rng.random(n)
        return frame, {"score": "score"}
    frame["label"] = rng.integers(0, k, n)
    p = rng.dirichlet(np.ones(k), n)
    for i in range(k):
        frame[f"p_{i}"] = p[:, i]
    return frame, {"proba_prefix": "p_"}


def test_table_metrics_per_task():
    frame, roles = _frame()
    binary = fairlens.audit(frame, label="label", sensitive="grp", bootstrap=0, **roles)
    assert table_metrics(binary.by_group) == list(BINARY_TABLE_METRICS)
    frame, roles = _frame(k=3)
    multi = fairlens.audit(frame, label="label", sensitive="grp", bootstrap=0, **roles)
    assert table_metrics(multi.by_group) == list(MULTICLASS_TABLE_METRICS)
    every = table_metrics(multi.by_group, all_metrics=True)
    assert "tpr_1" in every and "grp" not in every

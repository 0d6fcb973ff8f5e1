"""The trade-off and learning-curve results (the ``fairlens remedy`` tests are in tests/cli)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairlens.data import AuditSpec
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.remedies import compare_remedies, learning_curves, pareto_mask, tradeoff_figure


def test_pareto_mask():
    acc = np.array([0.60, 0.65, 0.64, 0.70, 0.70])
    gap = np.array([0.10, 0.10, 0.05, 0.30, 0.31])
    assert pareto_mask(acc, gap).tolist() == [False, True, True, True, False]


def test_compare_remedies_points_and_sentences():
    frame, spec = load_compas(), AuditSpec(**COMPAS_AUDIT)
    trade = compare_remedies(frame, spec, methods=["thresholds", "reweigh"],
                             tolerances=(0.1,), bootstrap=50)
    labels = trade.points["label"].tolist()
    assert labels[0] == "Original predictions"
    assert any("thresholds (tolerance 0.1)" in lab for lab in labels)
    assert trade.points["pareto"].any()
    assert len(trade.sentences) == 2 and all(s.endswith(".") for s in trade.sentences)
    assert (trade.points["accuracy_low"] <= trade.points["accuracy"] + 1e-12).all()
    doc = trade.to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["schema"] == "fairlens.remedy_tradeoff/1"
    fig = tradeoff_figure(trade.points, measure=trade.measure, attribute=trade.attribute)
    assert any("Pareto" in (t.name or "") for t in fig.data)
    # the thresholds point is the audit of the remedied held-out rows
    res = next(r for k, r in trade.results.items() if k.startswith("Group-specific"))
    row = trade.points[trade.points["label"] == next(iter(trade.results))].iloc[0]
    assert row["accuracy"] == pytest.approx(res.after.overall["accuracy"])


def test_learning_curves_rank_groups():
    frame, spec = load_compas(), AuditSpec(**COMPAS_AUDIT)
    curves = learning_curves(frame, spec, fractions=(0.2, 0.5, 1.0))
    assert set(curves.curves["fraction"]) == {0.2, 0.5, 1.0}
    big = curves.curves[curves.curves["group"] == "African-American"]
    assert big["n_train"].is_monotonic_increasing
    assert curves.advice["rank"].notna().sum() >= 3
    assert curves.sentences
    json.dumps(curves.to_dict(), allow_nan=False)

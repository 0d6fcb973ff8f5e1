"""Intervals of tiny groups: never of zero width around a defined value (known truth, properties).

Before: a group of one row got "0.000 [0.000, 0.000]" from the bootstrap, and four people
with AUC 1 got "1.000 [1.000, 1.000]" from the bootstrap and from Hanley-McNeil.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairlens
from fairlens.auditing._intervals import SMALL_GROUP_ROWS
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.metrics import (
    auc_max_variance_interval,
    balanced_accuracy_interval,
    f1_interval,
    hoeffding_interval,
    percentile_interval,
    wilson_interval,
)

Z = 1.959963984540054


def _wilson(x: float, n: float) -> tuple[float, float]:
    """The Wilson score interval written out (Wilson 1927)."""
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _planted() -> pd.DataFrame:
    """Two large groups and "tiny": 2 positives scored above 2 negatives (AUC 1, FPR 0/2),
    "one": a single row, "clean": 60 rows whose 40 negatives are all below the threshold."""
    rng = np.random.default_rng(4)
    big = pd.DataFrame({"g": np.repeat(["A", "B"], 300), "y": rng.integers(0, 2, 600)})
    big["s"] = np.clip(0.35 * big["y"] + 0.65 * rng.random(600), 0, 1).round(3)
    tiny = pd.DataFrame({"g": "tiny", "y": [0, 0, 1, 1], "s": [0.1, 0.2, 0.8, 0.9]})
    one = pd.DataFrame({"g": "one", "y": [0], "s": [0.3]})
    clean = pd.DataFrame({"g": "clean", "y": [0] * 40 + [1] * 20,
                          "s": list(np.linspace(0.05, 0.45, 40)) + list(np.linspace(0.3, 0.9,
                                                                                      20))})
    return pd.concat([big, tiny, one, clean], ignore_index=True)


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return _planted()


def _group(doc: dict, name: str) -> dict:
    return next(g for g in doc["groups"] if g["attributes"]["g"] == name)


@pytest.mark.parametrize("bootstrap", [0, 200])
def test_tiny_group_of_four_with_auc_one(planted, bootstrap):
    doc = fairlens.audit(planted, label="y", score="s", sensitive="g", bootstrap=bootstrap,
                         min_group_size=0).to_dict()
    tiny = _group(doc, "tiny")
    assert tiny["auc"] == 1.0 and tiny["fpr"] == 0.0
    # AUC: the Wilson form of the maximum-variance bound with min(2 positives, 2 negatives).
    assert tiny["interval_method"]["auc"] == "auc_max_variance"
    assert tiny["ci"]["auc"] == pytest.approx(list(_wilson(2, 2)), abs=1e-12)
    assert tiny["ci"]["auc"][0] == pytest.approx(0.3424, abs=1e-4)
    # Rates: Wilson of the counts, whatever the audit's method.
    for m, (x, n) in {"fpr": (0, 2), "tpr": (2, 2), "selection_rate": (2, 4),
                      "accuracy": (4, 4)}.items():
        assert tiny["interval_method"][m] == "wilson", m
        assert tiny["ci"][m] == pytest.approx(list(_wilson(x, n)), abs=1e-12), m
    if bootstrap:
        # F1 = 1 (TP 2 of TP+FP+FN 2): Wilson of J = 1 of 2, mapped to 2J/(1+J).
        lo_j = _wilson(2, 2)[0]
        assert tiny["interval_method"]["f1"] == "wilson_jaccard"
        assert tiny["ci"]["f1"] == pytest.approx([2 * lo_j / (1 + lo_j), 1.0], abs=1e-12)
        assert tiny["interval_method"]["balanced_accuracy"] == "wilson_bonferroni"
        assert tiny["ci"]["balanced_accuracy"][0] < 1.0 == tiny["ci"]["balanced_accuracy"][1]
    else:
        # Without the bootstrap only rates and AUC have intervals, for every group alike.
        assert set(tiny["ci"]) == set(_group(doc, "A")["ci"])
    for m, (lo, hi) in tiny["ci"].items():
        if tiny[m] is not None:
            assert lo < hi and lo <= tiny[m] <= hi, m


def test_group_of_one_row_under_the_bootstrap(planted):
    doc = fairlens.audit(planted, label="y", score="s", sensitive="g", bootstrap=200,
                         min_group_size=0).to_dict()
    one = _group(doc, "one")
    assert one["selection_rate"] == 0.0
    assert one["ci"]["selection_rate"] == pytest.approx(list(_wilson(0, 1)), abs=1e-12)
    assert one["ci"]["selection_rate"][1] == pytest.approx(0.7935, abs=1e-4)
    assert one["interval_method"]["auc"] is None  # undefined value: no interval
    assert one["ci"]["brier"][0] < one["brier"] < one["ci"]["brier"][1]
    assert one["interval_method"]["brier"] == "hoeffding"
    # ECE has no small-sample interval: a collapsed bootstrap is left out, with the reason.
    assert one["interval_method"]["ece"] == "none" and one["ci"]["ece"] == [None, None]
    assert any("no interval for ece of one (n=1)" in w for w in doc["warnings"])
    assert doc["interval_methods"]["none"].startswith("no interval")
    assert "fewer than 30 rows" in doc["interval_rule"]


def test_zero_width_bootstrap_of_a_large_group_is_replaced(planted):
    audit = fairlens.audit(planted, label="y", score="s", sensitive="g", bootstrap=200,
                           min_group_size=0)
    clean = _group(audit.to_dict(), "clean")
    assert clean["n"] >= SMALL_GROUP_ROWS and clean["fpr"] == 0.0
    reps = audit.replicates["s"].groups["g"]["fpr"]
    index = [lab[0] for lab in audit.primary.groupings[0].labels].index("clean")
    assert np.nanmax(reps[:, index]) == 0.0  # the bootstrap alone says [0, 0]
    assert clean["interval_method"]["fpr"] == "wilson"
    assert clean["ci"]["fpr"] == pytest.approx(list(_wilson(0, 40)), abs=1e-12)


def test_large_groups_keep_their_bootstrap_intervals(planted):
    audit = fairlens.audit(planted, label="y", score="s", sensitive="g", bootstrap=200,
                           min_group_size=0)
    doc = audit.to_dict()
    labels = [lab[0] for lab in audit.primary.groupings[0].labels]
    reps = audit.replicates["s"].groups["g"]
    for name in ("A", "B"):
        g, i = _group(doc, name), labels.index(name)
        assert set(g["interval_method"].values()) == {"bootstrap"}
        for m in ("selection_rate", "tpr", "auc", "f1"):
            lo, hi = percentile_interval(reps[m][:, i], 0.95, g[m])
            assert g["ci"][m] == [float(lo), float(hi)], (name, m)


def test_compas_sample_has_no_zero_width_interval_under_30_rows():
    frame = load_compas()
    for bootstrap in (0, 200):
        doc = fairlens.audit(frame, **COMPAS_AUDIT, bootstrap=bootstrap,
                             min_group_size=0).to_dict()
        small = [g for g in doc["groups"] if g["n"] < SMALL_GROUP_ROWS]
        assert len(small) >= 10
        for g in small:
            for m, (lo, hi) in g["ci"].items():
                if g[m] is not None and g["interval_method"][m] != "none":
                    assert lo < hi, (bootstrap, g["attributes"], m, lo, hi)
            if g["auc"] is not None:
                assert g["interval_method"]["auc"] == "auc_max_variance"


def test_auc_interval_covers_in_tiny_groups():
    # 4 positives and 4 negatives from N(0,1) / N(1,1): true AUC = Phi(1/sqrt 2) = 0.7602.
    rng = np.random.default_rng(0)
    true_auc = 0.760249938
    sims = 4000
    neg, pos = rng.normal(0, 1, (sims, 4)), rng.normal(1, 1, (sims, 4))
    wins = (pos[:, :, None] > neg[:, None, :]).mean(axis=(1, 2))
    lo, hi = auc_max_variance_interval(wins, np.full(sims, 4), np.full(sims, 4))
    coverage = np.mean((lo <= true_auc) & (true_auc <= hi))
    assert coverage >= 0.95, coverage


@settings(max_examples=200, deadline=None)
@given(tp=st.integers(0, 40), fp=st.integers(0, 40), fn=st.integers(0, 40),
       tn=st.integers(0, 40), level=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_small_sample_intervals_contain_their_point_and_have_width(tp, fp, fn, tn, level):
    a = np.array
    if tp + fp + fn:
        f1 = 2 * tp / (2 * tp + fp + fn)
        lo, hi = f1_interval(a([tp]), a([fp]), a([fn]), level)
        assert lo[0] <= f1 <= hi[0] and lo[0] < hi[0]
    if tp + fn and tn + fp:
        ba = (tp / (tp + fn) + tn / (tn + fp)) / 2
        lo, hi = balanced_accuracy_interval(a([tp]), a([fn]), a([tn]), a([fp]), level)
        assert lo[0] <= ba + 1e-12 and ba <= hi[0] + 1e-12 and lo[0] < hi[0]
        auc = tp / (tp + fn)  # any value in [0, 1]
        lo, hi = auc_max_variance_interval(a([auc]), a([tp + fn]), a([tn + fp]), level)
        assert lo[0] <= auc + 1e-12 and auc <= hi[0] + 1e-12 and lo[0] < hi[0]
        k = min(tp + fn, tn + fp)
        w_lo, w_hi = wilson_interval(a([auc * k]), a([k]), level)
        assert (lo[0], hi[0]) == pytest.approx((w_lo[0], w_hi[0]))
    n = tp + fp + fn + tn
    if n:
        mean = tp / n
        lo, hi = hoeffding_interval(a([mean]), a([n]), level)
        assert lo[0] <= mean <= hi[0] and lo[0] < hi[0]

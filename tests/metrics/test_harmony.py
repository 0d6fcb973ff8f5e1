"""Harmony (The Flaw of Averages): properties, the formula by hand, and its place in the audit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlens import AuditOptions, AuditSpec, audit_spec
from fairlens.metrics import harmony

_VALUE = st.integers(1, 64).map(lambda k: k / 64)
_GROUPS = st.lists(_VALUE, min_size=2, max_size=10)


def _by_hand(values):
    v = np.asarray(values, dtype=float)
    p = v / v.sum()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / math.log(len(v)))


@settings(max_examples=200, deadline=None)
@given(value=_VALUE, k=st.integers(2, 12))
def test_one_when_all_groups_are_equal(value, k):
    assert float(harmony(np.full(k, value))) == 1.0


@settings(max_examples=200, deadline=None)
@given(values=_GROUPS, data=st.data())
def test_formula_order_and_scale(values, data):
    h = float(harmony(np.array(values)))
    assert h == pytest.approx(_by_hand(values), rel=1e-12, abs=1e-15)
    assert 0.0 <= h <= 1.0
    order = data.draw(st.permutations(values))
    assert float(harmony(np.array(order))) == pytest.approx(h, rel=1e-12, abs=1e-15)
    factor = data.draw(st.sampled_from([0.5, 2.0, 3.0]))
    assert float(harmony(np.array(values) * factor)) == pytest.approx(h, rel=1e-9, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(base=st.integers(16, 48).map(lambda k: k / 64), k=st.integers(2, 8),
       steps=st.lists(st.integers(1, 8), min_size=1, max_size=4, unique=True))
def test_lower_as_one_group_diverges(base, k, steps):
    """Moving one group further from the others (up or down) lowers harmony strictly."""
    for direction in (1, -1):
        previous = 1.0
        for step in sorted(steps):
            values = np.full(k, base)
            values[0] = base + direction * step / 64
            h = float(harmony(values))
            assert h < previous
            previous = h


def test_undefined_cases_and_include():
    assert math.isnan(float(harmony(np.array([0.7]))))            # one group
    assert math.isnan(float(harmony(np.zeros(0))))                # no group
    assert math.isnan(float(harmony(np.array([0.0, 0.0]))))       # nothing to share
    assert math.isnan(float(harmony(np.array([0.5, -0.1]))))      # not a performance
    # NaN groups and excluded groups are left out.
    assert float(harmony(np.array([0.6, np.nan, 0.6]))) == 1.0
    assert float(harmony(np.array([0.6, 0.1, 0.6]), np.array([True, False, True]))) == 1.0
    # A group at 0 next to a positive one: all of the metric in one group of two.
    assert float(harmony(np.array([0.0, 0.8]))) == 0.0
    # Bootstrap replicates: one value per row.
    reps = harmony(np.array([[0.5, 0.5], [0.9, 0.3], [np.nan, 0.4]]))
    assert reps.shape == (3,)
    assert reps[0] == 1.0 and reps[1] == pytest.approx(_by_hand([0.9, 0.3]))
    assert math.isnan(reps[2])


def _frame(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    y = rng.integers(0, 2, n)
    noise = {"a": 0.2, "b": 0.35, "c": 0.5}
    score = np.clip(y + rng.normal(0, [noise[g] for g in group]), 0, 1)
    return pd.DataFrame({"y": y, "s": score, "g": group})


def test_audit_reports_harmony_beside_es_with_interval():
    frame = _frame()
    spec = AuditSpec(label="y", score=["s"], sensitive=["g"])
    audit = audit_spec(frame, spec, options=AuditOptions(bootstrap=200, ci="bootstrap", seed=3))
    doc = audit.to_dict()
    part = doc["harmony"]["g"]
    groups = {row["attributes"]["g"]: row for row in doc["groups"] if row["grouping"] == "g"}
    for m in ("auc", "accuracy"):
        values = [groups[label][m] for label in ("a", "b", "c")]
        assert part[m] == pytest.approx(_by_hand(values), rel=1e-12)
        lo, hi = part["ci"][m]
        assert lo <= part[m] <= hi < 1.0 + 1e-12 and lo < hi
    table = audit.equity
    row = table[(table["grouping"] == "g") & (table["metric"] == "auc")].iloc[0]
    assert row["harmony"] == part["auc"]
    assert (row["harmony_low"], row["harmony_high"]) == tuple(part["ci"]["auc"])
    # ES and PSD are where they were.
    assert set(doc["equity_scaled"]["g"]) >= {"auc", "ci"}

"""The four-fifths rule (EEOC, 29 CFR 1607.4(D)) in the direction of the favorable outcome.

Each group's rate of the favorable outcome against the highest such rate among the groups that
count; checked by hand with pandas on the COMPAS sample, the raw ProPublica file and generated
data, and as properties of the rule itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairlens
from fairlens.auditing._four_fifths import (
    FOUR_FIFTHS,
    NO_FAVORABLE_OUTCOME,
    NOT_ENOUGH_GROUPS,
    four_fifths_rule,
)
from fairlens.datasets import COMPAS_AUDIT, load_compas

from ..conftest import require_shared

FAST = dict(bootstrap=0, ci="wilson")


def by_hand(frame: pd.DataFrame, group: str, y_hat: pd.Series, favorable: str,
            min_group_size: int = 30, weight: pd.Series | None = None) -> pd.DataFrame:
    """The rule computed directly with pandas from the rows."""
    good = y_hat if favorable == "positive" else 1 - y_hat
    w = pd.Series(1.0, index=frame.index) if weight is None else weight
    table = pd.DataFrame({"g": frame[group], "good": good * w, "w": w, "one": 1})
    out = table.groupby("g").agg(rate=("good", "sum"), w=("w", "sum"), n=("one", "sum"))
    out["rate"] = out["rate"] / out["w"]
    top = out.loc[out["n"] >= min_group_size, "rate"].max()
    out["ratio"] = out["rate"] / top
    return out


@pytest.fixture(scope="module")
def compas() -> pd.DataFrame:
    return load_compas()


@pytest.fixture(scope="module")
def compas_rule(compas) -> dict:
    audit = fairlens.audit(compas, **COMPAS_AUDIT, **FAST)
    return audit.to_dict()["disparities"]["race"]["four_fifths_rule"]


def test_compas_flags_african_american_against_other(compas, compas_rule):
    rule = compas_rule
    assert COMPAS_AUDIT["favorable"] == "negative"
    hand = by_hand(compas, "race", (compas["score"] >= 0.5).astype(int), "negative")
    assert rule["favorable"] == "negative"
    assert rule["tested"] is True and rule["reason"] is None
    assert rule["comparison_group"] == "Other" == hand["rate"].idxmax()
    assert rule["comparison_rate"] == pytest.approx(hand.loc["Other", "rate"], abs=1e-12)
    for g, e in rule["groups"].items():
        assert e["n"] == hand.loc[g, "n"]
        assert e["rate"] == pytest.approx(hand.loc[g, "rate"], abs=1e-12), g
        assert e["selection_rate"] == pytest.approx(1 - hand.loc[g, "rate"], abs=1e-12), g
        assert e["ratio"] == pytest.approx(hand.loc[g, "ratio"], abs=1e-12), g
    groups = rule["groups"]
    assert groups["African-American"]["ratio"] == pytest.approx(0.521, abs=1e-3)
    assert groups["African-American"]["passes"] is False
    assert groups["Caucasian"]["passes"] is True and groups["Hispanic"]["passes"] is True
    assert groups["Other"]["ratio"] == 1.0 and groups["Other"]["passes"] is True
    # Native American (n = 18) is below the minimum size: a ratio, no verdict.
    assert groups["Native American"]["eligible"] is False
    assert groups["Native American"]["passes"] is None
    assert rule["failing_groups"] == ["African-American"]
    assert rule["passes"] is False and rule["threshold"] == FOUR_FIFTHS


def test_positive_direction_compares_with_the_highest_selection_rate(compas):
    """The same data read the other way: the comparison is the most-selected group."""
    audit = fairlens.audit(compas, **{**COMPAS_AUDIT, "favorable": "positive"}, **FAST)
    rule = audit.to_dict()["disparities"]["race"]["four_fifths_rule"]
    hand = by_hand(compas, "race", (compas["score"] >= 0.5).astype(int), "positive")
    eligible = hand[hand["n"] >= 30]
    assert rule["comparison_group"] == eligible["rate"].idxmax() == "African-American"
    assert sorted(rule["failing_groups"]) == sorted(eligible.index[eligible["ratio"] < 0.8])
    for g, e in rule["groups"].items():
        assert e["ratio"] == pytest.approx(hand.loc[g, "ratio"], abs=1e-12)


def test_raw_propublica_file_gives_the_same_rule():
    raw = pd.read_csv(require_shared("compas", "compas-scores-two-years.csv"))
    audit = fairlens.audit(raw, label="two_year_recid", score="decile_score", score_kind="raw",
                           threshold=5, sensitive="race", favorable="negative", **FAST)
    rule = audit.to_dict()["disparities"]["race"]["four_fifths_rule"]
    hand = by_hand(raw, "race", (raw["decile_score"] >= 5).astype(int), "negative")
    assert rule["comparison_group"] == "Other"
    assert rule["failing_groups"] == ["African-American"]
    for g, e in rule["groups"].items():
        assert e["ratio"] == pytest.approx(hand.loc[g, "ratio"], abs=1e-12), g


def selected_at(rates: dict[str, tuple[int, int]], seed: int = 0) -> pd.DataFrame:
    """Rows with exactly ``selected`` of ``n`` predicted positive per group."""
    rng = np.random.default_rng(seed)
    parts = []
    for g, (n, selected) in rates.items():
        pred = np.zeros(n, dtype=int)
        pred[:selected] = 1
        parts.append(pd.DataFrame({"group": g, "pred": rng.permutation(pred),
                                   "label": rng.integers(0, 2, n)}))
    return pd.concat(parts, ignore_index=True)


def test_group_selected_at_177_times_another_rate_fails_the_lower_one():
    """The issue's case: B is selected at 1.77x A's rate and A is the larger (reference)
    group; comparing with the reference passed everyone, the EEOC rule fails A."""
    frame = selected_at({"A": (6_000, 1_800), "B": (4_000, 2_124)})  # 0.30 and 0.531
    audit = fairlens.audit(frame, label="label", pred="pred", sensitive="group",
                           favorable="positive", **FAST)
    doc = audit.to_dict()
    rule = doc["disparities"]["group"]["four_fifths_rule"]
    assert doc["disparities"]["group"]["reference"] == "A"
    assert rule["comparison_group"] == "B"
    assert rule["groups"]["A"]["rate"] == pytest.approx(0.30, abs=1e-12)
    assert rule["groups"]["B"]["rate"] / rule["groups"]["A"]["rate"] == pytest.approx(1.77)
    assert rule["groups"]["A"]["ratio"] == pytest.approx(1 / 1.77, abs=1e-12)
    assert rule["failing_groups"] == ["A"] and rule["passes"] is False
    # Flagged the other way (a positive prediction harms), B is the one harmed.
    harmed = fairlens.audit(frame, label="label", pred="pred", sensitive="group",
                            favorable="negative", **FAST)
    rule = harmed.to_dict()["disparities"]["group"]["four_fifths_rule"]
    assert rule["comparison_group"] == "A"
    assert rule["groups"]["B"]["ratio"] == pytest.approx((1 - 0.531) / 0.7, abs=1e-12)
    assert rule["failing_groups"] == ["B"]


def test_weighted_rates_are_the_weighted_means():
    rng = np.random.default_rng(3)
    n = 3_000
    frame = pd.DataFrame({"group": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
                          "label": rng.integers(0, 2, n), "w": rng.gamma(2.0, 1.0, n)})
    frame["pred"] = (rng.random(n) < frame["group"].map({"a": 0.5, "b": 0.35, "c": 0.2})
                     ).astype(int)
    audit = fairlens.audit(frame, label="label", pred="pred", sensitive="group", weight="w",
                           favorable="negative", **FAST)
    rule = audit.to_dict()["disparities"]["group"]["four_fifths_rule"]
    hand = by_hand(frame, "group", frame["pred"], "negative", weight=frame["w"])
    for g, e in rule["groups"].items():
        assert e["rate"] == pytest.approx(hand.loc[g, "rate"], abs=1e-9), g
        assert e["ratio"] == pytest.approx(hand.loc[g, "ratio"], abs=1e-9), g
    assert rule["comparison_group"] == hand["rate"].idxmax()


def test_nothing_to_compare_is_not_a_pass():
    frame = selected_at({"big": (200, 60), "tiny": (10, 1)})
    audit = fairlens.audit(frame, label="label", pred="pred", sensitive="group", **FAST)
    rule = audit.to_dict()["disparities"]["group"]["four_fifths_rule"]
    assert rule["tested"] is False and rule["reason"] == NOT_ENOUGH_GROUPS
    assert rule["passes"] is None and rule["comparison_group"] is None
    assert rule["failing_groups"] == []
    assert all(e["passes"] is None and e["ratio"] is None for e in rule["groups"].values())
    everyone = selected_at({"x": (100, 100), "y": (100, 100)})
    audit = fairlens.audit(everyone, label="label", pred="pred", sensitive="group",
                           favorable="negative", **FAST)
    rule = audit.to_dict()["disparities"]["group"]["four_fifths_rule"]
    assert rule["tested"] is False and rule["reason"] == NO_FAVORABLE_OUTCOME
    assert rule["passes"] is None


def test_every_model_gets_the_rule_in_its_direction(compas):
    frame = compas.assign(other=1 - compas["score"])
    audit = fairlens.audit(frame, **{**COMPAS_AUDIT, "score": ["score", "other"]}, **FAST)
    doc = audit.to_dict()
    first = doc["models"]["score"]["disparities"]["race"]["four_fifths_rule"]
    second = doc["models"]["other"]["disparities"]["race"]["four_fifths_rule"]
    assert first == doc["disparities"]["race"]["four_fifths_rule"]
    assert first["comparison_group"] == "Other"
    assert second["favorable"] == "negative" and second["comparison_group"] != "Other"


def test_summary_lines_state_the_rule(compas):
    lines = fairlens.audit(compas, **COMPAS_AUDIT, **FAST).summary_lines()
    text = "\n".join(lines)
    assert "rate of the favorable outcome, predicted negative" in text
    race = next(line for line in lines if line.strip().startswith("race ") and "highest" in line)
    assert "highest Other 0.790" in race and "FAILS for African-American 0.521" in race
    assert "passes for Caucasian 0.825, Hispanic 0.888, Asian 0.949" in race


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.floats(0, 1)), min_size=1, max_size=7),
       st.sampled_from(["positive", "negative"]), st.integers(1, 60))
def test_rule_properties(groups, favorable, min_size):
    n = np.array([g[0] for g in groups])
    sel = np.array([g[1] for g in groups])
    labels = [f"g{i}" for i in range(len(groups))]
    rule = four_fifths_rule(labels, sel, n, n >= min_size, favorable)
    if favorable == "negative":  # a negative prediction favored = the flipped one favored
        flipped = four_fifths_rule(labels, 1 - sel, n, n >= min_size, "positive")
        for key in ("tested", "comparison_group", "failing_groups", "passes", "threshold"):
            assert rule[key] == flipped[key]
    good = sel if favorable == "positive" else 1 - sel
    eligible = n >= min_size
    if not rule["tested"]:
        assert rule["passes"] is None
        assert eligible.sum() < 2 or good[eligible].max() <= 0
        return
    top = rule["comparison_group"]
    assert rule["groups"][top]["ratio"] == 1.0
    assert rule["groups"][top]["eligible"]
    assert rule["comparison_rate"] == pytest.approx(good[eligible].max())
    for i, g in enumerate(labels):
        e = rule["groups"][g]
        assert e["ratio"] == pytest.approx(good[i] / good[eligible].max())
        if eligible[i]:
            assert e["ratio"] <= 1 + 1e-12
            assert e["passes"] is (e["ratio"] >= FOUR_FIFTHS)
        else:
            assert e["passes"] is None
    ratios = [rule["groups"][g]["ratio"] for g in rule["failing_groups"]]
    assert ratios == sorted(ratios)
    assert rule["passes"] is (not rule["failing_groups"])


@pytest.mark.parametrize("favorable", ["positive", "negative"])
def test_lowest_ratio_is_fairlearns_demographic_parity_ratio(compas, favorable):
    """With every group counting, the lowest ratio is fairlearn's min / max selection rate of
    the favorable outcome (the predictions flipped when a negative prediction is favorable)."""
    from fairlearn.metrics import demographic_parity_ratio

    frame = compas[compas["race"].isin(["African-American", "Caucasian", "Hispanic", "Other"])]
    audit = fairlens.audit(frame, **{**COMPAS_AUDIT, "favorable": favorable}, **FAST)
    rule = audit.to_dict()["disparities"]["race"]["four_fifths_rule"]
    y_hat = (frame["score"] >= 0.5).astype(int)
    good = y_hat if favorable == "positive" else 1 - y_hat
    expected = demographic_parity_ratio(frame["two_year_recid"], good,
                                        sensitive_features=frame["race"])
    lowest = min(e["ratio"] for e in rule["groups"].values())
    assert lowest == pytest.approx(expected, abs=1e-9)

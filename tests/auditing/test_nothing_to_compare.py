"""Nothing to compare is never a pass, warnings name what is null, and an attribute's
reference applies to its intersections.

Before: with no group at the minimum size ES equalled the overall metric (perfect equity),
a single group gave every disparity 0, the "Some values are null" warning appeared with
nothing undefined, and ``reference="Caucasian"`` left the race x sex reference at the largest
cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens.datasets import COMPAS_AUDIT, load_compas

FAST = dict(bootstrap=0, ci="wilson")
TOO_FEW = ("fewer than two groups have at least 100000 rows (the minimum group size), so "
           "there is nothing to compare")


@pytest.fixture(scope="module")
def compas() -> pd.DataFrame:
    return load_compas()


@pytest.fixture(scope="module")
def nothing_eligible(compas) -> dict:
    return fairlens.audit(compas, **COMPAS_AUDIT, bootstrap=200,
                          min_group_size=100_000).to_dict()


def test_no_group_eligible_gives_null_es_psd_with_the_reason(nothing_eligible):
    doc = nothing_eligible
    for grouping in doc["equity_scaled"]:
        for m in ("auc", "accuracy"):
            assert doc["equity_scaled"][grouping][m] is None  # was the overall metric
            assert doc["equity_scaled"][grouping]["ci"][m] == [None, None]
            psd = doc["performance_scaled_disparity"][grouping][m]
            assert psd["std"] is None and psd["max_min"] is None
            assert doc["harmony"][grouping][m] is None
            for section in ("equity_scaled", "performance_scaled_disparity", "harmony"):
                assert doc["null_reasons"][section][grouping][m] == TOO_FEW
        disp = doc["disparities"][grouping]
        assert disp["demographic_parity_difference"] is None
        assert doc["null_reasons"]["disparities"][grouping]["equalized_odds_difference"] == \
            TOO_FEW
        rule = disp["four_fifths_rule"]
        assert rule["tested"] is False and rule["passes"] is None
        assert rule["reason"] == "fewer than two groups are large enough to count"
    assert f"race: ES, PSD and harmony of auc and accuracy are null: {TOO_FEW}." in doc[
        "warnings"]
    assert f"race: every disparity is null: {TOO_FEW}." in doc["warnings"]
    assert not any("empty denominators" in w for w in doc["warnings"])


def test_summary_lines_and_headline_say_nothing_was_compared(compas):
    from fairlens.wording.audit import equity_sentences, headline

    audit = fairlens.audit(compas, **COMPAS_AUDIT, **FAST, min_group_size=100_000)
    doc = audit.to_dict()
    line = headline(doc, audit.by_group, "race")
    assert line.startswith(f"By **race**: no disparity is measured ({TOO_FEW})")
    assert "**-**" not in line
    assert f"ES and PSD by **race** are not defined: {TOO_FEW}." in equity_sentences(audit)
    text = "\n".join(audit.summary_lines())
    assert "race                     not tested: fewer than two groups" in text


def test_one_group_that_counts_is_no_comparison():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"g": ["big"] * 200 + ["small"] * 10, "y": rng.integers(0, 2, 210),
                          "s": rng.random(210)})
    audit = fairlens.audit(frame, label="y", score="s", sensitive="g", **FAST, min_group_size=30)
    doc = audit.to_dict()
    disp = doc["disparities"]["g"]
    # Before: max - min over one group, 0.0, so "demographic_parity_difference>0.1" passed.
    assert disp["demographic_parity_difference"] is None
    assert disp["equalized_odds_difference"] is None
    assert doc["equity_scaled"]["g"]["auc"] is None
    reason = doc["null_reasons"]["disparities"]["g"]["demographic_parity_difference"]
    assert reason.startswith("fewer than two groups have at least 30 rows")
    # With both groups counted the numbers are fairlearn's between-group ones.
    full = fairlens.audit(frame, label="y", score="s", sensitive="g", **FAST, min_group_size=0)
    by = full.by_group.set_index("group")["selection_rate"]
    assert full.to_dict()["disparities"]["g"]["demographic_parity_difference"] == \
        pytest.approx(by.max() - by.min(), abs=1e-15)


def test_warnings_name_only_what_is_null(compas):
    doc = fairlens.audit(compas, **dict(COMPAS_AUDIT, sensitive=["race", "sex"]),
                         **FAST).to_dict()
    # Before: "Some values are null because they are undefined ... (empty denominators)",
    # whether or not a value was undefined (the reference's p-value is null by design).
    assert not any("empty denominators" in w for w in doc["warnings"])
    null = [(g["grouping"], " x ".join(g["attributes"].values()), m) for g in doc["groups"]
            for m in g["ci"] if g[m] is None]
    assert null == [("race x sex", "Asian x Female", "ppv"), ("race x sex", "Asian x Female",
                                                              "fdr")]
    about_null = [w for w in doc["warnings"] if "null" in w]
    assert about_null[0] == ("race x sex=Asian x Female: ppv, fdr undefined (no predicted "
                             "positives); reported as null.")
    assert len(about_null) == 2
    assert ("The bootstrap is off (bootstrap 0 or ci 'wilson'): disparities, ES, PSD and "
            "harmony have no interval (null in the JSON).") in doc["warnings"]
    # A value that is null is named: every label positive leaves the overall FPR undefined.
    frame = pd.DataFrame({"g": ["a", "b"] * 50, "y": 1, "s": np.linspace(0, 1, 100)})
    doc = fairlens.audit(frame, label="y", score="s", sensitive="g", bootstrap=200,
                         min_group_size=0).to_dict()
    named = [w for w in doc["warnings"] if w.startswith("Null because undefined")]
    assert len(named) == 1 and "overall fpr" in named[0] and "overall auc" in named[0]
    assert "overall tpr" not in named[0]


def _reference(doc: dict, grouping: str) -> tuple[str, str]:
    disp = doc["disparities"][grouping]
    return disp["reference"], disp["reference_rule"]


def test_attribute_reference_applies_to_the_intersection(compas):
    kw = dict(COMPAS_AUDIT, sensitive=["race", "sex"])
    default = fairlens.audit(compas, **kw, **FAST).to_dict()
    assert _reference(default, "race x sex") == ("African-American x Male", "largest")
    for reference in ("Caucasian", {"race": "Caucasian"}):
        doc = fairlens.audit(compas, **kw, **FAST, reference=reference).to_dict()
        assert _reference(doc, "race") == ("Caucasian", "chosen")
        assert _reference(doc, "sex") == ("Male", "largest")
        assert _reference(doc, "race x sex") == ("Caucasian x Male", "combined")
        cell = next(g for g in doc["groups"] if g["grouping"] == "race x sex"
                    and g["attributes"] == {"race": "Caucasian", "sex": "Male"})
        assert cell["is_reference"] and cell["difference_to_reference"]["fpr"] == 0.0
    both = fairlens.audit(compas, **kw, **FAST,
                          reference={"race": "Caucasian", "sex": "Female"}).to_dict()
    assert _reference(both, "race x sex") == ("Caucasian x Female", "combined")
    named = fairlens.audit(compas, **kw, **FAST,
                           reference={"race": "Caucasian",
                                      "race x sex": "Hispanic x Female"}).to_dict()
    assert _reference(named, "race x sex") == ("Hispanic x Female", "chosen")


def test_combined_reference_too_small_falls_back_to_the_largest_cell(compas):
    doc = fairlens.audit(compas, **dict(COMPAS_AUDIT, sensitive=["race", "sex"]), **FAST,
                         reference="Native American").to_dict()
    assert _reference(doc, "race x sex") == ("African-American x Male",
                                             "largest, combined too small")
    assert ("race x sex: the cell of each attribute's reference, Native American x Male, has "
            "14 rows (fewer than the minimum group size 30); the largest cell, "
            "African-American x Male (n=3044), is the reference instead.") in doc["warnings"]

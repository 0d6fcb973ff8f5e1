"""Every documented mapping and value error of ``fairlens.data.prepare``, via the public API.

The messages live in ``fairlens/data/_errors.py``; each must name the offending column and say
what to do. Tests assert on those parts of the wording, not on whole sentences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens import read_table
from fairlens.data import MISSING_GROUP
from tests._helpers import (
    assert_contains,
    input_error,
    small_audit,
    small_frame,
    with_value,
)

pytestmark = pytest.mark.usefixtures("quiet_numpy")


def test_missing_columns_named_with_the_available_ones():
    msg = input_error(small_audit, small_frame(), score="proba", sensitive=["race", "gender"])
    assert_contains(msg, "'proba'", "'gender'", "not found", "Available columns", "'score'",
                    "'sex'")
    assert "'race'" not in msg.split("not found")[0]


def test_missing_label_column():
    msg = input_error(small_audit, small_frame(), label="target")
    assert_contains(msg, "'target'", "not found", "'y'")


def test_no_label_given():
    msg = input_error(fairlens.audit, small_frame(), score="score", sensitive="race",
                      bootstrap=0)
    assert_contains(msg, "label", "--label")


def test_no_prediction_given():
    msg = input_error(fairlens.audit, small_frame(), label="y", sensitive="race", bootstrap=0)
    assert_contains(msg, "No prediction", "score=", "pred=", "proba_prefix=", "metric=")


def test_too_many_prediction_kinds():
    frame = small_frame().assign(pred=lambda f: (f["score"] >= 0.5).astype(int))
    msg = input_error(small_audit, frame, pred="pred")
    assert_contains(msg, "score", "pred", "only one kind")


def test_no_sensitive_attribute():
    msg = input_error(small_audit, small_frame(), sensitive=[])
    assert_contains(msg, "No sensitive attribute", "--sensitive")


def test_sensitive_attribute_is_the_label():
    msg = input_error(small_audit, small_frame(), sensitive=["race", "y"])
    assert_contains(msg, "'y'", "both as a sensitive attribute and as the label",
                    "different columns")


def test_non_numeric_score():
    msg = input_error(small_audit, with_value(small_frame(), 7, "score", "high"))
    assert_contains(msg, "'score'", "not numeric", "'high'", "between 0 and 1")


def test_missing_score_values():
    frame = small_frame()
    frame.loc[[3, 9], "score"] = np.nan
    msg = input_error(small_audit, frame)
    assert_contains(msg, "'score'", "2 missing value(s)", "row 3", "Fill or remove")


def test_infinite_score():
    frame = small_frame()
    frame.loc[4, "score"] = np.inf
    msg = input_error(small_audit, frame)
    assert_contains(msg, "'score'", "infinite")


@pytest.mark.parametrize(("bad", "shown"), [(1.5, "max 1.5"), (-0.2, "min -0.2"),
                                            (1 + 2e-4, "max 1.0002"), (-2e-4, "min -0.0002")])
def test_score_out_of_range_beyond_tolerance(bad, shown):
    frame = small_frame()
    frame.loc[5, "score"] = bad
    msg = input_error(small_audit, frame)
    assert_contains(msg, "'score'", "outside [0, 1]", shown, "sigmoid", "--pred")


def test_logits_need_raw_score_kind():
    frame = small_frame().assign(score=lambda f: f["score"] * 10 - 5)
    input_error(small_audit, frame)
    result = small_audit(frame, score_kind="raw", threshold=0.0)
    assert result.overall["n"] == len(frame)
    assert "brier" not in result.overall


@pytest.mark.parametrize("bad", [1 + 5e-5, -5e-5, 1 + 1e-4, -1e-4])
def test_score_within_tolerance_is_clipped_with_a_warning(bad):
    frame = small_frame()
    frame.loc[[5, 6], "score"] = bad
    result = small_audit(frame)
    clipped = [w for w in result.warnings if "clipped" in w]
    assert len(clipped) == 1
    assert_contains(clipped[0], "2 score(s)", "'score'", "outside [0, 1]")
    # The audit is the audit of the clipped scores.
    reference = small_audit(frame.assign(score=frame["score"].clip(0, 1)))
    expected = reference.to_dict()
    got = result.to_dict()
    for key in ("overall", "groups", "disparities", "equity_scaled"):
        assert got[key] == expected[key]


def test_label_with_three_values():
    frame = small_frame()
    frame.loc[0, "y"] = 2
    msg = input_error(small_audit, frame)
    assert_contains(msg, "'y'", "3 distinct values", "0, 1, 2", "exactly two", "--proba-prefix",
                    "recode")


def test_label_with_missing_values():
    frame = small_frame().astype({"y": float})
    frame.loc[[1, 2, 3], "y"] = np.nan
    msg = input_error(small_audit, frame)
    assert_contains(msg, "'y'", "3 missing value(s)", "Remove or fill")


def test_label_with_one_value_is_a_warning():
    frame = small_frame().assign(y=1)
    result = small_audit(frame)
    (warning,) = [w for w in result.warnings if "only one value" in w]
    assert_contains(warning, "'y'", "TPR and FPR need both classes", "null")
    assert result.overall["base_rate"] == 1.0
    assert np.isnan(result.overall["fpr"])


def test_label_with_only_negatives():
    # Regression: max(values) made 0 the positive label when 0 was the only value.
    frame = small_frame().assign(y=0)
    result = small_audit(frame)
    assert any("only one value" in w for w in result.warnings)
    assert result.overall["base_rate"] == 0.0
    assert np.isnan(result.overall["tpr"])


def test_positive_label_absent():
    msg = input_error(small_audit, small_frame(), positive_label="yes")
    assert_contains(msg, "'yes'", "'y'", "does not occur", "--positive-label")


def test_string_labels_infer_the_positive_word():
    frame = small_frame().assign(y=lambda f: np.where(f["y"] == 1, "yes", "no"))
    result = small_audit(frame)
    assert result.statistics.classes == ["no", "yes"]
    ambiguous = frame.assign(y=lambda f: np.where(f["y"] == "yes", "cat", "dog"))
    result = small_audit(ambiguous)
    assert any("Positive label assumed" in w and "positive_label" in w for w in result.warnings)


def test_predicted_labels_with_other_values():
    frame = small_frame().assign(pred=lambda f: (f["score"] >= 0.5).astype(int))
    frame.loc[3, "pred"] = 7
    msg = input_error(fairlens.audit, frame, label="y", pred="pred", sensitive="race", bootstrap=0)
    assert_contains(msg, "'pred'", "7", "same coding as the label")


def _multiclass(n: int = 90, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet([2, 2, 2], n)
    return pd.DataFrame({"y": rng.integers(0, 3, n), "p_0": proba[:, 0], "p_1": proba[:, 1],
                         "p_2": proba[:, 2], "race": rng.choice(["a", "b"], n)})


def _audit_mc(frame, **kw):
    return fairlens.audit(frame, label="y", proba_prefix="p_", sensitive="race", bootstrap=0,
                          **kw)


def test_multiclass_probabilities_slightly_off_are_renormalised():
    exact = _multiclass()
    off = exact.assign(**{c: exact[c] * (1 + 1e-5) for c in ("p_0", "p_1", "p_2")})
    result = _audit_mc(off)
    (warning,) = [w for w in result.warnings if "renormalised" in w]
    assert_contains(warning, "'p_'")
    expected = _audit_mc(exact).to_dict()
    got = result.to_dict()
    assert got["overall"].keys() == expected["overall"].keys()
    for m, v in expected["overall"].items():
        assert got["overall"][m] == pytest.approx(v, abs=1e-12), m
    for a, b in zip(got["groups"], expected["groups"], strict=True):
        for m in ("accuracy", "auc", "balanced_accuracy"):
            assert a[m] == pytest.approx(b[m], abs=1e-12)
    assert not any("renormalised" in w for w in _audit_mc(exact).warnings)


def test_multiclass_probabilities_that_are_garbage():
    frame = _multiclass()
    frame["p_2"] = frame["p_2"] * 0.2
    msg = input_error(_audit_mc, frame)
    assert_contains(msg, "'p_'", "do not sum to 1", "softmax")


def test_multiclass_probabilities_out_of_range():
    frame = _multiclass()
    frame.loc[0, "p_0"] = 1.3
    msg = input_error(_audit_mc, frame)
    assert_contains(msg, "outside [0, 1]", "p_")


def test_multiclass_label_not_a_class():
    msg = input_error(_audit_mc, with_value(_multiclass(), 2, "y", "dog"))
    assert_contains(msg, "'y'", "'dog'", "match no probability column", "<prefix><class>")


def test_multiclass_prefix_matches_nothing():
    msg = input_error(fairlens.audit, _multiclass(), label="y", proba_prefix="prob_",
                      sensitive="race", bootstrap=0)
    assert_contains(msg, "'prob_'", "No columns start with", "'p_0'")


def test_per_sample_metric_not_numeric():
    frame = small_frame().assign(dice=lambda f: f["score"].astype(str))
    frame.loc[2, "dice"] = "n/a"
    msg = input_error(fairlens.audit, frame, metric="dice", sensitive="race", bootstrap=0)
    assert_contains(msg, "'dice'", "not numeric", "'n/a'")


def test_all_empty_sensitive_column_from_a_file():
    text = "y,score,race,sex\n" + "".join(
        f"{i % 2},{(i % 10) / 10},,{'FM'[i % 2]}\n" for i in range(40))
    frame = read_table(text.encode())
    assert frame["race"].isna().all()
    msg = input_error(small_audit, frame)
    assert_contains(msg, "'race'", "empty in every row", "Choose another column or fill it in")
    msg = input_error(small_audit, text.encode())
    assert_contains(msg, "'race'", "empty in every row")


def test_missing_sensitive_values_form_an_explicit_group():
    frame = small_frame(n=120)
    frame.loc[frame.index[:17], "race"] = None
    frame.loc[frame.index[10:14], "sex"] = np.nan
    result = small_audit(frame, min_group_size=0)
    warned = [w for w in result.warnings if MISSING_GROUP in w]
    assert any("17 row(s)" in w and "'race'" in w for w in warned)
    assert any("4 row(s)" in w and "'sex'" in w for w in warned)
    by = result.by_group
    race = by[by["grouping"] == "race"].set_index("group")
    assert race.loc[MISSING_GROUP, "n"] == 17
    assert race["n"].sum() == len(frame)
    sex = by[by["grouping"] == "sex"].set_index("group")
    assert sex.loc[MISSING_GROUP, "n"] == 4
    inter = by[by["grouping"] == "race x sex"]
    assert inter["n"].sum() == len(frame)
    assert f"{MISSING_GROUP} x {MISSING_GROUP}" in set(inter["group"])
    # The missing group's metrics are those of its rows; nothing was dropped from the overall.
    rows = frame[frame["race"].isna()]
    assert race.loc[MISSING_GROUP, "selection_rate"] == pytest.approx(
        (rows["score"] >= 0.5).mean())
    assert result.overall["n"] == len(frame)
    assert result.overall["selection_rate"] == pytest.approx((frame["score"] >= 0.5).mean())


def test_missing_group_in_to_dict_and_small_flag():
    frame = small_frame(n=120)
    frame.loc[frame.index[:5], "race"] = None
    doc = small_audit(frame, min_group_size=30).to_dict()
    (entry,) = [g for g in doc["groups"]
                if g["grouping"] == "race" and g["attributes"]["race"] == MISSING_GROUP]
    assert entry["n"] == 5 and entry["small"] is True


def test_numeric_attribute_with_many_values_is_binned_with_a_warning():
    frame = small_frame(n=200).assign(age=lambda f: np.arange(len(f)) % 70 + 18)
    result = small_audit(frame, sensitive="age")
    assert any("'age'" in w and "quantile bins" in w for w in result.warnings)
    groups = result.by_group["group"].tolist()
    assert 2 <= len(groups) <= 4
    assert result.by_group["n"].sum() == len(frame)


def test_negative_weights():
    frame = small_frame()
    frame.loc[3, "w"] = -1.0
    msg = input_error(small_audit, frame, weight="w")
    assert_contains(msg, "'w'", "non-negative", "negative values")


@pytest.mark.parametrize(("value", "problem"), [("heavy", "non-numeric"), (np.nan, "missing"),
                                                (np.inf, "infinite values")])
def test_invalid_weights(value, problem):
    frame = small_frame().astype({"w": object})
    frame.loc[3, "w"] = value
    msg = input_error(small_audit, frame, weight="w")
    assert_contains(msg, "'w'", "numeric, finite and non-negative", problem)


def test_all_zero_weights():
    msg = input_error(small_audit, small_frame().assign(w=0.0), weight="w")
    assert_contains(msg, "'w'", "all zero")


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_threshold_out_of_range(threshold):
    msg = input_error(small_audit, small_frame(), threshold=threshold)
    assert_contains(msg, "Threshold", "between 0 and 1", repr(threshold))


def test_empty_frame():
    msg = input_error(small_audit, small_frame().iloc[:0])
    assert_contains(msg, "No rows are left")

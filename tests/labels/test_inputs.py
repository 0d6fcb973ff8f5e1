"""Input checks: drift is repaired with a warning, logits and garbage are rejected clearly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairlens.labels as fl
from fairlens import FairLensInputError


def softmax_data(n=300, k=3, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), truth] += 2.5
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return truth, logits, proba


def test_small_drift_is_repaired_with_a_warning():
    y, _, proba = softmax_data()
    drifted = proba * 1.00002
    drifted[0] = [1.00001, 1e-5, 0.0]  # like the IMDB file: above 1 by 1e-5, sums to 1.00002
    fixed, warnings = fl.check_pred_probs(drifted)
    assert len(warnings) == 1 and "renormalised" in warnings[0]
    np.testing.assert_allclose(fixed.sum(axis=1), 1.0, atol=1e-12)
    assert fixed.max() <= 1.0
    # float32 round-off is accepted silently and left untouched
    quiet, warnings = fl.check_pred_probs(proba.astype(np.float32))
    assert warnings == []
    result = fl.find_label_issues(y, drifted)
    assert any("renormalised" in w for w in result.warnings)


@pytest.mark.parametrize("bad, message", [
    ("logits", "look like logits"),
    ("rows", "must sum to 1"),
    ("nan", "missing or infinite"),
    ("one_column", "at least two classes"),
    ("text", "must be numeric"),
    ("cube", "2-D array"),
])
def test_garbage_probabilities_are_rejected(bad, message):
    y, logits, proba = softmax_data()
    values = {
        "logits": logits,
        "rows": proba * 0.9,
        "nan": np.where(np.arange(proba.size).reshape(proba.shape) == 7, np.nan, proba),
        "one_column": proba[:, :1],
        "text": np.array([["a", "b"]] * len(y)),
        "cube": proba[:, :, None],
    }[bad]
    with pytest.raises(FairLensInputError, match=message):
        fl.find_label_issues(y, values)


def test_binary_scores_become_two_columns():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    score = np.clip(0.8 * y + 0.1 + rng.normal(0, 0.15, 500), 0, 1)
    result = fl.find_label_issues(y, score)
    assert result.detection.detector == "binary_score"
    np.testing.assert_allclose(result.detection.proba, np.column_stack([1 - score, score]))
    with pytest.raises(FairLensInputError, match="look like logits"):
        fl.find_label_issues(y, score * 5 - 2)


@pytest.mark.parametrize("labels, message", [
    (np.array(["a", "b"] * 150), "integer class indices"),
    (np.array([0, 1, 2, 7] * 75), "integer class indices"),
    (np.zeros(300, dtype=int), "only one class|same class"),
    (np.arange(299) % 3, "one entry per row"),
    (np.array([0.5, 1.0, 2.0] * 100), "integer class indices"),
])
def test_bad_labels_are_rejected(labels, message):
    _, _, proba = softmax_data()
    with pytest.raises(FairLensInputError, match=message):
        fl.find_label_issues(labels, proba)


def test_invalid_options_are_rejected():
    y, _, proba = softmax_data()
    with pytest.raises(FairLensInputError, match="filter_by must be one of"):
        fl.find_label_issues(y, proba, filter_by="magic")
    with pytest.raises(FairLensInputError, match="rank_by must be one of"):
        fl.find_label_issues(y, proba, rank_by="vibes")
    with pytest.raises(FairLensInputError, match="frac_noise"):
        fl.find_label_issues(y, proba, frac_noise=0)
    with pytest.raises(FairLensInputError, match="Unknown label-issue detector"):
        fl.find_label_issues(y, proba, detector="nope")
    with pytest.raises(FairLensInputError, match="Nothing to find label errors with"):
        fl.find_label_issues(y)


def test_frame_inputs(planted):
    frame = planted.frame
    with pytest.raises(FairLensInputError, match="predicted labels, which carry no confidence"):
        fl.label_issues(frame, label="label", pred="pred", sensitive="group")
    with pytest.raises(FairLensInputError, match="include the label column"):
        fl.label_issues(frame, label="label", features=["age", "label"], sensitive="group")
    with pytest.raises(FairLensInputError, match="not found in the data"):
        fl.label_issues(frame, label="label", features=["nope"], sensitive="group")
    raw = frame.assign(raw=frame["score"] * 10)
    with pytest.raises(FairLensInputError, match=r"'raw' is mapped as a raw score \(from "):
        fl.label_issues(raw, label="label", score="raw", score_kind="raw", sensitive="group")
    with pytest.raises(FairLensInputError, match="source must be one of"):
        fl.label_issues(frame, label="label", score="score", source="magic")
    with pytest.raises(FairLensInputError, match="n_splits"):
        fl.label_issues(frame, label="label", features=["age"], n_splits=1)
    # Sensitive attributes are optional for the issues themselves.
    bare = fl.label_issues(frame, label="label", score="score")
    assert bare.by_group.empty and bare.n_issues > 0


def test_missing_attribute_values_form_their_own_group(planted):
    frame = planted.frame.copy()
    frame.loc[:99, "group"] = None
    found = fl.label_issues(frame, label="label", score="score", sensitive="group")
    assert "(missing)" in set(found.by_group["group"])
    assert found.by_group["n"].sum() == len(frame)
    assert any("(missing)" in w for w in found.warnings)


def test_string_binary_labels_and_positive_label():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    frame = pd.DataFrame({"outcome": np.where(y == 1, "approved", "denied"),
                          "p": np.clip(0.7 * y + 0.15 + rng.normal(0, 0.1, 400), 0, 1),
                          "s": rng.choice(["u", "v"], 400)})
    found = fl.label_issues(frame, label="outcome", score="p", sensitive="s",
                            positive_label="approved")
    assert found.classes == ["denied", "approved"]
    table = found.issue_table()
    assert set(table["given_label"]) <= {"denied", "approved"}


def test_in_sample_probabilities_are_suspected():
    y, _, proba = softmax_data(n=2000)
    perfect = np.full_like(proba, 0.001)
    perfect[np.arange(len(y)), y] = 1 - 0.001 * (proba.shape[1] - 1)
    result = fl.find_label_issues(y, perfect)
    assert any("look in-sample" in w for w in result.warnings)
    honest = fl.find_label_issues(y, proba)
    assert not any("look in-sample" in w for w in honest.warnings)
    assert any("out-of-sample" in n for n in honest.notes)

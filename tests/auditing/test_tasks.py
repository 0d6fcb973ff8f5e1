"""Multiclass and per-sample tasks, spec inference, sweeps and multi-model comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score

import fairlens
from fairlens.datasets import load_compas, load_segmentation
from tests.conftest import require_shared

TOL = 1e-9


def _multiclass_frame(n=3000, k=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 2.0 * np.eye(k)[y]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    frame = pd.DataFrame({f"p_{i}": p[:, i] for i in range(k)})
    frame["label"] = y
    frame["grp"] = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    return frame, y, p


def test_multiclass_matches_sklearn_per_group():
    frame, y, p = _multiclass_frame()
    result = fairlens.audit(frame, label="label", proba_prefix="p_", sensitive="grp",
                            bootstrap=0, min_group_size=0)
    assert result.statistics.task == "multiclass"
    bg = result.by_group.set_index("group")
    for g in ("a", "b", "c"):
        m = (frame.grp == g).to_numpy()
        assert abs(bg.loc[g, "accuracy"] - accuracy_score(y[m], p[m].argmax(1))) <= TOL
        assert abs(bg.loc[g, "balanced_accuracy"]
                   - balanced_accuracy_score(y[m], p[m].argmax(1))) <= TOL
        assert abs(bg.loc[g, "auc"] - roc_auc_score(y[m], p[m], multi_class="ovr")) <= TOL
        # Demographic parity compares predicted classes, not labels.
        assert abs(bg.loc[g, "selection_rate_2"] - np.mean(p[m].argmax(1) == 2)) <= TOL
    assert abs(result.overall["auc"] - roc_auc_score(y, p, multi_class="ovr")) <= TOL
    sel = bg[[f"selection_rate_{k}" for k in range(4)]]
    expected_dp = (sel.max() - sel.min()).max()
    disp = result.disparities.set_index(["grouping", "measure"])["value"]
    assert abs(disp[("grp", "demographic_parity_difference")] - expected_dp) <= TOL


def test_imdb_probabilities_off_by_1e5_are_renormalised_with_warning():
    folder = require_shared("label-errors")
    p = np.load(folder / "imdb_test_set_pyx.npy")
    y = np.load(folder / "imdb_test_set_original_labels.npy")
    frame = pd.DataFrame({"p_0": p[:, 0], "p_1": p[:, 1], "label": y,
                          "grp": np.where(np.arange(len(y)) % 3 == 0, "x", "y")})
    result = fairlens.audit(frame, label="label", proba_prefix="p_", sensitive="grp",
                            bootstrap=0)
    assert any("renormalised" in w for w in result.warnings)
    assert abs(result.overall["accuracy"] - accuracy_score(y, p.argmax(1))) <= TOL
    assert abs(result.overall["auc"] - roc_auc_score(y, p[:, 1])) <= 1e-6


def test_per_sample_metric_means_and_es_by_hand():
    frame = load_segmentation(n=4000, seed=3)
    result = fairlens.audit(frame, metric=["dice", "iou"], sensitive=["race", "gender"],
                            bootstrap=200, min_group_size=0)
    bg = result.by_group
    race = bg[bg.grouping == "race"].set_index("group")
    means = frame.groupby("race")["dice"].mean()
    for g, v in means.items():
        assert abs(race.loc[g, "dice"] - v) <= TOL
        assert race.loc[g, "dice_low"] <= race.loc[g, "dice"] <= race.loc[g, "dice_high"]
    overall = frame["dice"].mean()
    es = overall / (1 + np.abs(means - overall).sum())
    eq = result.equity.set_index(["grouping", "metric"])
    assert abs(eq.loc[("race", "dice"), "es"] - es) <= TOL
    assert eq.loc[("race", "dice"), "es"] < overall
    std = means.to_numpy().std() / overall
    assert abs(eq.loc[("race", "dice"), "psd_std"] - std) <= TOL
    # The planted gap (Black lower) is significant against the reference (largest group).
    assert bool(race.loc["Black", "dice_significant"])


def test_infer_spec_on_samples():
    spec = fairlens.infer_spec(load_segmentation(n=200))
    assert spec.metric == ["dice", "iou"] and spec.task == "per_sample"
    assert set(spec.sensitive) >= {"race", "gender", "ethnicity"}
    compas = load_compas()
    spec = fairlens.infer_spec(compas)
    assert spec.label == "two_year_recid"
    assert spec.score == ["score"]
    assert set(spec.sensitive) >= {"race", "sex", "age_cat"} and "age" not in spec.sensitive


def test_sweep_and_threshold_change_agree():
    frame = load_compas()
    base = fairlens.audit(frame, label="two_year_recid", score="score", score_kind="raw",
                          sensitive="race", bootstrap=0)
    sweep = base.sweep("race")
    row = sweep[(sweep.group == "Caucasian") & np.isclose(sweep.threshold, 0.7)].iloc[0]
    moved = base.at_threshold(0.7).by_group.set_index("group").loc["Caucasian"]
    for m in ("selection_rate", "tpr", "fpr", "ppv", "accuracy"):
        assert abs(row[m] - moved[m]) <= TOL
    cau = frame[frame.race == "Caucasian"]
    assert abs(moved["selection_rate"] - (cau.score >= 0.7).mean()) <= TOL
    roc = base.roc("race")
    assert set(roc.group) == set(frame.race)


def test_several_models_are_compared():
    frame = load_compas()
    rng = np.random.default_rng(0)
    frame["noisy"] = np.clip(frame["score"] + rng.normal(0, 0.3, len(frame)), 0, 1)
    result = fairlens.audit(frame, label="two_year_recid", score=["score", "noisy"],
                            sensitive="race", bootstrap=100)
    table = result.compare_models().set_index("model")
    assert table.loc["score", "auc"] > table.loc["noisy", "auc"]
    assert table.loc["score", "rank_overall"] == 1
    doc = result.to_dict()
    assert set(doc["models"]) == {"score", "noisy"}


def test_reference_group_choice_and_errors():
    frame = load_compas()
    result = fairlens.audit(frame, label="two_year_recid", score="score", score_kind="raw",
                            sensitive=["race", "sex"], reference="Caucasian", bootstrap=0)
    doc = result.to_dict()
    assert doc["disparities"]["race"]["reference"] == "Caucasian"
    assert doc["disparities"]["sex"]["reference"] == "Male"  # largest group where not given
    with pytest.raises(fairlens.FairLensInputError, match="Martian"):
        fairlens.audit(frame, label="two_year_recid", score="score", score_kind="raw",
                       sensitive="race", reference="Martian", bootstrap=0)


def test_calibration_curve_matches_sklearn():
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(5)
    n = 5000
    score = rng.random(n)
    frame = pd.DataFrame({"y": (rng.random(n) < score**1.5).astype(int), "s": score,
                          "g": rng.choice(["a", "b"], n)})
    result = fairlens.audit(frame, label="y", score="s", sensitive="g", bootstrap=0)
    curve = result.calibration("g")
    for g in ("a", "b"):
        part = frame[frame.g == g]
        observed, predicted = calibration_curve(part.y, part.s, n_bins=10, strategy="uniform")
        mine = curve[curve.group == g]
        np.testing.assert_allclose(mine["observed"], observed, atol=TOL)
        np.testing.assert_allclose(mine["mean_score"], predicted, atol=TOL)
    # ECE is the weighted mean gap of that curve.
    a = curve[curve.group == "a"]
    ece = np.sum(a.weight * np.abs(a.mean_score - a.observed)) / a.weight.sum()
    row = result.by_group.set_index("group").loc["a"]
    assert abs(row["ece"] - ece) <= TOL

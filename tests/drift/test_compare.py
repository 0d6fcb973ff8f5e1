"""Several models side by side: planted majority-vs-minority curves, rankings, harmony."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fairlens import AuditOptions, AuditSpec, audit_spec
from fairlens.data import FairLensInputError
from fairlens.drift import compare_spec, fit_curve, model_comparison
from fairlens.metrics import harmony

FAST = AuditOptions(bootstrap=0, ci="wilson")
SIZES = {"maj": 1000, "min1": 400, "min2": 200}


def _planted(majority: np.ndarray, minority: dict[str, np.ndarray], seed: int = 0):
    """Predicted-label columns whose accuracy in each group is exactly the planted one."""
    rng = np.random.default_rng(seed)
    groups = np.concatenate([np.full(n, g) for g, n in SIZES.items()])
    y = rng.integers(0, 2, len(groups))
    frame = pd.DataFrame({"y": y, "g": groups})
    accuracy = {"maj": majority, **minority}
    for k in range(len(majority)):
        pred = y.copy()
        for g, n in SIZES.items():
            rows = np.flatnonzero(groups == g)
            wrong = rows[int(round(accuracy[g][k] * n)):]
            pred[wrong] = 1 - pred[wrong]
        frame[f"model_{k}"] = pred
    names = [f"model_{k}" for k in range(len(majority))]
    return frame, AuditSpec(label="y", pred=names, sensitive=["g"])


def test_fit_curve_recovers_a_planted_quadratic():
    x = np.linspace(0.5, 0.95, 9)
    y = 0.2 + 1.5 * x - 0.9 * x ** 2
    fit = fit_curve(x, y, "quadratic")
    np.testing.assert_allclose(fit.coefficients, [0.2, 1.5, -0.9], atol=1e-9)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)
    line = fit_curve(x, 0.1 + 0.8 * x, "linear")
    np.testing.assert_allclose(line.coefficients, [0.1, 0.8], atol=1e-12)
    # By hand: RSS, adjusted R^2 and AIC of a noisy line.
    rng = np.random.default_rng(1)
    noisy = 0.1 + 0.8 * x + rng.normal(0, 0.01, len(x))
    f = fit_curve(x, noisy, "linear")
    b, a = np.polyfit(x, noisy, 1)
    rss = float(np.sum((noisy - (a + b * x)) ** 2))
    tss = float(np.sum((noisy - noisy.mean()) ** 2))
    assert f.rss == pytest.approx(rss, rel=1e-9)
    assert f.adj_r2 == pytest.approx(1 - (rss / tss) * (len(x) - 1) / (len(x) - 2), rel=1e-9)
    assert f.aic == pytest.approx(len(x) * math.log(rss / len(x)) + 4, rel=1e-9)
    few = fit_curve(x[:3], noisy[:3], "quadratic")
    assert few.coefficients == [] and math.isnan(few.aic)


def test_quadratic_wins_on_a_planted_moon_and_linear_on_a_line():
    a = np.linspace(0.6, 0.95, 8)
    moon = 0.9 - 6 * (a - 0.78) ** 2          # minority rises, then falls: moon-shaped
    line = 0.2 + 0.7 * a
    frame, spec = _planted(a, {"min1": moon, "min2": line})
    result = compare_spec(frame, spec, options=FAST)
    assert result.metric == "accuracy" and result.source == "models"
    moon_fit, line_fit = result.fit("g", "min1"), result.fit("g", "min2")
    assert moon_fit.majority == "maj"
    assert moon_fit.better == "quadratic" and moon_fit.delta_aic > 10
    assert moon_fit.quadratic.adj_r2 > 0.99 > moon_fit.linear.adj_r2
    assert moon_fit.quadratic.coefficients[2] == pytest.approx(-6, abs=0.1)
    # On a line (up to the rounding of counts) the curve buys almost nothing.
    assert line_fit.linear.adj_r2 > 0.999
    assert line_fit.quadratic.adj_r2 - line_fit.linear.adj_r2 < 1e-3
    # The points are the planted accuracies.
    pts = result.points[result.points["minority"] == "min1"].sort_values("model")
    np.testing.assert_allclose(pts["x"], np.round(a * 1000) / 1000, atol=1e-12)
    np.testing.assert_allclose(pts["y"], np.round(moon * 400) / 400, atol=1e-12)
    words = "\n".join(result.summary_lines())
    assert "quadratic fit is better (AIC lower by" in words and "8 models" in words
    assert "min2 against maj (g), 8 models: the linear fit is better" in words
    doc = result.to_dict()
    assert doc["schema"] == "fairlens.models/1" and len(doc["fits"]) == 2
    fig = result.figure("g")
    assert {t.name for t in fig.data} >= {"min1", "min1: quadratic (better)", "min1: linear"}


def test_rankings_by_overall_es_and_harmony_side_by_side():
    # model_0: best overall but uneven; model_1: a little worse overall, even across groups.
    frame, spec = _planted(np.array([0.97, 0.86, 0.7]),
                           {"min1": np.array([0.7, 0.85, 0.7]),
                            "min2": np.array([0.6, 0.84, 0.7])})
    result = compare_spec(frame, spec, options=FAST)
    audit = audit_spec(frame, spec, options=FAST)
    r = result.ranking.set_index("model")
    assert r.loc["model_0", "rank_overall"] == 1
    assert r.loc["model_1", "rank_es"] == 1
    assert r.loc["model_2", "rank_harmony"] == 1   # exactly equal groups: harmony 1
    assert r.loc["model_2", "harmony [g]"] == 1.0
    for name, res in audit.models.items():
        g = res.groupings[0]
        assert r.loc[name, "overall"] == res.overall["accuracy"]
        assert r.loc[name, "es [g]"] == g.equity["accuracy"]["es"]
        assert r.loc[name, "harmony [g]"] == pytest.approx(
            float(harmony(g.metrics["accuracy"], g.include)), rel=1e-12)
    assert any("fewer than 4 models" in w for w in result.warnings)


def test_inputs_that_cannot_be_compared():
    frame, spec = _planted(np.array([0.9, 0.8]), {"min1": np.array([0.7, 0.6]),
                                                  "min2": np.array([0.7, 0.6])})
    one = AuditSpec(label="y", pred=["model_0"], sensitive=["g"])
    with pytest.raises(FairLensInputError, match="at least two models"):
        compare_spec(frame, one, options=FAST)
    with pytest.raises(FairLensInputError, match="choose one of accuracy"):
        compare_spec(frame, spec, options=FAST, metric="fpr")
    with pytest.raises(FairLensInputError, match="Unknown grouping"):
        compare_spec(frame, spec, options=FAST, grouping="race")


def test_windows_of_a_drift_analysis_are_the_points():
    from fairlens.datasets import make_drift_log
    from fairlens.drift import drift_spec

    log = make_drift_log(n_months=6, rows_per_month=600, change_month=3)
    spec = AuditSpec.from_dict({**log.audit_kwargs, "sensitive": ["group"]})
    d = drift_spec(log.frame, spec, options=FAST, window="month")
    result = model_comparison(d, grouping="group")
    assert result.source == "windows" and result.metric == "auc"
    assert list(result.ranking["model"]) == [w.label for w in d.windows]
    for w, (_, row) in zip(d.windows, result.ranking.iterrows(), strict=True):
        g = next(g for g in w.audit.primary.groupings if g.name == "group")
        assert row["es [group]"] == g.equity["auc"]["es"]
        assert row["harmony [group]"] == g.equity["auc"]["harmony"]
    assert {f.minority for f in result.fits} == {"B", "C"}
    assert all(" 6 windows: " in line for line in result.summary_lines() if " against " in line)
    for f in result.fits:  # "about as well" exactly when the AIC are less than 2 apart
        assert ("about as well" in f.sentence("auc")) == (abs(f.delta_aic) < 2)
        assert f.clear == (abs(f.delta_aic) >= 2)
    assert all(f.majority == "A" and f.linear.n == 6 for f in result.fits)
    only = model_comparison(d, grouping="group", groups=["C"])
    assert [f.minority for f in only.fits] == ["C"]
    assert only.fit("group", "C").to_dict() == result.fit("group", "C").to_dict()

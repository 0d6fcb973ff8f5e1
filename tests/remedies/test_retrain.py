"""Reweighing (the formula, exactly) and fairlearn's ExponentiatedGradient (its own call)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from fairlens.data import AuditSpec
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.remedies import remedy_spec, reweighing_weights, split_of


@pytest.fixture(scope="module")
def compas():
    return load_compas(), AuditSpec(**COMPAS_AUDIT)


def test_reweighing_weights_equal_the_formula_exactly():
    rng = np.random.default_rng(3)
    n = 997
    groups = rng.choice(["x", "y", "z"], n, p=[0.6, 0.3, 0.1])
    y = (rng.random(n) < np.where(groups == "x", 0.2, 0.55)).astype(int)
    weights, table = reweighing_weights(y, groups)
    for i in range(n):
        a, label = groups[i], y[i]
        p_a = np.sum(groups == a) / n
        p_y = np.sum(y == label) / n
        p_ay = np.sum((groups == a) & (y == label)) / n
        assert weights[i] == p_a * p_y / p_ay
    # in the weighted data the label is independent of the group
    for a in ("x", "y", "z"):
        m = groups == a
        assert np.sum(weights[m] * y[m]) / np.sum(weights[m]) == pytest.approx(y.mean(),
                                                                                abs=1e-12)
    assert weights.sum() == pytest.approx(n)
    assert len(table) == 6 and set(table.columns) >= {"group", "label", "weight"}


def test_reweigh_retrains_with_exactly_these_weights(compas):
    frame, spec = compas
    result = remedy_spec(frame, spec, method="reweigh", seed=1, bootstrap=0)
    split = split_of(frame, spec, test_size=0.3, seed=1)
    fit_rows = frame.iloc[split.fit].reset_index(drop=True)
    y_fit = fit_rows[spec.label].to_numpy()
    weights, _ = reweighing_weights(y_fit, fit_rows["race"].to_numpy())
    reported = {(w["group"], w["label"]): w["weight"]
                for w in result.to_dict()["artefacts"]["weights"]}
    for (g, label), w in reported.items():
        assert w == weights[(fit_rows["race"].astype(str) == g).to_numpy() & (y_fit == label)][0]
    # the same pipeline fitted by hand with these weights gives the same scores
    from sklearn.base import clone

    test_rows = frame.iloc[split.test].reset_index(drop=True)
    manual = clone(result.model)
    with threadpool_limits(1):
        manual.fit(fit_rows[spec.features], y_fit, model__sample_weight=weights)
    np.testing.assert_allclose(manual.predict_proba(test_rows[spec.features])[:, 1],
                               result.predictions["remedy_score"].to_numpy(), atol=1e-12)
    assert result.baseline is not None
    doc = result.to_dict()
    assert doc["artefacts"]["model"]["format"] == "skops"
    import skops.io as sio

    blob = result.model_bytes()
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    np.testing.assert_allclose(loaded.predict_proba(test_rows[spec.features])[:, 1],
                               result.predictions["remedy_score"].to_numpy(), atol=1e-12)


def test_expgrad_matches_fairlearns_own_call(compas):
    from fairlearn.reductions import EqualizedOdds, ExponentiatedGradient
    from sklearn.linear_model import LogisticRegression

    from fairlens.remedies._models import feature_frame, preprocessor

    frame, spec = compas
    result = remedy_spec(frame, spec, method="expgrad", constraint="equalized_odds",
                         tolerance=0.05, seed=0, bootstrap=0, baseline=False)
    split = split_of(frame, spec, test_size=0.3, seed=0)
    fit_rows = frame.iloc[split.fit].reset_index(drop=True)
    test_rows = frame.iloc[split.test].reset_index(drop=True)
    prep = preprocessor(fit_rows, spec.features)
    x_fit = prep.fit_transform(feature_frame(fit_rows, spec.features))
    x_test = prep.transform(feature_frame(test_rows, spec.features))
    own = ExponentiatedGradient(LogisticRegression(max_iter=1000),
                                constraints=EqualizedOdds(difference_bound=0.05), eps=0.01,
                                max_iter=50)
    with threadpool_limits(1):
        own.fit(x_fit, fit_rows[spec.label].to_numpy(),
                sensitive_features=fit_rows["race"].astype(str).to_numpy())
    np.testing.assert_allclose(own._pmf_predict(x_test)[:, 1],
                               result.predictions["p_positive"].to_numpy(), atol=1e-9)
    np.testing.assert_array_equal(own.predict(x_test, random_state=0),
                                  result.predictions["remedy_decision"].to_numpy())
    np.testing.assert_allclose(np.asarray(own.weights_),
                               result.to_dict()["artefacts"]["predictor_weights"], atol=1e-12)
    # the after audit reads exactly these decisions
    acc = np.mean(own.predict(x_test, random_state=0) == test_rows[spec.label].to_numpy())
    assert result.after.overall["accuracy"] == pytest.approx(acc, abs=1e-12)


def test_predictions_csv_is_formula_safe():
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"y": rng.integers(0, 2, n), "s": rng.random(n).round(3),
                          "g": rng.choice(["=cmd()", "b"], n), "f": rng.normal(size=n)})
    spec = AuditSpec(label="y", score="s", sensitive=["g"], features=["f"])
    result = remedy_spec(frame, spec, method="thresholds", bootstrap=0,
                         constraint="demographic_parity")
    text = result.predictions_csv().decode()
    assert "'=cmd()" in text and "\n=cmd()" not in text and ",=cmd()" not in text

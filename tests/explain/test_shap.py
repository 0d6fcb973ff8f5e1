"""SHAP: exact additivity on Adult, the group-gap decomposition, importances, surrogates."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairlens.data import AuditSpec, FairLensInputError
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.explain import SCHEMA, explain_spec, from_estimator, stratified_sample


@pytest.fixture(scope="module")
def adult_explained(adult):
    frame, spec, model = adult
    return explain_spec(frame, spec, model=model, attribute="sex", sample_size=2000, seed=0)


def test_additivity_every_row_within_1e6(adult_explained, adult):
    frame, _, model = adult
    e = adult_explained
    assert e.method == "tree" and e.model.output == "log-odds"
    rows = frame.loc[e.shap_values.index, model.feature_names_in_]
    margin = model.decision_function(rows)  # the model's own output, not the explainer's
    total = e.base_value + e.shap_values.to_numpy().sum(axis=1)
    assert np.max(np.abs(total - margin)) < 1e-6
    assert e.additivity_error < 1e-6


def test_values_equal_shap_tree_explainer(adult_explained, adult):
    """Oracle: shap's TreeExplainer on the pipeline's tree and its transformed inputs."""
    import shap

    frame, _, model = adult
    e = adult_explained
    rows = frame.loc[e.shap_values.index[:300], model.feature_names_in_]
    names = list(model[:-1].get_feature_names_out())
    ref = shap.TreeExplainer(model[-1]).shap_values(model[:-1].transform(rows))
    ref = pd.DataFrame(ref, columns=names)[e.features].to_numpy()
    np.testing.assert_allclose(e.shap_values.iloc[:300].to_numpy(), ref, atol=1e-12)


def test_gap_decomposition_sums_to_the_mean_output_gap(adult_explained, adult):
    frame, _, model = adult
    e = adult_explained
    gap = e.gap
    assert (gap.group_a, gap.group_b) == ("Male", "Female")  # two largest groups
    rows = frame.loc[e.shap_values.index]
    margin = model.decision_function(rows[model.feature_names_in_])
    male, female = (rows["sex"] == "Male").to_numpy(), (rows["sex"] == "Female").to_numpy()
    actual = margin[male].mean() - margin[female].mean()
    assert gap.gap == pytest.approx(actual, abs=1e-9)
    assert sum(gap.contributions.values()) == pytest.approx(actual, abs=1e-9)
    assert gap.n_a == male.sum() and gap.n_b == female.sum()
    # the sex input itself carries part of the gap: the model reads it
    assert abs(gap.contributions["sex"]) > 0.05


def test_importance_overall_and_by_group(adult_explained):
    e = adult_explained
    vals = e.shap_values.to_numpy()
    w = e.weights
    expected = (np.abs(vals) * w[:, None]).sum(0) / w.sum()
    np.testing.assert_allclose(e.importance[e.features].to_numpy(), expected)
    assert list(e.importance) == sorted(e.importance, reverse=True)
    by = e.importance_by_group["sex"]
    female = (e.sample["sex"] == "Female").to_numpy()
    np.testing.assert_allclose(by.loc["Female", e.features].to_numpy(),
                               np.abs(vals[female]).mean(0))
    assert set(e.importance_by_group) == {"sex", "race"}


def test_json_contract(adult_explained):
    doc = json.loads(json.dumps(adult_explained.to_dict(), allow_nan=False))
    assert doc["schema"] == SCHEMA == "fairlens.explain/1"
    assert set(doc) >= {"schema", "model", "sample_size", "importance", "gap", "flip", "proxy",
                        "warnings"}
    assert doc["model"]["kind"] == "model" and doc["model"]["fidelity"] is None
    assert set(doc["importance"]) == {"overall", "by_group"}
    assert set(doc["importance"]["by_group"]["sex"]) == {"Male", "Female"}
    assert set(doc["gap"]) >= {"attribute", "group_a", "group_b", "mean_a", "mean_b", "gap",
                               "contributions"}
    assert doc["flip"]["attribute"] == "sex" and doc["proxy"] is None
    assert doc["sample_size"] == adult_explained.sample_size


def test_stratified_sample_keeps_small_groups():
    frame = pd.DataFrame({"g": ["a"] * 9000 + ["b"] * 950 + ["c"] * 50})
    pos, w = stratified_sample(frame, "g", 500, seed=3)
    picked = frame["g"].to_numpy()[pos]
    counts = pd.Series(picked).value_counts()
    assert counts["c"] == 30 and counts["b"] == 48 and counts["a"] == 450
    assert np.all(np.diff(pos) > 0)
    # weights give back the group sizes
    assert np.sum(w[picked == "b"]) == pytest.approx(950)
    again, _ = stratified_sample(frame, "g", 500, seed=3)
    np.testing.assert_array_equal(pos, again)


def test_compas_surrogate_has_fidelity_and_exact_gap():
    frame = load_compas()
    spec = AuditSpec(**COMPAS_AUDIT)
    e = explain_spec(frame, spec, attribute="race", sample_size=1500, seed=1)
    assert e.model.kind == "surrogate"
    f = e.fidelity
    assert f.target == "score" and f.n_holdout == round(0.2 * len(frame))
    assert 0.2 < f.r2 < 1 and 0.6 < f.agreement <= 1
    doc = e.to_dict()
    assert doc["model"]["kind"] == "surrogate" and doc["model"]["fidelity"]["r2"] == f.r2
    assert any("surrogate" in w for w in e.warnings)
    # the surrogate's gap splits exactly as well
    assert sum(e.gap.contributions.values()) == pytest.approx(e.gap.gap, abs=1e-9)
    assert e.additivity_error < 1e-6
    # race is not an input: proxy check, priors/age carry most of it
    assert e.flip is None and e.proxy is not None
    assert 0.5 < e.proxy.auc < 0.9
    assert list(e.proxy.features)[0] in {"priors_count", "age"}


def test_permutation_explainer_for_a_non_tree_model(adult):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame, spec, _ = adult
    feats = ["age", "education_num", "hours_per_week", "sex", "marital_status"]
    pipe = Pipeline([("enc", ColumnTransformer([
        ("oh", OneHotEncoder(handle_unknown="ignore"), ["sex", "marital_status"]),
        ("num", StandardScaler(), ["age", "education_num", "hours_per_week"])])),
        ("lr", LogisticRegression(max_iter=500))]).fit(frame[feats].iloc[:3000],
                                                      frame["income"].iloc[:3000])
    model = from_estimator(pipe)
    assert model.tree is None  # one-hot: not one column per feature
    e = explain_spec(frame.iloc[:3000], spec, model=model, attribute="sex", sample_size=120,
                     seed=0)
    assert e.method == "permutation" and e.model.output == "probability"
    assert e.additivity_error < 1e-9
    assert sum(e.gap.contributions.values()) == pytest.approx(e.gap.gap, abs=1e-9)
    assert e.flip is not None


def test_bad_input_messages(adult):
    frame, spec, model = adult
    with pytest.raises(FairLensInputError, match="not in the data"):
        explain_spec(frame, spec, model=model, attribute="religion")
    with pytest.raises(FairLensInputError, match="no explained rows"):
        explain_spec(frame.iloc[:500], spec, model=model, attribute="sex", group_a="Male",
                     group_b="Martian", sample_size=100)
    with pytest.raises(FairLensInputError, match="lacks"):
        explain_spec(frame.drop(columns="age"), spec, model=model, sample_size=100)
    no_features = AuditSpec(label="income", score=["score"], sensitive=["sex"])
    with pytest.raises(FairLensInputError, match="No feature columns"):
        explain_spec(frame, no_features)

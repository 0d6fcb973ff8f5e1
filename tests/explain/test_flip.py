"""Attribute-flip test and proxy detection: known truth on planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairlens.data import AuditSpec
from fairlens.explain import explain_spec, flip_test, from_estimator, proxy_test
from fairlens.explain._encoding import is_numeric

from .conftest import planted_frame


def _fit(frame, features):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    cat = [f for f in features if not is_numeric(frame[f])]
    num = [f for f in features if f not in cat]
    pipe = Pipeline([("enc", ColumnTransformer([("c", OrdinalEncoder(), cat),
                                                ("n", "passthrough", num)],
                                               verbose_feature_names_out=False)),
                     ("m", HistGradientBoostingClassifier(max_iter=60, random_state=0))])
    return pipe.fit(frame[features], frame["label"])


@pytest.fixture(scope="module")
def planted():
    return planted_frame(6000, seed=0)


def test_model_with_sex_flips_a_large_share(planted):
    feats = ["sex", "skill", "experience", "region"]
    model = from_estimator(_fit(planted, feats))
    result = flip_test(model, planted.iloc[:2000], "sex", threshold=0.5)
    assert result.share > 0.3
    by = result.by_group.set_index("group")
    # men lose the positive decision as women, women gain it as men
    assert by.loc["M", "to_negative"] > 0.8 * by.loc["M", "flipped"]
    assert by.loc["F", "to_positive"] > 0.8 * by.loc["F", "flipped"]
    assert len(result.rows) == by["flipped"].sum()
    row = result.rows.iloc[0]
    assert row["decision"] != row["flipped_decision"]
    assert row["group"] != row["flipped_to"]
    # the flipped rows really flip: recompute one by hand
    original = planted.loc[[row["row"]], feats].copy()
    changed = original.copy()
    changed["sex"] = row["flipped_to"]
    before, after = model.predict_score(original)[0], model.predict_score(changed)[0]
    assert before == pytest.approx(row["score"]) and after == pytest.approx(row["flipped_score"])
    assert (before >= 0.5) != (after >= 0.5)


def test_same_family_without_sex_flips_none(planted):
    feats = ["skill", "experience", "region"]
    model = from_estimator(_fit(planted, feats))
    result = flip_test(model, planted.iloc[:2000], "sex", threshold=0.5)
    assert result.share == 0.0 and len(result.rows) == 0
    assert (result.by_group["flipped"] == 0).all()


def test_explain_spec_runs_flip_when_input_and_proxy_otherwise(planted):
    spec = AuditSpec(label="label", score=[], sensitive=["sex"])
    with_sex = explain_spec(planted, spec, model=_fit(planted, ["sex", "skill", "experience"]),
                            attribute="sex", sample_size=600)
    assert with_sex.flip is not None and with_sex.flip.share > 0.3 and with_sex.proxy is None
    assert with_sex.to_dict()["flip"]["share"] == with_sex.flip.share
    without = explain_spec(planted, spec, model=_fit(planted, ["height", "skill", "region"]),
                           attribute="sex", sample_size=600)
    assert without.flip is None and without.proxy is not None
    # height is a planted proxy of sex: high AUC, and height carries it
    assert without.proxy.auc > 0.9 and without.proxy.verdict == "strongly"
    assert list(without.proxy.features)[0] == "height"
    assert without.proxy.features["height"] > 10 * abs(without.proxy.features["region"])


def test_no_proxy_in_independent_features(planted):
    result = proxy_test(planted, "sex", ["skill", "experience", "region"], seed=0)
    assert 0.4 < result.auc < 0.6
    assert result.verdict in {"hardly", "weakly"}
    assert np.isfinite(list(result.features.values())).all()


def test_flips_only_to_values_with_30_tested_rows(planted):
    # Before: the rule was min(30, second-largest count), so a value with 20 rows became a
    # flip target whenever it was the second most frequent; the README says "at least 30".
    feats = ["sex", "skill", "experience", "region"]
    model = from_estimator(_fit(planted, feats))
    men = planted[planted["sex"] == "M"].iloc[:600]
    women = planted[planted["sex"] == "F"].iloc[:20]
    rows = pd.concat([men, women])
    result = flip_test(model, rows, "sex", threshold=0.5)
    assert result.values == ["M"]
    assert result.values_left_out == {"F": 20}
    assert result.warnings == [
        "Attribute-flip test on 'sex': rows are flipped only to values with at least 30 "
        "tested rows; left out: F (n=20)."]
    # Men are never flipped to the rare value; women may flip to M.
    assert set(result.rows["flipped_to"]) <= {"M"}
    assert set(result.rows["group"]) <= {"F"}
    doc = result.to_dict()
    assert doc["values_left_out"] == {"F": 20} and doc["min_rows"] == 30
    with_30 = flip_test(model, pd.concat([men, planted[planted["sex"] == "F"].iloc[:30]]),
                        "sex", threshold=0.5)
    assert sorted(with_30.values) == ["F", "M"] and with_30.warnings == []

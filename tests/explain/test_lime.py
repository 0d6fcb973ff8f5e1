"""LIME next to SHAP for one row: seeded, reproducible, consistent with the model."""

from __future__ import annotations

import numpy as np
import pytest

from fairlens.data import FairLensInputError
from fairlens.explain import explain_row, explain_spec


@pytest.fixture(scope="module")
def explained(adult):
    frame, spec, model = adult
    return explain_spec(frame.iloc[:4000], spec, model=model, attribute="sex", sample_size=400)


def test_row_shap_sums_to_output_and_lime_is_seeded(explained, adult):
    frame, _, model = adult
    row = explained.shap_values.index[3]
    one = explain_row(explained, frame, row, seed=7)
    margin = model.decision_function(frame.loc[[row], model.feature_names_in_])[0]
    assert one.output == pytest.approx(margin)
    assert one.base_value + sum(one.shap.values()) == pytest.approx(margin, abs=1e-6)
    again = explain_row(explained, frame, row, seed=7)
    assert again.lime == one.lime and again.lime_conditions == one.lime_conditions
    other = explain_row(explained, frame, row, seed=8)
    assert other.lime != one.lime
    table = one.table()
    assert list(table.columns) == ["feature", "value", "shap", "lime_condition", "lime_weight"]
    assert set(table["feature"]) == set(explained.features)


def test_lime_agrees_with_shap_on_the_strongest_features(explained, adult):
    """On most rows, LIME's and SHAP's signs agree for the row's strongest SHAP feature."""
    frame, _, _ = adult
    agree = 0
    rows = explained.shap_values.index[:12]
    for row in rows:
        one = explain_row(explained, frame, row, seed=0, num_samples=1500)
        top = max(one.shap, key=lambda f: abs(one.shap[f]))
        agree += np.sign(one.shap[top]) == np.sign(one.lime[top])
    assert agree >= 9


def test_row_outside_the_sample_and_unknown_rows(explained, adult):
    frame, _, model = adult
    outside = next(i for i in frame.index[:4000] if i not in explained.shap_values.index)
    one = explain_row(explained, frame, outside, seed=0)
    margin = model.decision_function(frame.loc[[outside], model.feature_names_in_])[0]
    assert one.base_value + sum(one.shap.values()) == pytest.approx(margin, abs=1e-6)
    with pytest.raises(FairLensInputError, match="not in the data"):
        explain_row(explained, frame, 10**9)

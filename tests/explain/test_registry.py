"""The explainers as registered analyses, ``explain_spec(options=)`` and the result convention
of explanations (SCHEMA, JSON-safe ``to_dict``, ``warnings``, ``tables``, ``summary_lines``)."""

from __future__ import annotations

import json

import pytest

from fairlens import registry
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.explain import (
    Explanation,
    ModelExplainer,
    SurrogateExplainer,
    explain_row,
    explain_spec,
)
from tests.explain.conftest import planted_frame


@pytest.fixture(scope="module")
def frame():
    data = planted_frame(1500, seed=2)
    data["score"] = (0.3 * data["skill"] + 0.5 * (data["sex"] == "M")).clip(0, 1)
    return data


@pytest.fixture(scope="module")
def spec():
    return AuditSpec(label="label", score=["score"], sensitive=["sex"],
                     features=["skill", "experience", "height", "region"])


@pytest.fixture(scope="module")
def result(frame, spec):
    return explain_spec(frame, spec, options=AuditOptions(seed=3), sample_size=300)


def test_explain_family_lists_the_explainers():
    listed = [cls.describe() for cls in registry.registered("explain")]
    assert listed == [
        {"family": "explain", "name": "model", "title": "The model", "needs": ["model"]},
        {"family": "explain", "name": "surrogate", "title": "A surrogate of the scores (no model)",
         "needs": ["prediction", "features"]}]
    assert registry.get("explain", "model") is ModelExplainer
    assert registry.get("explain", "surrogate") is SurrogateExplainer


def test_available_explainers_follow_the_mapping_and_the_model(spec):
    assert [c.name for c in registry.available("explain", spec)] == ["surrogate"]
    assert [c.name for c in registry.available("explain", spec, model=object())] == [
        "model", "surrogate"]
    bare = AuditSpec(label="label", score=["score"], sensitive=["sex"])
    assert registry.available("explain", bare) == []
    assert registry.unavailable("explain", bare)["surrogate"] == ["feature columns"]


def test_options_seed_equals_the_seed_keyword(frame, spec, result):
    by_keyword = explain_spec(frame, spec, seed=3, sample_size=300)
    assert by_keyword.to_dict() == result.to_dict()


def test_registered_surrogate_runs_explain_spec(frame, spec, result):
    run = registry.create("explain", "surrogate", sample_size=300).run(
        frame, spec, options=AuditOptions(seed=3))
    assert run.to_dict() == result.to_dict()
    with pytest.raises(FairLensInputError, match="needs a model"):
        registry.create("explain", "model").run(frame, spec, options=AuditOptions())


def test_options_threshold_replaces_the_specs(frame, spec):
    moved = explain_spec(frame, spec, options=AuditOptions(seed=3, threshold=0.4),
                         sample_size=300)
    assert moved.fidelity.threshold == 0.4


def test_result_convention(result):
    doc = result.to_dict()
    assert Explanation.SCHEMA == doc["schema"] == "fairlens.explain/1"
    json.dumps(doc, allow_nan=False)
    assert set(result.tables()) == {"importance", "gap", "proxy_features"}
    assert list(result.tables()["importance"]["feature"]) == list(result.importance.index)
    lines = result.summary_lines()
    assert lines[0].startswith("FairLens explain: surrogate of 'score'")
    assert "global importance (mean |SHAP|):" in lines
    assert any(line.startswith("proxy check: the features predict 'sex'") for line in lines)
    assert lines[-len(result.warnings):] == [f"  - {w}" for w in result.warnings]
    proxy = result.proxy
    json.dumps(proxy.to_dict(), allow_nan=False)
    assert proxy.summary_lines()[0].startswith("proxy check:")


def test_row_explanation_convention(frame, result):
    one = explain_row(result, frame, int(result.shap_values.index[0]), num_samples=300)
    doc = one.to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["row"] == int(result.shap_values.index[0]) and doc["warnings"] == []
    assert list(one.tables()) == ["row"]
    assert one.summary_lines()[0].startswith(f"row {one.row}: output")

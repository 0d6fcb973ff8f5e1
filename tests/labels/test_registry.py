"""The detectors in the one registry: listed with name, title and needs; run in isolation."""

from __future__ import annotations

import json

import pytest

import fairlens.labels as fl
from fairlens import AuditOptions, AuditSpec, registry


def test_the_labels_family_lists_every_detector_with_its_title_and_needs():
    listed = {cls.name: cls.describe() for cls in registry.registered("labels")}
    assert list(listed)[:3] == ["confident_learning", "binary_score", "cross_validated"]
    assert listed["confident_learning"]["title"] == "Confident learning (cleanlab)"
    assert listed["confident_learning"]["needs"] == ["label", "probabilities"]
    assert listed["binary_score"]["needs"] == ["label", "score"]
    assert listed["cross_validated"]["needs"] == ["label", "features"]
    for name, entry in listed.items():
        assert entry["family"] == "labels" and entry["name"] == name and entry["title"]
    assert registry.get("labels", "binary_score") is fl.BinaryScore


def test_the_registry_says_which_detectors_a_mapping_can_run():
    score = AuditSpec(label="y", score=["s"], sensitive=["g"])
    assert [c.name for c in registry.available("labels", score)] == ["binary_score"]
    assert fl.available_sources(score, ["x"]) == ["score", "features"]
    proba = AuditSpec(label="y", proba_prefix="p_", sensitive=["g"])
    assert fl.available_sources(proba) == ["proba"]
    assert "class-probability columns (proba_prefix)" in registry.unavailable(
        "labels", score)["confident_learning"]
    assert fl.feature_candidates(["y", "s", "g", "x", "p_a"], proba) == ["s", "x"]


def test_a_failing_detector_is_reported_while_the_others_complete(planted):
    class Broken(fl.Detector):
        name = "test_broken"
        title = "Always fails"
        needs = ("label", "score")

        def detect(self, data):
            raise RuntimeError("boom")

    registry.register(Broken)
    try:
        spec = AuditSpec(label="label", score=["score"], sensitive=["group"])
        options = AuditOptions(min_group_size=50)
        runnable = registry.available("labels", spec)
        assert [c.name for c in runnable] == ["binary_score", "test_broken"]
        outcome = registry.run_isolated(
            {cls.name: (lambda cls=cls: cls().run(planted.frame, spec, options=options))
             for cls in runnable})
        assert outcome.errors == {"test_broken": "RuntimeError: boom"}
        found = outcome.results["binary_score"]
        assert found.settings["min_group_size"] == 50
        direct = fl.label_issues_spec(planted.frame, spec, options=options)
        assert found.n_issues == direct.n_issues
        # The same through run_detectors on arrays.
        data = fl.DetectorInput(labels=direct.labels, n_classes=2,
                                scores=planted.frame["score"].to_numpy())
        out = fl.run_detectors(data, ["binary_score", "test_broken"])
        assert isinstance(out["test_broken"], fl.DetectorFailure)
        assert out["test_broken"].error == "RuntimeError: boom"
        assert out["binary_score"].n_issues == direct.n_issues
    finally:
        registry.unregister("labels", "test_broken")
    assert "test_broken" not in fl.DETECTORS


def test_options_and_a_configured_detector_equal_the_older_keywords(planted):
    frame = planted.frame.head(4000)
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"])
    new = fl.analyze_labels_spec(
        frame, spec, options=AuditOptions(min_group_size=50, bootstrap=0, ci="wilson", seed=2),
        detector=fl.BinaryScore(filter_by="both"))
    old = fl.analyze_labels_spec(frame, spec, min_group_size=50, bootstrap=0, ci="wilson",
                                 seed=2, filter_by="both")
    assert json.dumps(new.to_dict(), allow_nan=False) == json.dumps(old.to_dict())
    assert new.to_dict()["detector"]["options"]["filter_by"] == "both"
    by_name = fl.label_issues_spec(frame, spec, detector="binary_score")
    assert by_name.n_issues == fl.label_issues_spec(frame, spec).n_issues
    assert set(new.tables()) == {"issues", "by_group", "fairness_comparison"}
    assert new.summary_lines()[0].startswith("FairLens labels: 624 of 4,000 labels (15.6%")
    assert fl.LabelAnalysis.SCHEMA == fl.LabelIssues.SCHEMA == fl.SCHEMA


def test_unknown_keywords_are_refused(planted):
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"])
    with pytest.raises(TypeError, match="Unknown audit option"):
        fl.label_issues_spec(planted.frame, spec, min_group=3)

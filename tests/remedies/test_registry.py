"""The remedies in the one registry, options passed through, and the result convention."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fairlens import registry
from fairlens.auditing import AuditOptions, audit_spec
from fairlens.data import FairLensInputError
from fairlens.datasets import load_sample
from fairlens.remedies import (
    CURVES_SCHEMA,
    METHODS,
    SCHEMA,
    TRADEOFF_SCHEMA,
    FairLossClassifier,
    FisScaling,
    GroupThresholds,
    Remedy,
    compare_remedies,
    learning_curves,
    needs_features,
    remedy_spec,
)
from fairlens.remedies._section import RemedySection

EXPECTED = [
    ("thresholds", "Group-specific thresholds", ["label", "binary", "score"]),
    ("reweigh", "Reweighing (Kamiran-Calders) and retraining",
     ["label", "binary", "prediction", "features"]),
    ("expgrad", "Exponentiated gradient (fairlearn reductions)",
     ["label", "binary", "prediction", "features"]),
    ("fis", "Fair identity scaling (FIS) of the training loss",
     ["label", "binary", "prediction", "features"]),
    ("febs", "Fair error-bound scaling (FEBS) of the training loss",
     ["label", "binary", "prediction", "features"]),
]
OPTIONS = AuditOptions(min_group_size=50, reference="Caucasian", seed=3, bootstrap=200)
"""A non-default minimum group size and a reference group that is not the largest."""


@pytest.fixture(scope="module")
def compas():
    return load_sample("compas")


@pytest.fixture(scope="module")
def with_options(compas):
    frame, spec = compas
    return remedy_spec(frame, spec, method="thresholds", options=OPTIONS)


def test_the_remedy_family_lists_every_remedy_with_title_and_needs():
    listed = [(d["name"], d["title"], d["needs"])
              for d in (cls.describe() for cls in registry.registered("remedy"))]
    assert listed[:len(EXPECTED)] == EXPECTED
    assert METHODS == tuple(name for name, _, _ in EXPECTED)
    assert [needs_features(m) for m in METHODS] == [False, True, True, True, True]
    assert all(issubclass(registry.get("remedy", m), Remedy) for m in METHODS)


def test_a_failing_remedy_is_recorded_and_the_others_complete(compas):
    frame, spec = compas

    class Broken(Remedy):
        name = "broken_for_test"
        title = "Deliberately broken remedy"
        needs = ("label", "binary", "score")

        def __init__(self) -> None:
            pass

        def fit_predict(self, ctx):
            raise RuntimeError("this remedy always fails")

    registry.register(Broken)
    try:
        trade = compare_remedies(frame, spec, methods=["thresholds", "broken_for_test"],
                                 bootstrap=0)
    finally:
        registry.unregister("remedy", "broken_for_test")
    assert "broken_for_test" not in registry.names("remedy")
    assert trade.errors == {"Deliberately broken remedy":
                            "RuntimeError: this remedy always fails"}
    assert [k for k in trade.results] == ["Group-specific thresholds (tolerance 0.05)"]
    assert trade.points["label"].tolist() == ["Original predictions",
                                              "Group-specific thresholds (tolerance 0.05)"]
    assert trade.warnings == ["Deliberately broken remedy: RuntimeError: this remedy always "
                              "fails"]


def test_before_audit_is_audit_spec_with_the_same_options(compas, with_options):
    frame, spec = compas
    result = with_options
    held_out = frame.iloc[result.split.test].reset_index(drop=True)
    expected = audit_spec(held_out, spec, options=OPTIONS)
    assert result.before.to_dict() == expected.to_dict()
    doc, audit_doc = result.to_dict(), expected.to_dict()
    for key in ("n_rows", "overall", "overall_ci", "disparities", "equity_scaled", "warnings"):
        assert doc["before"][key] == audit_doc[key]
    # the reference group and the minimum group size are the options'
    race = result.before.disparities.query("grouping == 'race'")
    assert set(race["reference"]) == {"Caucasian"}
    assert result.split.seed == 3
    assert "fewer than 50 rows" in " ".join(result.warnings)


def test_old_keywords_and_configured_objects_give_the_same_result(compas, with_options):
    frame, spec = compas
    old = remedy_spec(frame, spec, method="thresholds", seed=3, bootstrap=200,
                      min_group_size=50, reference="Caucasian")
    assert old.to_dict() == with_options.to_dict()
    by_name = remedy_spec(frame, spec, method="thresholds", objective="balanced_accuracy",
                          bootstrap=0)
    by_object = remedy_spec(frame, spec, method=GroupThresholds(objective="balanced_accuracy"),
                            options=AuditOptions(bootstrap=0))
    assert by_object.to_dict()["after"] == by_name.to_dict()["after"]
    assert by_object.settings["objective"] == "balanced_accuracy"
    assert repr(FisScaling(epochs=20)) == "FisScaling(epochs=20)"


def test_the_report_section_passes_the_audits_options(compas, with_options):
    frame, spec = compas
    section = RemedySection(method="thresholds")
    assert section.run(frame, spec, options=OPTIONS).to_dict() == with_options.to_dict()
    # a remedy object run by the registry's entry point is the same call
    remedy = registry.create("remedy", "thresholds")
    assert remedy.run(frame, spec, options=OPTIONS).to_dict() == with_options.to_dict()


def test_bad_options_name_the_option(compas):
    frame, spec = compas
    with pytest.raises(FairLensInputError, match="Unknown remedy option"):
        remedy_spec(frame, spec, method="thresholds", objectiv="accuracy")
    with pytest.raises(FairLensInputError, match="objective"):
        remedy_spec(frame, spec, method=GroupThresholds(objective="recall"))
    with pytest.raises(FairLensInputError, match="fis_coef"):
        FairLossClassifier(fis_coef=2.0).fit([[0.0], [1.0]], [0, 1], ["a", "b"])
    with pytest.raises(FairLensInputError, match="epochs"):
        FairLossClassifier(epochs=0).fit([[0.0], [1.0]], [0, 1], ["a", "b"])


def _follows_the_convention(result, schema):
    assert result.SCHEMA == schema
    doc = result.to_dict()
    assert doc["schema"] == schema
    json.dumps(doc, allow_nan=False)
    assert isinstance(result.warnings, list) and all(isinstance(w, str)
                                                     for w in result.warnings)
    tables = result.tables()
    assert tables and all(isinstance(t, pd.DataFrame) for t in tables.values())
    lines = result.summary_lines()
    assert lines and all(isinstance(line, str) for line in lines)
    return lines


def test_results_follow_the_result_convention(compas, with_options):
    frame, spec = compas
    lines = _follows_the_convention(with_options, SCHEMA)
    assert lines[0].startswith("FairLens remedy: thresholds (equalized_odds, tolerance 0.05)")
    assert with_options.sentence in lines
    table = with_options.tables()["before_after"]
    acc = table.set_index("measure").loc["accuracy"]
    assert acc["before"] == with_options.accuracy("before")
    assert acc["after"] == with_options.accuracy("after")
    trade = compare_remedies(frame, spec, methods=["thresholds", "reweigh"], bootstrap=0,
                             baseline=False)
    assert any("Pareto front" in line for line in _follows_the_convention(trade,
                                                                          TRADEOFF_SCHEMA))
    curves = learning_curves(frame, spec, fractions=(0.5, 1.0), options=OPTIONS)
    _follows_the_convention(curves, CURVES_SCHEMA)

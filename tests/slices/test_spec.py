"""The one shape: ``find_slices_spec`` with the audit's options, the registered slice finder,
and the result convention (SCHEMA, JSON-safe ``to_dict``, ``tables``, ``summary_lines``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairlens import registry
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.slices import (
    SliceLine,
    SliceResult,
    candidate_features,
    error_signal,
    error_signal_spec,
    find_slices,
    find_slices_spec,
)


@pytest.fixture(scope="module")
def spec(planted):
    return AuditSpec(label="label", score=["score"], sensitive=["group", "sex"],
                     features=planted.features, threshold=0.5)


def test_slices_family_lists_the_finder():
    listed = [cls.describe() for cls in registry.registered("slices")]
    assert listed == [{"family": "slices", "name": "sliceline", "title": "SliceLine error slices",
                       "needs": ["label", "binary", "prediction", "features"]}]
    assert registry.get("slices", "sliceline") is SliceLine
    assert registry.get("section", "slices").needs == SliceLine.needs


@pytest.mark.parametrize("significance", ["bh", "split"])
def test_spec_entry_point_equals_the_column_keywords(planted, spec, significance):
    options = AuditOptions(seed=4, threshold=0.6)
    by_spec = find_slices_spec(planted.frame, spec, options=options, max_depth=2, top_k=4,
                               significance=significance)
    by_columns = find_slices(planted.frame, features=planted.features, label="label",
                             score="score", sensitive=["group", "sex"], threshold=0.6, seed=4,
                             max_depth=2, top_k=4, significance=significance)
    assert by_spec.to_json() == by_columns.to_json()
    assert by_spec.params["threshold"] == 0.6 and by_spec.params["seed"] == 4


def test_registered_finder_runs_find_slices_spec(planted, spec):
    options = AuditOptions(seed=1)
    run = registry.create("slices", "sliceline", top_k=3).run(planted.frame, spec,
                                                               options=options)
    assert run.to_dict() == find_slices_spec(planted.frame, spec, options=options,
                                             top_k=3).to_dict()


def test_section_refuses_a_spec_without_features(planted, spec):
    bare = AuditSpec(label="label", score=["score"], sensitive=["group"])
    with pytest.raises(FairLensInputError, match="feature columns"):
        registry.create("section", "slices").run(planted.frame, bare, options=AuditOptions())


def test_error_signal_spec_uses_the_options_threshold(planted, spec):
    expected = error_signal(planted.frame, label="label", score="score", threshold=0.7)
    got = error_signal_spec(planted.frame, spec, options=AuditOptions(threshold=0.7))
    np.testing.assert_array_equal(got, expected)


def test_result_convention(planted, spec):
    result = find_slices_spec(planted.frame, spec, top_k=3)
    assert SliceResult.SCHEMA == result.to_dict()["schema"] == "fairlens.slices/1"
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert json.loads(text) == json.loads(result.to_json())
    assert list(result.tables()) == ["slices"]
    assert list(result.tables()["slices"]["description"]) == [
        s.description for s in result.slices]
    lines = result.summary_lines()
    assert lines[0] == (f"FairLens slices: {result.n} rows, overall misclassification rate "
                        f"{result.overall_error:.1%}, {result.n_examined} slices examined")
    first = result.slices[0]
    mark = "significant" if first.significant else "not significant"
    assert lines[1] == f"  1. {first.description} ({mark}, q = {first.q_value:.2g})"
    assert len(lines) == 1 + len(result.slices) + len(result.warnings)


def test_nan_statistics_are_json_null(planted, spec):
    result = find_slices_spec(planted.frame, spec, top_k=2)
    result.slices[0].p_value = float("nan")
    doc = result.to_dict()
    assert doc["slices"][0]["p_value"] is None
    json.dumps(doc, allow_nan=False)


def test_candidate_features_leave_out_roles_and_identifiers(planted, spec):
    frame = planted.frame.assign(case_id=np.arange(len(planted.frame)))
    found = candidate_features(frame, spec)
    assert "case_id" not in found and "label" not in found and "group" not in found
    assert set(planted.features) <= set(found)


def test_a_measurement_distinct_on_every_row_is_a_candidate(planted, spec):
    rng = np.random.default_rng(0)
    n = len(planted.frame)
    frame = planted.frame.assign(income=rng.lognormal(10, 0.5, n).round(2) + np.arange(n) * 1e-6,
                                 row_number=np.arange(5, n + 5), ticket=[f"T{i}" for i in range(n)])
    found = candidate_features(frame, spec)
    assert "income" in found
    assert "row_number" not in found and "ticket" not in found

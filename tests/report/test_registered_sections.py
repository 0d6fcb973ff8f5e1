"""The report runs registered sections with the audit's one set of options.

- The remedy and label sections use the audit's minimum group size, reference group and seed:
  the remedy's before-audit is ``audit_spec`` on the held-out rows with the config's options,
  and the label analysis' audit is ``audit_spec`` with them.
- A failing section is recorded in the report's errors with its message; the others complete.
- Every registered analysis has a name, a title, a known family and known needs.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from fairlens import registry
from fairlens.auditing import AuditOptions, audit_spec
from fairlens.data import AuditSpec
from fairlens.report import ANALYSES, ReportConfig, build_report, fingerprint, render_html

from .conftest import hostile_frame

SPEC = AuditSpec(label="label", score=["score"], sensitive=["race"], features=["age", "priors"])


def plain(doc: dict) -> dict:
    return json.loads(json.dumps(doc))


def report_of(frame: pd.DataFrame, **settings):
    config = ReportConfig(data="hostile.csv", spec=SPEC.to_dict(), **settings)
    return config, build_report(frame, config, fingerprint=fingerprint(
        frame, name="hostile.csv", source="file"))


@pytest.fixture(scope="module")
def configured():
    """A report whose settings all differ from the defaults (reference B, not the largest)."""
    frame = hostile_frame(1500)
    config, report = report_of(frame, reference="B", min_group_size=80, bootstrap=100,
                               seed=5, labels=True, remedy="thresholds")
    return frame, config, report


def test_config_options_are_the_audits(configured):
    _, config, report = configured
    assert config.options == AuditOptions(reference="B", min_group_size=80, bootstrap=100,
                                          seed=5)
    assert report.audit.options == config.options
    assert report.audit.to_dict()["disparities"]["race"]["reference"] == "B"


def test_remedy_before_audit_uses_the_audit_options(configured):
    frame, config, report = configured
    assert "remedy" not in report.errors, report.errors
    remedy = report.remedy
    held_out = frame.iloc[remedy.split.test].reset_index(drop=True)
    expected = audit_spec(held_out, SPEC, options=config.options)
    assert plain(remedy.before.to_dict()) == plain(expected.to_dict())
    assert remedy.before.options.min_group_size == 80
    assert remedy.before.to_dict()["disparities"]["race"]["reference"] == "B"


def test_label_section_uses_the_audit_options(configured):
    frame, config, report = configured
    assert "labels" not in report.errors, report.errors
    before = report.labels.fairness.audits["before"]
    assert before.options == config.options
    # the label-aware audits leave the features out of their spec (no number uses them)
    expected = audit_spec(frame, replace(SPEC, features=[]), options=config.options)
    assert plain(before.to_dict()) == plain(expected.to_dict())


def test_a_failing_section_is_reported_while_the_others_complete():
    original = registry.get("section", "slices")
    registry.unregister("section", "slices")

    @registry.register
    class BrokenSlices(registry.Analysis):
        family = "section"
        name = "slices"
        title = "Error slices that always fail"

        def run(self, frame, spec, *, options):
            raise RuntimeError("slice search broke")

    try:
        frame = hostile_frame(800)
        _, report = report_of(frame, bootstrap=0, ci="wilson", labels=True, slices=True)
    finally:
        registry.unregister("section", "slices")
        registry.register(original)
    assert registry.get("section", "slices") is original
    assert report.errors == {"slices": "RuntimeError: slice search broke"}
    assert report.slices is None and report.labels is not None
    doc = report.to_dict()
    assert doc["errors"] == {"slices": "RuntimeError: slice search broke"}
    assert doc["labels"]["schema"] == "fairlens.labels/1"
    assert any("slices analysis could not run: RuntimeError: slice search broke" in s
               for s in doc["summary"])
    assert "Slices (not available)" in render_html(report, interactive=False)


def test_every_registered_analysis_is_described():
    analyses = registry.registered()
    assert analyses
    seen: dict[str, set[str]] = {family: set() for family in registry.FAMILIES}
    for cls in analyses:
        described = cls.describe()
        assert described["name"] and described["title"], described
        assert described["family"] in registry.FAMILIES, described
        assert set(described["needs"]) <= set(registry.NEEDS), described
        assert described["name"] not in seen[described["family"]], described
        seen[described["family"]].add(described["name"])
    for family in ("labels", "slices", "explain", "remedy", "section"):
        assert seen[family], f"no analysis registered in the {family!r} family"
    assert set(registry.names("section")) == set(ANALYSES)


def test_an_unknown_section_says_what_is_known():
    from fairlens.data import FairLensInputError

    with pytest.raises(FairLensInputError, match="Unknown section 'magic'; choose one of"):
        registry.get("section", "magic")

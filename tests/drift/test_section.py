"""The report's "Over time" section: registered, present exactly when a time column is mapped,
its numbers the per-window audits', the planted change in its words."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fairlens import AuditOptions, AuditSpec, audit_spec, registry
from fairlens.data import FairLensInputError
from fairlens.datasets import make_drift_log
from fairlens.drift import drift_spec
from fairlens.report import ANALYSES, ReportConfig, build_report, fingerprint, render_html
from fairlens.report._sections import build_sections

FAST = AuditOptions(bootstrap=0, ci="wilson")


@pytest.fixture(scope="module")
def log():
    return make_drift_log(n_months=6, rows_per_month=1500, change_month=4, tpr_drop=0.4)


@pytest.fixture(scope="module")
def spec(log):
    return replace(AuditSpec.from_dict(log.audit_kwargs), sensitive=["group"])


@pytest.fixture(scope="module")
def monthly(log, spec):
    return drift_spec(log.frame, spec, options=FAST, window="month")


def _report(frame, spec):
    config = ReportConfig(data="log.csv", spec=spec.to_dict(), bootstrap=0, ci="wilson")
    return build_report(frame, config, fingerprint=fingerprint(frame, name="log.csv",
                                                               source="file"))


def test_registered_and_runs_drift_with_the_audits_options(log, spec, monthly):
    assert "over_time" in registry.names("section") and "over_time" in ANALYSES
    section = registry.create("section", "over_time")  # auto: 6 months are months
    result = section.run(log.frame, spec, options=FAST)
    assert result.to_dict() == monthly.to_dict()
    with pytest.raises(FairLensInputError, match="needs a time column"):
        section.run(log.frame, replace(spec, time=None), options=FAST)


def test_series_are_the_window_audits(log, spec, monthly):
    from fairlens.drift._section import series

    d = monthly
    tpr = series(d, "group", "tpr", "B")
    eod = series(d, "group", "equal_opportunity_difference")
    harmony = series(d, "group", "harmony_accuracy")
    assert list(tpr["window"]) == [w.label for w in d.windows]
    # Oracle: the audit of one window's rows alone.
    month = log.frame["date"].dt.to_period("M")
    for i, period in enumerate(sorted(month.unique())):
        alone = audit_spec(log.frame[month == period], spec, options=FAST).to_dict()
        row = next(r for r in alone["groups"]
                   if r["grouping"] == "group" and r["attributes"]["group"] == "B")
        assert tpr["value"][i] == pytest.approx(row["tpr"], abs=1e-12)
        assert (tpr["lo"][i], tpr["hi"][i]) == pytest.approx(tuple(row["ci"]["tpr"]), abs=1e-12)
        assert tpr["n"][i] == row["n"]
        assert eod["value"][i] == pytest.approx(
            alone["disparities"]["group"]["equal_opportunity_difference"], abs=1e-12)
        assert harmony["value"][i] == pytest.approx(alone["harmony"]["group"]["accuracy"],
                                                    abs=1e-12)
    # The planted drop shows in the series.
    assert tpr["value"][:4].min() > tpr["value"][4:].max() + 0.2
    missing = series(d, "group", "no_such_measure")
    assert np.isnan(missing["value"]).all()
    # Several groups at once are the same series.
    from fairlens.drift._section import group_series

    many = group_series(d, "group", "tpr", ["A", "B", "Z"], (1, 4))
    for name in ("A", "B"):
        one = series(d, "group", "tpr", name, (1, 4))
        np.testing.assert_allclose(many[name][["value", "lo", "hi"]], one[["value", "lo", "hi"]])
    assert np.isnan(many["Z"]["value"]).all() and list(many["Z"]["window_index"]) == [1, 2, 3, 4]


def test_report_has_the_section_only_with_a_time_column(log, spec):
    report = _report(log.frame, spec)
    assert report.errors == {}
    section = next(s for s in build_sections(report) if s.id == "over_time")
    assert section.title == "Over time"
    assert "6 windows by month of the time column date" in section.paragraphs[0]
    planted = [c for c in report.over_time.changes if c.window == log.change_label
               and c.group == "B" and c.measure == "tpr"]
    assert planted and planted[0].q_value < 0.01
    assert planted[0].description in section.bullets
    table = section.tables[0]
    assert [r[0] for r in table.rows] == [w.label for w in report.over_time.windows]
    assert table.columns[:3] == ["Window", "Rows", "Changes"]
    assert "Equalized odds difference (group)" in table.columns
    chart = section.figures[0]
    assert chart.kind == "bars" and len(chart.data["labels"]) == 6
    assert report.to_dict()["over_time"]["schema"] == "fairlens.drift/1"
    assert ">Over time<" in render_html(report, interactive=False)

    without = _report(log.frame, replace(spec, time=None))
    assert without.over_time is None and "over_time" not in without.errors
    assert all(s.id != "over_time" for s in build_sections(without))

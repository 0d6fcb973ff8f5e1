"""The report words the four-fifths rule from the harmed group's side and names the error rates
that matter for the direction of harm, with the numbers of the audit's JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairlens.data import AuditSpec
from fairlens.datasets import COMPAS_AUDIT
from fairlens.report import ReportConfig, build_report, fingerprint, render_html, run_config
from fairlens.report._sections import build_sections
from fairlens.wording import error_rate_priority


@pytest.fixture(scope="module")
def compas_report():
    config = ReportConfig(sample="compas", spec=AuditSpec(**COMPAS_AUDIT).to_dict(), bootstrap=0,
                          ci="wilson")
    return run_config(config)


def selected_frame() -> pd.DataFrame:
    """B is selected at 1.77x A's rate (0.531 against 0.30)."""
    rng = np.random.default_rng(0)
    parts = []
    for group, n, selected in (("A", 2000, 600), ("B", 1000, 531)):
        pred = np.zeros(n, dtype=int)
        pred[:selected] = 1
        parts.append(pd.DataFrame({"label": rng.integers(0, 2, n), "pred": rng.permutation(pred),
                                   "group": group}))
    return pd.concat(parts, ignore_index=True)


def section(report, section_id: str):
    return next(s for s in build_sections(report) if s.id == section_id)


def test_compas_report_words_the_rule_for_the_harmed_group(compas_report):
    rule = compas_report.audit.to_dict()["disparities"]["race"]["four_fifths_rule"]
    aa = rule["groups"]["African-American"]
    times = aa["selection_rate"] / rule["groups"]["Caucasian"]["selection_rate"]
    race = section(compas_report, "grouping-race")
    assert (f"**African-American** defendants are labelled medium or high risk at "
            f"**{times:.2f}** times the rate of **Caucasian** defendants (the largest group "
            f"that fares better); they receive the favorable outcome (labelled low risk) at "
            f"**{aa['ratio']:.2f}** of **Other**'s rate, the highest: below four-fifths "
            "(0.80).") in race.paragraphs
    summary = "\n".join(compas_report.summary())
    assert (f"the four-fifths rule **fails** for African-American, at {aa['ratio']:.2f} of "
            "Other's rate of the favorable outcome (predicted negative)") in summary
    disparities = section(compas_report, "disparities")
    overall = compas_report.audit.to_dict()["overall"]
    assert error_rate_priority("negative", overall) in disparities.paragraphs
    assert f"Here {100 * overall['selection_rate']:.0f}% of all rows" in disparities.paragraphs[1]
    race_rows = compas_report.audit.by_group.query("grouping == 'race' and not small")
    fpr, fdr = race_rows.set_index("group")["fpr"], race_rows.set_index("group")["fdr"]
    assert (f"By **race**: FPR ranges from **{fpr.min():.2f}** ({fpr.idxmin()}) to "
            f"**{fpr.max():.2f}** ({fpr.idxmax()}); FDR ranges from **{fdr.min():.2f}** "
            f"({fdr.idxmin()}) to **{fdr.max():.2f}** ({fdr.idxmax()}).") in disparities.paragraphs
    table = next(t for t in disparities.tables if t.title.startswith("Four-fifths rule"))
    assert "predicted negative" in table.title
    rows = {(r[0], r[1]): r for r in table.rows}
    assert rows[("race", "African-American")][2:] == [
        f"{aa['rate']:.3f}", "Other", f"{aa['ratio']:.3f}", "FAILS"]
    assert rows[("race", "Caucasian")][-1] == "passes"
    assert rows[("race", "Native American")][-1] == "too small to count"
    html = render_html(compas_report, interactive=False)
    assert "labelled medium or high risk at" in html and "false discovery rate" in html


def test_four_fifths_csv_is_the_json(compas_report):
    frame = compas_report.tables()["four_fifths_rule"]
    doc = compas_report.audit.to_dict()["disparities"]
    assert list(frame.columns) == ["grouping", "group", "n", "eligible", "favorable", "tested",
                                   "comparison_group", "selection_rate", "favorable_rate",
                                   "ratio", "passes"]
    for _, r in frame.iterrows():
        rule = doc[r["grouping"]]["four_fifths_rule"]
        entry = rule["groups"][r["group"]]
        assert r["comparison_group"] == rule["comparison_group"]
        assert r["ratio"] == entry["ratio"] and r["favorable_rate"] == entry["rate"]
        assert r["passes"] == entry["passes"]


def test_generated_report_fails_the_group_selected_less():
    frame = selected_frame()
    config = ReportConfig(data="selected.csv", bootstrap=0, ci="wilson", spec=AuditSpec(
        label="label", pred=["pred"], sensitive=["group"], favorable="positive").to_dict())
    report = build_report(frame, config, fingerprint=fingerprint(frame, name="selected.csv",
                                                          source="file"))
    group = section(report, "grouping-group")
    assert ("The **A** group receives the favorable outcome (predicted positive) at **0.56** of "
            "**B**'s rate, the highest: below four-fifths (0.80).") in group.paragraphs
    assert "the four-fifths rule **fails** for A, at 0.56 of B's rate" in "\n".join(
        report.summary())
    disparities = section(report, "disparities")
    assert error_rate_priority("positive", report.audit.to_dict()["overall"]) in \
        disparities.paragraphs
    table = next(t for t in disparities.tables if t.title.startswith("Four-fifths rule"))
    assert [r[-1] for r in table.rows] == ["FAILS", "passes"]
    assert table.row_classes == ["fail", ""]

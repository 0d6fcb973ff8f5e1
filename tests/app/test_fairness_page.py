"""Fairness page: the numbers shown are the library's, and the controls change them."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

import fairlens
from fairlens import wording as fmt
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.ui import _cache

from .conftest import table_frame


@pytest.fixture(scope="module")
def compas_audit() -> fairlens.Audit:
    """The reference audit: the library called directly on the COMPAS sample."""
    return fairlens.audit(load_compas(), **COMPAS_AUDIT)


def expected_cells(audit: fairlens.Audit, grouping: str, metric: str) -> dict[str, str]:
    """What the page must show for one metric column: value [low, high] and the mark."""
    rows = audit.by_group[audit.by_group["grouping"] == grouping]
    out = {}
    for _, r in rows.iterrows():
        text = fmt.fmt_ci(r[metric], r[f"{metric}_low"], r[f"{metric}_high"])
        if bool(r.get(f"{metric}_significant", False)):
            text += fmt.SIGNIFICANCE_MARK
        out[str(r["group"])] = text
    return out


def shown_column(at, label: str) -> dict[str, str]:
    table = table_frame(at)
    return {str(k): str(v) for k, v in table[label].items()}


def test_opens_on_compas_with_the_per_group_table(app, compas_audit):
    assert [t.value for t in app.title] == ["Fairness"]
    table = table_frame(app)
    assert list(table.index) == ["African-American", "Asian", "Caucasian", "Hispanic",
                                 "Native American", "Other"]
    assert list(table.columns) == ["n", "Base rate", "Selection rate", "TPR", "FPR", "PPV",
                                   "Accuracy", "AUC", "Flags"]
    for metric in fmt.BINARY_TABLE_METRICS:
        assert shown_column(app, fmt.metric_label(metric)) == expected_cells(
            compas_audit, "race", metric), metric
    assert table.loc["African-American", "n"] == "3,696"
    assert table.loc["African-American", "Flags"] == "reference group"
    assert table.loc["Native American", "Flags"] == "small group (n < 30)"
    assert "differs from reference" in table.loc["Caucasian", "Flags"]


def test_headline_metrics_and_charts(app, compas_audit):
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Rows audited"] == "7,214"
    assert metrics["Overall selection rate"] == fmt.fmt(compas_audit.overall["selection_rate"])
    assert metrics["Overall AUC"] == fmt.fmt(compas_audit.overall["auc"])
    assert len(app.get("plotly_chart")) == 3  # bars, ROC, calibration


def test_disparity_summary_in_plain_words(app, compas_audit):
    text = "\n".join(m.value for m in app.markdown)
    ratios = compas_audit.to_dict()["disparities"]["race"]["four_fifths_rule"][
        "selection_rate_ratio_to_reference"]
    assert (f"**Caucasian** is selected at **{ratios['Caucasian']:.2f}** of "
            "**African-American**'s rate") in text
    dpd = compas_audit.disparities.set_index(["grouping", "measure"]).loc[
        ("race", "demographic_parity_difference"), "value"]
    assert f"demographic parity difference **{dpd:.2f}**" in text
    assert "Native American (n = 18)" in text


def test_threshold_slider_uses_the_tables_only(app, compas_audit, monkeypatch):
    calls = []
    original = _cache.build_statistics

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_cache, "build_statistics", counting)
    st.cache_resource.clear()
    app.run()
    assert len(calls) == 1
    slider = app.sidebar.select_slider[0]
    assert slider.label == "Decision threshold" and slider.value == 0.5
    slider.set_value(0.7).run()
    assert not app.exception
    assert len(calls) == 1, "moving the threshold must not rebuild the statistics"
    moved = compas_audit.at_threshold(0.7)
    for metric in fmt.BINARY_TABLE_METRICS:
        assert shown_column(app, fmt.metric_label(metric)) == expected_cells(
            moved, "race", metric), metric
    assert shown_column(app, "Selection rate") != expected_cells(compas_audit, "race",
                                                                 "selection_rate")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Overall selection rate"] == fmt.fmt(moved.overall["selection_rate"])


def test_grouping_switch_shows_each_attribute_and_the_intersection(app, compas_audit):
    control = app.segmented_control[0]
    assert control.options == ["race", "sex", "age_cat", "race x sex x age_cat"]
    control.set_value("sex").run()
    assert list(table_frame(app).index) == ["Female", "Male"]
    assert shown_column(app, "FPR") == expected_cells(compas_audit, "sex", "fpr")
    app.segmented_control[0].set_value("race x sex x age_cat").run()
    table = table_frame(app)
    inter = compas_audit.by_group[compas_audit.by_group["grouping"] == "race x sex x age_cat"]
    assert len(table) == len(inter)
    assert shown_column(app, "TPR") == expected_cells(compas_audit, "race x sex x age_cat",
                                                      "tpr")


def test_reference_group_and_minimum_group_size(app):
    app.sidebar.selectbox(key="sidebar_reference__race").set_value("Caucasian").run()
    assert not app.exception
    expected = fairlens.audit(load_compas(), **COMPAS_AUDIT,
                              reference={"race": "Caucasian"})
    table = table_frame(app)
    assert table.loc["Caucasian", "Flags"] == "reference group"
    assert shown_column(app, "Selection rate") == expected_cells(expected, "race",
                                                                 "selection_rate")
    text = "\n".join(m.value for m in app.markdown)
    assert "of **Caucasian**'s rate" in text

    app.sidebar.number_input(key="sidebar_min_group_size").set_value(10).run()
    table = table_frame(app)
    assert "small" not in table.loc["Native American", "Flags"]
    smaller = fairlens.audit(load_compas(), **COMPAS_AUDIT, reference={"race": "Caucasian"},
                             min_group_size=10)
    assert shown_column(app, "FPR") == expected_cells(smaller, "race", "fpr")


def test_notes_and_download(app, compas_audit):
    assert app.get("download_button"), "the audit can be downloaded as JSON"
    shown = {w.value for w in app.warning}
    assert set(compas_audit.warnings) <= shown


def test_invalid_mapping_shows_a_message_not_a_traceback(app):
    from fairlens.ui import keys

    spec = app.session_state[keys.SPEC]
    app.session_state[keys.SPEC] = fairlens.AuditSpec.from_dict(
        {**spec.to_dict(), "sensitive": ["no_such_column"]})
    app.run()
    assert not app.exception
    assert any("no_such_column" in e.value for e in app.error)
    assert pd.Series([p.label for p in app.main.get("page_link")]).str.contains("Data").any()

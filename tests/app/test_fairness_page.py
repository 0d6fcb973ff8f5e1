"""Fairness page: the numbers shown are the library's, and the controls change them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import streamlit as st

import fairlens
from fairlens import wording as fmt
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.ui import _cache

from .conftest import readable, table_frame


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
    assert [readable(t.value) for t in app.title] == ["Fairness"]
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
    text = "\n".join(readable(m.value) for m in app.markdown)
    rule = compas_audit.to_dict()["disparities"]["race"]["four_fifths_rule"]
    groups = rule["groups"]
    aa, white = groups["African-American"], groups["Caucasian"]
    times = aa["selection_rate"] / white["selection_rate"]
    assert f"{times:.2f}" == "1.69" and f"{aa['ratio']:.2f}" == "0.52"
    assert (f"**African-American** defendants are labelled medium or high risk at "
            f"**{times:.2f}** times the rate of **Caucasian** defendants (the largest group "
            f"that fares better); they receive the favorable outcome (labelled low risk) at "
            f"**{aa['ratio']:.2f}** of **Other**'s rate, the highest: below four-fifths") in text
    assert (f"Caucasian ({white['ratio']:.2f}), Hispanic ({groups['Hispanic']['ratio']:.2f})"
            in text)
    assert "**Caucasian** defendants are labelled" not in text
    dpd = compas_audit.disparities.set_index(["grouping", "measure"]).loc[
        ("race", "demographic_parity_difference"), "value"]
    assert f"demographic parity difference **{dpd:.2f}**" in text
    assert "Native American (n = 18)" in text


def test_the_errors_that_matter_for_a_punitive_decision(app, compas_audit):
    assert "The errors that matter most here" in [readable(h.value) for h in app.subheader]
    text = "\n".join(readable(m.value) for m in app.markdown)
    assert fmt.error_rate_priority("negative", compas_audit.to_dict()["overall"]) in text
    assert "**false positive rate**" in text and "**false discovery rate**" in text
    table = table_frame(app, 1)
    assert list(table.columns) == ["n", "FPR", "FDR", "Flags"]
    for metric in ("fpr", "fdr"):
        assert shown_column_at(app, 1, fmt.metric_label(metric)) == expected_cells(
            compas_audit, "race", metric), metric


def shown_column_at(at, index: int, label: str) -> dict[str, str]:
    table = table_frame(at, index)
    return {str(k): str(v) for k, v in table[label].items()}


def test_a_group_selected_less_fails_when_selection_is_favorable():
    """Generated upload: B selected at 1.77x A's rate, favorable positive (the default)."""
    from .conftest import new_app, upload

    rng = np.random.default_rng(0)
    parts = []
    for group, n, selected in (("A", 2000, 600), ("B", 1000, 531)):
        score = np.zeros(n)
        score[:selected] = 1.0
        parts.append(pd.DataFrame({"label": rng.integers(0, 2, n), "score": rng.permutation(score),
                                   "race": group}))
    frame = pd.concat(parts, ignore_index=True)
    at = new_app().run()
    upload(at, "selected.csv", frame.to_csv(index=False).encode())
    at.switch_page("pages/fairness.py").run()
    assert not at.exception, at.exception
    text = "\n".join(readable(m.value) for m in at.markdown)
    expected = fairlens.audit(frame, label="label", score="score", sensitive="race")
    rule = expected.to_dict()["disparities"]["race"]["four_fifths_rule"]
    assert rule["favorable"] == "positive" and rule["failing_groups"] == ["A"]
    ratio = rule["groups"]["A"]["ratio"]
    assert f"{ratio:.2f}" == "0.56"
    assert ("The **A** group receives the favorable outcome (predicted positive) at **0.56** of "
            "**B**'s rate, the highest: below four-fifths (0.80).") in text
    assert "**false negative rate**" in text and "**false omission rate**" in text


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
    assert [readable(o) for o in control.options] == ["race", "sex", "age_cat",
                                                      "race x sex x age_cat"]
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
    text = "\n".join(readable(m.value) for m in app.markdown)
    assert "times the rate of **Caucasian** defendants (the reference group)" in text

    app.sidebar.number_input(key="sidebar_min_group_size").set_value(10).run()
    table = table_frame(app)
    assert "small" not in table.loc["Native American", "Flags"]
    smaller = fairlens.audit(load_compas(), **COMPAS_AUDIT, reference={"race": "Caucasian"},
                             min_group_size=10)
    assert shown_column(app, "FPR") == expected_cells(smaller, "race", "fpr")


def test_notes_and_download(app, compas_audit):
    assert app.get("download_button"), "the audit can be downloaded as JSON"
    shown = {readable(w.value) for w in app.warning}
    assert set(compas_audit.warnings) <= shown


def test_invalid_mapping_shows_a_message_not_a_traceback(app):
    from fairlens.ui import keys

    spec = app.session_state[keys.SPEC]
    app.session_state[keys.SPEC] = fairlens.AuditSpec.from_dict(
        {**spec.to_dict(), "sensitive": ["no_such_column"]})
    app.run()
    assert not app.exception
    assert any("no_such_column" in readable(e.value) for e in app.error)
    assert pd.Series([p.label for p in app.main.get("page_link")]).str.contains("Data").any()


def test_all_metrics_table_lists_its_flags_under_it(compas_audit):
    """With every metric the table is too wide for a Flags column: the flags follow it."""
    from fairlens.ui import keys

    from .conftest import new_app

    at = new_app()
    at.switch_page("pages/fairness.py").run()
    at.toggle(key=keys.W_FAIRNESS_ALL_METRICS).set_value(True).run()
    table = table_frame(at)
    assert "Flags" not in table.columns and len(table.columns) > 10
    line = next(readable(m.value) for m in at.markdown if m.value.startswith("**Flags:**"))
    assert "African-American: reference group" in line
    assert "Native American: small group (n < 30)" in line
    assert "Caucasian: differs from reference: " in line

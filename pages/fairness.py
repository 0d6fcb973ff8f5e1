"""Fairness page: per-group metrics with intervals, disparities in words, ROC and calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fairlens import ui
from fairlens.ui import fmt, plots
from fairlens.ui import keys as K

ui.page_header(
    "Fairness",
    "How the model performs for every group and intersection, with 95% confidence intervals, "
    "and how far the groups are apart.",
    fragments=[K.FAIRNESS_FRAGMENT, K.FAIRNESS_NOTES_FRAGMENT])
if ui.active().kind == "sample":
    st.info(f"You are looking at the built-in **{ui.sample_title(ui.active().sample)}**. Upload "
            "your own predictions on the Data page.", icon=":material/info:")


def _headline(audit: ui.Audit, model: str) -> None:
    """Rows audited and the overall metrics of one model, with their intervals on hover."""
    result = audit.models[model]
    overall, ci = result.overall, result.overall_ci
    names = [m for m in ("selection_rate", "base_rate", "accuracy", "auc", "dice", "iou")
             if m in overall] or list(overall)[:4]
    cols = st.columns(1 + len(names[:5]))
    cols[0].metric("Rows audited", f"{audit.n_rows:,}")
    for col, m in zip(cols[1:], names[:5], strict=False):
        lo, hi = ci.get(m, (None, None))
        label = fmt.metric_label(m)
        col.metric(f"Overall {label if label.isupper() else label.lower()}", fmt.fmt(overall[m]),
                   help=(fmt.METRIC_HELP.get(m, "") + (
                       f" 95% CI {fmt.fmt(lo)}-{fmt.fmt(hi)}." if not fmt.is_missing(lo)
                       else "")).strip() or None)


WIDE_TABLE_METRICS = 9
"""With more metric columns than this, the per-group table leaves its Flags out (the page
would cut that last column off) and lists the flags under it."""


def _group_table(by_group: pd.DataFrame, metrics: list[str], min_group_size: int,
                 grouping: str) -> None:
    """The per-group table: significant cells in yellow, small groups in grey."""
    display, mask = fmt.group_table(by_group, grouping, metrics, min_group_size=min_group_size)
    flags = None
    if len(metrics) > WIDE_TABLE_METRICS:
        flags = [(g, f) for g, f in zip(display["Group"], display["Flags"], strict=True) if f]
        display, mask = display.drop(columns="Flags"), mask.drop(columns="Flags")
    small = by_group[by_group["grouping"] == grouping]["small"].to_numpy(dtype=bool)
    css = np.where(mask.to_numpy(), "background-color: #fef3c7; font-weight: 600;", "")
    css = css.astype(object)
    css[small, :] = css[small, :] + "color: #94a3b8;"
    cell_css = pd.DataFrame(css, columns=display.columns).drop(columns="Group").to_numpy()
    ui.static_table(display.set_index("Group"),
                    styler=lambda safe: safe.style.apply(lambda _: cell_css, axis=None))
    if flags:
        st.markdown("**Flags:** " + "; ".join(f"{fmt.md(g)}: {fmt.md(f)}" for g, f in flags)
                    + ".")
    st.caption("Each cell: value [95% confidence interval]. **\\*** and yellow: differs from the "
               "reference group after correcting for multiple comparisons (Benjamini-Hochberg, "
               "q < 0.05). Grey rows: groups below the minimum size, left out of disparities.")


def _error_priority(audit: ui.Audit, doc: dict, by_group: pd.DataFrame, min_group_size: int,
                    grouping: str) -> None:
    """Which error rates matter most for the direction of harm, and those rates by group."""
    favorable = audit.spec.favorable
    st.subheader("The errors that matter most here")
    st.markdown(fmt.error_rate_priority(favorable, doc["overall"]))
    metrics = [m for m in fmt.priority_metrics(favorable) if m in by_group]
    if metrics:
        display, _ = fmt.group_table(by_group, grouping, metrics, min_group_size=min_group_size)
        ui.static_table(display.set_index("Group"))
    st.caption(f"The mapping says the favorable outcome is a **{favorable}** prediction. If "
               "that is the wrong way round for the people concerned, change it on the Data page.")


@st.fragment(key=K.FAIRNESS_FRAGMENT)
def results(model: str, grouping: str) -> None:
    """Everything that depends on the threshold (rerun alone when the slider moves)."""
    audit = ui.audit_or_stop()
    settings = ui.current_settings()
    st.markdown(ui.dataset_caption(audit))
    _headline(audit, model)
    by_group = audit.by_group_frame(model)
    doc = audit.to_dict()
    doc_model = doc["models"][model] if "models" in doc else doc
    rows = fmt.group_rows(by_group, grouping)

    st.subheader("Disparities in plain words")
    words = fmt.outcome_words(ui.active().sample, audit.threshold, model)
    for sentence in fmt.disparity_sentences(doc_model, by_group, grouping, words=words,
                                            min_group_size=settings["min_group_size"]):
        st.markdown(f"- {sentence}")

    st.subheader(f"Metrics by group: {fmt.md(grouping)}")
    K.restore_widget(K.W_FAIRNESS_ALL_METRICS, False)
    all_metrics = st.toggle("Show all metrics", **K.kept(K.W_FAIRNESS_ALL_METRICS))
    metrics = fmt.table_metrics(by_group, all_metrics=all_metrics)
    _group_table(by_group, metrics, settings["min_group_size"], grouping)
    with st.expander("What do these metrics mean?"):
        for m in metrics:
            if m in fmt.METRIC_HELP:
                st.markdown(f"- **{fmt.metric_label(m)}**: {fmt.METRIC_HELP[m]}")

    ref = rows[rows["reference"]]["group"]
    ref_name = str(ref.iloc[0]) if len(ref) else "reference group"
    chart_metrics = [m for m in metrics if m != "base_rate"] if len(metrics) > 1 else metrics
    ui.chart(
        plots.group_metric_bars(rows, chart_metrics, labels=fmt.METRIC_LABELS,
                                line_label=f"reference ({ref_name})", columns=3),
        key="fairness_bars")
    st.caption(f"Bars: value per group; whiskers: 95% confidence interval; dashed line: the "
               f"reference group ({fmt.md(ref_name)}); grey bars: groups below the minimum "
               "size. Hover a bar for its numbers.")
    if audit.statistics.task == "binary":
        _error_priority(audit, doc_model, by_group, settings["min_group_size"], grouping)


def curves(audit: ui.Audit, model: str, grouping: str) -> None:
    """ROC and calibration curves: they do not depend on the threshold."""
    spec = audit.spec
    if not spec.score or audit.statistics.task != "binary":
        return
    st.subheader(f"ROC and calibration by group: {fmt.md(grouping)}")
    by_group = audit.by_group_frame(model)
    rows = fmt.group_rows(by_group, grouping)
    small = tuple(rows.loc[rows["small"], "group"].astype(str))
    data_key, spec_key = ui.active().key, ui.cache.spec_key(spec)
    left, right = st.columns(2)
    with left:
        ui.chart(ui.cache.roc_figure(data_key, spec_key, grouping, model, small, audit),
                        key="fairness_roc")
        st.caption("Each curve shows every threshold at once; the closer to the top-left "
                   "corner, the better the model separates the classes in that group. Groups "
                   "below the minimum size are hidden; click them in the legend.")
    with right:
        figure = ui.cache.calibration_figure(data_key, spec_key, grouping, model, small, audit)
        if figure is None:
            st.info("Calibration curves need probability scores (or scores with few distinct "
                    "values).")
        else:
            ui.chart(figure, key="fairness_calibration")
            st.caption("For each score, the share of rows whose label is positive. Curves that "
                       "lie apart mean the same score carries a different risk in different "
                       "groups.")


@st.fragment(key=K.FAIRNESS_NOTES_FRAGMENT)
def notes() -> None:
    """The audit's warnings and the JSON download (they follow the threshold too)."""
    audit = ui.audit_or_stop()
    if audit.warnings:
        with st.expander(f"Notes on this audit ({len(audit.warnings)})"):
            for w in audit.warnings:
                st.warning(fmt.md(w))
    ui.json_download(audit, key="fairness_download")


audit = ui.audit_or_stop()
model = next(iter(audit.models))
if len(audit.models) > 1:
    K.restore_widget(K.W_FAIRNESS_MODEL, model, list(audit.models))
    model = st.columns([1, 2])[0].selectbox(
        "Model", options=list(audit.models), **K.kept(K.W_FAIRNESS_MODEL),
        help="The data holds several score columns; each is a model.")
groupings = fmt.groupings_of(audit.by_group_frame(model))
K.restore_widget(K.W_FAIRNESS_GROUPING, groupings[0], groupings)
grouping = st.segmented_control("Compare groups by", options=groupings, required=True,
                                format_func=fmt.md, **K.kept(K.W_FAIRNESS_GROUPING))
results(model, grouping or groupings[0])
curves(audit, model, grouping or groupings[0])
notes()

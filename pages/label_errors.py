"""Label errors page: probably wrong labels, their rate per group, label-aware fairness, review."""

from __future__ import annotations

import streamlit as st

from fairlens import labels as fl
from fairlens import ui
from fairlens.ui import labels_page as L
from fairlens.ui.labels_controls import detection_controls, sources_or_stop
from fairlens.ui.labels_review import review_section
from fairlens.wording import labels as W
from fairlens.wording import md

ui.page_header("Label errors", W.PAGE_INTRO)
data = ui.active()
spec = ui.current_spec()
settings = ui.current_settings()
if data.kind == "sample":
    st.info(f"You are looking at the built-in **{md(data.name)}**. Upload your own predictions "
            "on the Data page.", icon=":material/info:")
if spec.task == "per_sample":
    ui.stop_with(W.PER_SAMPLE_PAGE)
if not spec.label:
    ui.stop_with(W.NO_LABEL_PAGE)

# --- what finds the errors ---------------------------------------------------------------------
sources, candidates = sources_or_stop(spec, list(data.columns))
chosen = detection_controls(spec, sources, candidates, int(settings["seed"]))
options = L.audit_options(spec)
with ui.guarded("labels"):
    issues = L.find_issues(spec, chosen.request, options, chosen.proba)
L.keep_label_flags(spec, issues)
ui.record_run("labels", L.run_params(chosen.request))

# --- headline ----------------------------------------------------------------------------------
lo, hi = issues.rate_ci
cols = st.columns([2, 2, 2, 3])
cols[0].metric("Rows analysed", f"{issues.n_rows:,}")
cols[1].metric("Suspected label errors", f"{issues.n_issues:,}",
               help="Rows whose given label confident learning finds unlikely.")
cols[2].metric("Share of rows", L.pct(issues.rate),
               help=f"95% Wilson interval {L.pct(lo)} - {L.pct(hi)}.")
cols[3].metric("Found with", L.method_short(issues), help=L.method_help(issues))
st.markdown(md(issues.headline()))
ui.show_warnings([W.for_page(w, esc=md) for w in issues.warnings], already=chosen.warned,
                 escaped=True)
with st.expander("How to read these results"):
    for note in issues.notes:
        st.markdown(f"- {W.for_page(note, esc=md)}")
    st.markdown(W.HOW_TO_READ)

# --- rates by group ----------------------------------------------------------------------------
st.subheader("Are the label errors concentrated in one group?")
by_group = issues.by_group
if by_group.empty:
    st.info(W.NO_SENSITIVE_RATES)
else:
    groupings = list(dict.fromkeys(by_group["grouping"]))
    ui.restore_widget(L.W_GROUPING, L.most_uneven(by_group), groupings)
    grouping = st.segmented_control("Compare groups by", groupings, required=True,
                                    format_func=md, **ui.kept(L.W_GROUPING))
    rows = by_group[by_group["grouping"] == grouping].reset_index(drop=True)
    for sentence in L.rate_sentences(rows, grouping, esc=md):
        st.markdown(f"- {sentence}")
    st.plotly_chart(fl.issue_rate_bars(rows, overall=issues.rate), key="labels_rate_bars",
                    config={"displaylogo": False})
    ui.table(L.rate_table(rows, options.min_group_size), headers=False,
             key="labels_rate_table")
    st.caption(W.RATES_CAPTION)

# --- label-aware fairness ----------------------------------------------------------------------
st.subheader("Do the disparities survive the label errors?")
fairness = None
if not spec.prediction_kinds:
    st.info(W.NO_PREDICTIONS)
elif not spec.sensitive:
    st.info(W.NO_SENSITIVE_AUDIT)
else:
    with ui.guarded("labels", stop=False):
        fairness = L.fairness(spec, chosen.request, options, issues)
if fairness is not None:
    st.markdown(W.fairness_intro(issues.n_issues))
    for w in fairness.warnings:
        st.warning(W.for_page(w, esc=md), icon=":material/warning:")
    for sentence in fl.verdict_sentences(fairness.table, fairness.changed_rows, esc=md):
        st.markdown(f"- {sentence}")
    fgroupings = list(dict.fromkeys(fairness.table["grouping"]))
    shown = st.session_state.get(L.W_GROUPING)
    ui.restore_widget(L.W_FAIR_GROUPING, shown if shown in fgroupings else fgroupings[0],
                      fgroupings)
    fgrouping = st.segmented_control("Attribute", fgroupings, required=True,
                                     format_func=md, **ui.kept(L.W_FAIR_GROUPING))
    variants = [v for v in fairness.variants if v != "review"]
    ui.table(L.comparison_display(fairness.table, fgrouping, variants), headers=False,
             key="labels_fair_table")
    st.plotly_chart(fl.fairness_comparison_chart(fairness.table, fgrouping, variants=variants),
                    key="labels_fairness_chart", config={"displaylogo": False})
    st.caption(W.FAIRNESS_CAPTION)
    if fairness.ranking is not None:
        st.markdown("**Model ranking on original and corrected labels**")
        ui.table(fairness.ranking, key="labels_ranking")

# --- review queue ------------------------------------------------------------------------------
review_section(spec, issues, fairness, chosen.request, options)

with st.expander("Label quality of every row"):
    st.plotly_chart(fl.quality_histogram(issues.quality, issues.mask), key="labels_quality",
                    config={"displaylogo": False})
    st.caption(W.QUALITY_CAPTION)

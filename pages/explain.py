"""Explain page: SHAP by group, the group-gap decomposition, one row's SHAP and LIME, and the
attribute-flip test or proxy detection."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from fairlens import explain as xp
from fairlens import ui
from fairlens.data import FairLensInputError
from fairlens.ui import explain_page as X
from fairlens.wording import explain as words
from fairlens.wording import md

ui.page_header("Explain", words.PAGE_INTRO)

spec = ui.current_spec()
frame = ui.active_frame()

# --- what to explain, and the comparison -------------------------------------------------------
with st.container(border=True):
    model, model_id, surrogate_features = X.pick_model(spec, frame)
    attributes = [a for a in spec.sensitive if a in frame.columns]
    if not attributes:
        ui.stop_with("Map at least one sensitive attribute on the Data page.")
    c1, c2, c3, c4, c5 = st.columns([1.2, 1.2, 1.2, 1, 0.8])
    attribute = c1.selectbox("Sensitive attribute", attributes, key=X.W_ATTRIBUTE)
    groups = X.groups_or_stop(frame, attribute)
    group_a = c2.selectbox("Group A", groups, key=X.W_GROUP_A)
    group_b = c3.selectbox("Group B", groups, key=X.W_GROUP_B)
    # The permutation explainer (models other than trees) costs about 30 ms a row.
    default_rows = 2000 if model is None or model.tree is not None else 500
    sample_size = int(c4.number_input("Rows explained", min_value=100, max_value=20000,
                                      value=default_rows, step=500, key=X.W_SAMPLE_SIZE,
                                      help="A sample stratified by the attribute when the data "
                                           "has more rows."))
    seed = int(c5.number_input("Seed", min_value=0,
                               value=int(ui.current_settings().get("seed", 0)), key=X.W_SEED))

if group_a == group_b:
    ui.stop_with("Choose two different groups to compare.")

options = {"attribute": attribute, "group_a": group_a, "group_b": group_b,
           "sample_size": sample_size, "seed": seed}
if model is None:
    options["features"] = surrogate_features
warned = ui.show_warnings(ui.leak_warnings(spec, surrogate_features) if model is None else [])
with ui.guarded("explain"), ui.progress_bar("Explaining...") as bar:
    try:
        result = X.explanation(spec, model, model_id, options, progress=bar)
    except OSError as exc:
        raise FairLensInputError(f"The model file could not be read: {exc}") from exc
ui.record_run("explain", X.run_params(model_id, options))
X.show_overview(result, already=warned)

# --- global importance -------------------------------------------------------------------------
X.section("Which features drive the scores", result)
by_group = st.toggle(f"Split by {md(attribute)}", value=True, key=X.W_BY_GROUP)
st.plotly_chart(xp.importance_bars(result, attribute=attribute if by_group else None),
                key="explain_importance_chart")
ui.table(X.importance_table(result, attribute), headers=False, key="explain_importance_table")

# --- the gap -----------------------------------------------------------------------------------
X.section(f"Why {md(group_a)} and {md(group_b)} are scored differently", result)
if result.gap is not None:
    st.markdown(words.gap_sentence(result.gap, result.subject, esc=md))
    st.plotly_chart(xp.gap_waterfall(result.gap), key="explain_gap_chart")
    ui.table(X.gap_table(result), headers=False, key="explain_gap_table")

# --- dependence --------------------------------------------------------------------------------
st.subheader("How one feature acts, by group")
feature = st.selectbox("Feature", list(result.importance.index), key=X.W_FEATURE)
st.plotly_chart(xp.dependence_plot(result, feature, attribute=attribute),
                key="explain_dependence_chart")

# --- one row -----------------------------------------------------------------------------------
X.section("One row: SHAP and LIME", result)
r1, r2 = st.columns([2, 1])
start = X.default_row(result)
requested = ui.take_explain_row_request()
if requested is not None and 0 <= requested < len(frame):
    if isinstance(frame.index, pd.RangeIndex):
        st.session_state[X.W_ROW] = int(requested)
    elif frame.index[requested] in result.shap_values.index:
        st.session_state[X.W_ROW] = frame.index[requested]
if isinstance(frame.index, pd.RangeIndex):
    row = int(r1.number_input(
        f"Row number (0 to {len(frame) - 1:,}; any row of the data)", min_value=0,
        max_value=len(frame) - 1, value=int(start), step=1, key=X.W_ROW,
        help="Starts on the first row whose decision flips (else the first explained row). "
             "Row numbers are those of the Data page, the flipped-rows table and the slices."))
else:
    row = r1.selectbox("Row (explained rows)", list(result.shap_values.index),
                       index=list(result.shap_values.index).index(start), key=X.W_ROW)
lime_seed = int(r2.number_input("LIME seed", min_value=0, value=0, key=X.W_LIME_SEED))
with ui.guarded("explain", stop=False) as lime, st.spinner("Fitting LIME around the row..."):
    one = X.row_explanation(result, row, lime_seed)
if not lime.failed:
    score, score_column = X.file_score(spec, frame, row)
    st.markdown(words.row_sentence(one, result.model.output, who=result.subject,
                                   file_score=score, score_column=score_column, esc=md))
    ui.table(X.row_table(one), headers=False, key="explain_row_table")  # across the page
    st.plotly_chart(xp.row_bars(one), key="explain_row_chart")

# --- flip test / proxies -----------------------------------------------------------------------
if result.flip is not None:
    X.section(f"Would the decision change if only {md(attribute)} changed?", result)
    st.caption(words.flip_values_caption(result.flip, esc=md))
    st.markdown(words.flip_sentence(result.flip, result.subject, esc=md))
    ui.table(X.flip_table(result), headers=False, key="explain_flip_table")
    if len(result.flip.rows):
        st.markdown(f"**{len(result.flip.rows):,} rows whose decision flips**")
        ui.table(X.flipped_rows(result), headers=False, key="explain_flip_rows")
elif result.proxy is not None:
    X.section(f"Do the other features stand in for {md(attribute)}?", result)
    st.markdown(words.proxy_sentence(result.proxy, result.subject, esc=md))
    ui.table(X.proxy_table(result), headers=False, key="explain_proxy_table")

st.download_button("Download the explanation (JSON)",
                   data=json.dumps(result.to_dict(), indent=2), file_name="fairlens-explain.json",
                   mime="application/json", key="explain_json", on_click="ignore",
                   icon=":material/download:")

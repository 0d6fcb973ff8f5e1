"""Slices page: where the model fails, as significant slices in words, an error tree, a heat map."""

from __future__ import annotations

import streamlit as st

from fairlens import slices as fs
from fairlens import ui
from fairlens.ui import slices_page as P
from fairlens.ui.labels_page import stored_flags
from fairlens.wording.slices import ERROR_LABELS, PAGE_INTRO

ui.page_header("Slices", PAGE_INTRO)

spec = ui.current_spec()
flags = stored_flags(spec)
if spec.task == "per_sample" or not spec.label or not (spec.score or spec.pred or flags):
    ui.stop_with("Slices need a binary label and a score or decision column. Map them on the "
                 "Data page (or, without a model, find label errors first: their flags are "
                 "an error signal too).")
frame = ui.active_frame()
candidates = fs.candidate_features(frame, spec)
if not candidates:
    ui.stop_with("The file has no feature columns besides the mapped ones; slices are described "
                 "by features.")

with st.container(border=True):
    features = st.multiselect("Features to slice on", candidates,
                              default=P.default_features(spec, candidates), key=P.W_FEATURES,
                              help="The Data page's features (the columns its screening kept, "
                                   "or those you chose); identifiers describe no slice.")
    warned = ui.show_warnings(ui.leak_warnings(spec, features))
    c1, c2, c3, c4 = st.columns([1.6, 1.2, 1, 1])
    error = c1.selectbox("Error signal", P.error_kinds(spec, flags),
                         format_func=ERROR_LABELS.get, key=P.W_ERROR)
    depth = int(c2.slider("Most conditions per slice", 1, 3, 3, key=P.W_DEPTH))
    support = int(c3.number_input("Minimum rows per slice", min_value=5,
                                  value=P.default_support(frame), step=10, key=P.W_SUPPORT))
    top_k = int(c4.number_input("Slices shown", min_value=1, max_value=50, value=10,
                                key=P.W_TOP_K))

if flags is None:
    st.caption("To find the slices where labels are probably wrong, open the Label errors page "
               "first: its flags then appear here as an error signal.")
elif error == P.LABEL_ISSUE:
    st.caption(f"Error signal: {ui.fmt.md(flags['about'])}.")
if not features:
    ui.stop_with("Choose at least one feature to slice on.")

with ui.guarded("slices"), ui.progress_bar("Searching slices...") as bar:
    result, errors = P.search(frame, spec, features=features, error=error, flags=flags,
                              max_depth=depth, min_support=support, top_k=top_k,
                              progress=bar)
ui.record_run("slices", {"features": list(features), "error": error, "max_depth": depth,
                         "min_support": support, "top_k": top_k})

P.show_slices(result, already=warned)
if result.slices:
    P.show_slice_rows(frame, result)

st.subheader("Error tree")
with ui.guarded("slices", stop=False):
    nodes = fs.error_tree(frame, errors, features=features, max_depth=min(depth, 3),
                          min_samples_leaf=support)
    ui.chart(fs.error_tree_figure(nodes), key="slices_tree")

st.subheader("Error heat map")
h1, h2 = st.columns(2)
x = h1.selectbox("Across", features, index=0, key="slices_heat_x")
others = [f for f in features if f != x]
if others:
    y = h2.selectbox("Down", others, index=0, key="slices_heat_y")
    with ui.guarded("slices", stop=False):
        ui.chart(fs.error_heatmap(frame, errors, x=x, y=y), key="slices_heat")
else:
    st.caption("Choose two features for the heat map.")

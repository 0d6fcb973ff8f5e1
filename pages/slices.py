"""Slices page: where the model fails, as significant slices in words, an error tree, a heat map."""

from __future__ import annotations

import numpy as np
import streamlit as st

from fairlens import slices as fs
from fairlens import ui
from fairlens.ui.labels import stored_flags

ERROR_LABELS = {
    "misclassification": "Misclassification (decision differs from the label)",
    "false_positive": "False positives",
    "false_negative": "False negatives",
    "log_loss": "Log-loss of the score",
    "label_issue": "Suspected label errors (from the Label errors page)",
}

ui.page_setup()
st.title("Slices")
st.markdown(
    "Where does the model fail? FairLens searches conjunctions of conditions on the features "
    "(SliceLine's score with exact pruning), tests every slice against the rest of the data "
    "with Benjamini-Hochberg control over all slices examined, and describes each slice in "
    "words with its make-up by sensitive group.")

data = ui.active()
spec = ui.current_spec()
settings = ui.current_settings()



if spec.task == "per_sample" or not spec.label or not (spec.score or spec.pred):
    ui.stop_with("Slices need a binary label and a score or decision column. Map them on the "
               "Data page.")

frame = ui.active_frame()
roles = {spec.label, *spec.score, *spec.pred, *spec.metric, spec.weight}
if spec.proba_prefix:
    roles.update(c for c in frame.columns if c.startswith(spec.proba_prefix))
# Row identifiers describe no slice: leave out columns named like an id or unique per row.
candidates = [c for c in frame.columns if c not in roles and c not in spec.sensitive
              and str(c).lower() != "id" and not str(c).lower().endswith("_id")
              and frame[c].nunique(dropna=False) < len(frame)]
if not candidates:
    ui.stop_with("The file has no feature columns besides the mapped ones; slices are described "
               "by features.")

with st.container(border=True):
    default = [c for c in (spec.features or candidates) if c in candidates][:30]
    features = st.multiselect("Features to slice on", candidates, default=default,
                              key="slices_features")
    c1, c2, c3, c4 = st.columns(4)
    flags = stored_flags(spec)
    kinds = ["misclassification", "false_positive", "false_negative"] + (
        ["log_loss"] if spec.score else []) + (["label_issue"] if flags else [])
    error = c1.selectbox("Error signal", kinds, format_func=ERROR_LABELS.get,
                         key="slices_error")
    depth = int(c2.slider("Most conditions per slice", 1, 3, 3, key="slices_depth"))
    support = int(c3.number_input("Minimum rows per slice", min_value=5,
                                  value=max(30, len(frame) // 100), step=10,
                                  key="slices_support"))
    top_k = int(c4.number_input("Slices shown", min_value=1, max_value=50, value=10,
                                key="slices_top_k"))

if flags is None:
    st.caption("To find the slices where labels are probably wrong, open the Label errors page "
               "first: its flags then appear here as an error signal.")
elif error == "label_issue":
    st.caption(f"Error signal: {flags['about']}.")
if not features:
    ui.stop_with("Choose at least one feature to slice on.")

score = spec.score[0] if spec.score else None
pred = None if score else spec.pred[0]
try:
    with st.spinner("Searching slices..."):
        if error == "label_issue":
            errors = flags["mask"].astype(float)
        else:
            errors = fs.error_signal(frame, label=spec.label, pred=pred, score=score,
                                     error=error, threshold=float(spec.threshold))
        result = fs.find_slices(frame, features=features, errors=errors,
                                sensitive=list(spec.sensitive), max_depth=depth,
                                min_support=support, top_k=top_k,
                                seed=int(settings.get("seed", 0)))
except ValueError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

n_sig = sum(s.significant for s in result.slices)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Rows", f"{result.n:,}")
m2.metric("Overall error", f"{result.overall_error:.1%}")
m3.metric("Slices examined", f"{result.n_examined:,}")
m4.metric("Significant slices shown", f"{n_sig} of {len(result.slices)}")
for w in result.warnings:
    st.warning(w)

st.subheader("Slices, worst first")
for s in result.slices:
    mark = ":red[**significant**]" if s.significant else "not significant"
    st.markdown(f"- {s.description} ({mark}, q = {s.q_value:.2g})")
table = result.to_frame()
if len(table):
    table["ci"] = table["ci"].map(lambda c: f"{c[0]:.1%} - {c[1]:.1%}")
    for col in ("p_value", "q_value"):
        if col in table:
            table[col] = table[col].map(lambda v: f"{v:.2g}")
st.dataframe(table, hide_index=True, key="slices_table")
st.download_button("Download the slices (JSON)", data=result.to_json(indent=2),
                   file_name="fairlens-slices.json", mime="application/json",
                   key="slices_json", on_click="ignore", icon=":material/download:")

ROWS_PER_PAGE = 50
if result.slices:
    st.subheader("Rows of a slice")
    picked = st.selectbox("Slice", range(len(result.slices)), key="slices_pick",
                          format_func=lambda i: f"{i + 1}. {result.slices[i].description}")
    chosen = result.slices[picked]
    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Rows in slice", f"{chosen.n:,}")
    k2.metric("Error rate", f"{chosen.error_rate:.1%}",
              help=f"95% interval {chosen.ci[0]:.1%} - {chosen.ci[1]:.1%}")
    k3.metric("Lift over overall", f"{chosen.lift:.2f}x")
    k4.metric("q-value", f"{chosen.q_value:.2g}")
    mask = fs.slice_mask(frame, chosen.conditions)
    rows = frame[mask]
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    page_no = int(st.number_input(f"Page (of {pages}, {ROWS_PER_PAGE} rows each)", min_value=1,
                                  max_value=pages, value=1, key="slices_rows_page"))
    start = (page_no - 1) * ROWS_PER_PAGE
    st.dataframe(rows.iloc[start:start + ROWS_PER_PAGE], key="slices_rows")
    positions = [int(p) for p in np.flatnonzero(mask)[start:start + ROWS_PER_PAGE]]
    e1, e2 = st.columns([3, 1], vertical_alignment="bottom")
    explain_row = e1.selectbox("Row of this page", positions, key="slices_explain_pick",
                               format_func=lambda p: f"row {p}")
    with e2:
        ui.explain_row_button(explain_row, key="slices_explain_row")

st.subheader("Error tree")
nodes = fs.error_tree(frame, errors, features=features, max_depth=min(depth, 3),
                      min_samples_leaf=support)
st.plotly_chart(fs.error_tree_figure(nodes), key="slices_tree")

st.subheader("Error heat map")
h1, h2 = st.columns(2)
x = h1.selectbox("Across", features, index=0, key="slices_heat_x")
others = [f for f in features if f != x]
if others:
    y = h2.selectbox("Down", others, index=0, key="slices_heat_y")
    st.plotly_chart(fs.error_heatmap(frame, errors, x=x, y=y), key="slices_heat")
else:
    st.caption("Choose two features for the heat map.")

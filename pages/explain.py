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

ui.page_setup()
st.title("Explain")
st.markdown(
    "Why does the model treat groups differently? SHAP values split every prediction into "
    "per-feature contributions; averaged over a group they split the gap between two groups' "
    "mean scores exactly. Pick a row to see its SHAP values next to a LIME explanation, and "
    "check whether decisions change when only the sensitive attribute changes.")

data = ui.active()
spec = ui.current_spec()
settings = ui.current_settings()



frame = ui.active_frame()

# --- the model ---------------------------------------------------------------------------------
sample_name = X.sample_model_name()
sources = ([X.SOURCE_SAMPLE] if sample_name else []) + [X.SOURCE_UPLOAD, X.SOURCE_SURROGATE]
default_source = X.SOURCE_SAMPLE if sample_name else X.SOURCE_SURROGATE
with st.container(border=True):
    source = st.radio("What to explain", sources, index=sources.index(default_source),
                      horizontal=True, key=X.W_SOURCE)
    model = None
    model_id = "surrogate"
    if source == X.SOURCE_SAMPLE:
        model = X.sample_model(sample_name)
        model_id = f"sample:{sample_name}"
        st.caption(f"The {sample_name} sample's scikit-learn pipeline (trained by FairLens on "
                   f"first use). Its inputs: {', '.join(model.features)}.")
    elif source == X.SOURCE_UPLOAD:
        upload = st.file_uploader("Model file (.onnx, .skops; .pkl / .joblib only if you trust "
                                  "it)", type=["onnx", "skops", "pkl", "pickle", "joblib"],
                                  key=X.W_UPLOAD)
        if upload is None:
            st.info("ONNX models run in onnxruntime and skops files load without running code; "
                    "pickle and joblib files run code when loaded.", icon=":material/info:")
            st.stop()
        try:
            fmt, types, path = X.inspect_upload(upload.name, upload.getvalue())
        except (FairLensInputError, OSError) as exc:
            st.error(str(exc), icon=":material/error:")
            st.stop()
        trust_pickle, trusted = False, []
        if fmt == "pickle":
            st.warning("Loading a pickle or joblib file **runs the code inside it**, which can "
                       "do anything your account can do. Only continue with a file you made or "
                       "fully trust.", icon=":material/warning:")
            trust_pickle = st.checkbox("I trust this file: load it and run its code",
                                       value=False, key=X.W_TRUST_PICKLE)
            if not trust_pickle:
                st.stop()
        if types:
            st.warning("This skops file holds types that are not trusted by default: "
                       + ", ".join(f"`{t}`" for t in types), icon=":material/warning:")
            trusted = st.multiselect("Types I accept", types, default=[], key=X.W_TRUST_TYPES)
        try:
            model = X.upload_model(path, trust_pickle=trust_pickle, trusted_types=trusted,
                                   features=list(spec.features))
        except (FairLensInputError, OSError) as exc:
            st.error(str(exc), icon=":material/error:")
            st.stop()
        model_id = f"upload:{path.name}:{trust_pickle}:{sorted(trusted)}"
        st.caption(f"{model.source}; inputs: {', '.join(model.features)}.")
    else:
        if not (spec.score or spec.pred):
            ui.stop_with("A surrogate reproduces the file's score or predicted label: map one on "
                       "the Data page, or upload the model.")
        if not spec.features:
            ui.stop_with("A surrogate needs feature columns to explain the scores with: map them "
                       "on the Data page.")
        extra = [a for a in spec.sensitive if a not in spec.features and a in frame.columns]
        with_sensitive = bool(extra) and st.checkbox(
            "Let the surrogate read the sensitive attributes too (" + ", ".join(extra) + ")",
            value=False, key=X.W_SURROGATE_SENSITIVE,
            help="Then the attribute-flip test asks whether the file's scores depend on the "
                 "attribute beyond the other features; otherwise the proxy check runs.")
        surrogate_features = list(spec.features) + (extra if with_sensitive else [])
        model_id = f"surrogate:{','.join(surrogate_features)}"
        st.caption(f"No model: FairLens trains gradient boosting to reproduce "
                   f"`{(spec.score or spec.pred)[0]}` from {', '.join(surrogate_features)} "
                   "and explains that surrogate. Its fidelity is shown with every result.")

    attributes = [a for a in spec.sensitive if a in frame.columns]
    if not attributes:
        ui.stop_with("Map at least one sensitive attribute on the Data page.")
    c1, c2, c3, c4, c5 = st.columns([1.2, 1.2, 1.2, 1, 0.8])
    attribute = c1.selectbox("Sensitive attribute", attributes, key=X.W_ATTRIBUTE)
    groups = xp.group_labels(frame[attribute]).value_counts().index.tolist()
    if len(groups) < 2:
        ui.stop_with(f"{attribute!r} has a single group; choose another attribute.")
    if st.session_state.get(X.W_GROUP_A) not in groups:
        st.session_state[X.W_GROUP_A] = groups[0]
    if st.session_state.get(X.W_GROUP_B) not in groups:
        st.session_state[X.W_GROUP_B] = groups[1]
    group_a = c2.selectbox("Group A", groups, key=X.W_GROUP_A)
    group_b = c3.selectbox("Group B", groups, key=X.W_GROUP_B)
    # The permutation explainer (models other than trees) costs about 30 ms a row.
    default_rows = 2000 if model is None or model.tree is not None else 500
    sample_size = int(c4.number_input("Rows explained", min_value=100, max_value=20000,
                                      value=default_rows, step=500, key=X.W_SAMPLE_SIZE,
                                      help="A sample stratified by the attribute when the data "
                                           "has more rows."))
    seed = int(c5.number_input("Seed", min_value=0, value=int(settings.get("seed", 0)),
                               key=X.W_SEED))

if group_a == group_b:
    ui.stop_with("Choose two different groups to compare.")

options = {"attribute": attribute, "group_a": group_a, "group_b": group_b,
           "sample_size": sample_size, "seed": seed}
if model is None:
    options["features"] = surrogate_features
bar = st.empty()


def _progress(done: int, total: int, message: str) -> None:
    bar.progress(min(done / max(total, 1), 1.0), text=message)


try:
    result = X.explanation(spec, model, model_id, options, progress=_progress)
except (FairLensInputError, OSError) as exc:
    bar.empty()
    st.error(str(exc), icon=":material/error:")
    st.stop()
bar.empty()

note = X.fidelity_note(result)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Explaining", "a surrogate" if result.model.kind == "surrogate" else "the model")
m2.metric(f"Rows explained (of {result.n_rows:,})", f"{result.sample_size:,}",
          help="A sample stratified by the attribute when the data has more rows: every group "
               "keeps its share, and at least 30 rows.")
m3.metric("SHAP method", "TreeExplainer" if result.method == "tree" else "Permutation",
          help="TreeExplainer (exact) for tree models; a permutation explainer with a "
               "background sample otherwise.")
m4.metric("Additivity error", f"{result.additivity_error:.1e}",
          help="Largest |base value + sum of SHAP values - model output| over the rows.")
if result.fidelity is not None:
    f1, f2, f3 = st.columns(3)
    f1.metric("Surrogate fidelity R\u00b2", f"{result.fidelity.r2:.3f}")
    f2.metric("Decision agreement", f"{result.fidelity.agreement:.1%}")
    f3.metric("Held-out rows", f"{result.fidelity.n_holdout:,}")
for w in result.warnings:
    st.warning(w, icon=":material/warning:")
st.caption(f"Explained output: **{result.model.output}** ({result.model.source}).")

# --- global importance -------------------------------------------------------------------------
st.subheader("Which features drive the scores")
if note:
    st.caption(note)
by_group = st.toggle(f"Split by {attribute}", value=True, key=X.W_BY_GROUP)
st.plotly_chart(xp.importance_bars(result, attribute=attribute if by_group else None),
                key="explain_importance_chart")
st.dataframe(X.importance_table(result, attribute), hide_index=True,
             key="explain_importance_table")

# --- the gap -----------------------------------------------------------------------------------
st.subheader(f"Why {group_a} and {group_b} are scored differently")
if note:
    st.caption(note)
if result.gap is not None:
    st.markdown(X.gap_sentence(result))
    st.plotly_chart(xp.gap_waterfall(result.gap), key="explain_gap_chart")
    st.dataframe(X.gap_table(result), hide_index=True, key="explain_gap_table")

# --- dependence --------------------------------------------------------------------------------
st.subheader("How one feature acts, by group")
feature = st.selectbox("Feature", list(result.importance.index), key=X.W_FEATURE)
st.plotly_chart(xp.dependence_plot(result, feature, attribute=attribute),
                key="explain_dependence_chart")

# --- one row -----------------------------------------------------------------------------------
st.subheader("One row: SHAP and LIME")
if note:
    st.caption(note)
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
try:
    with st.spinner("Fitting LIME around the row..."):
        one = X.row_explanation(result, row, lime_seed)
except (FairLensInputError, ValueError) as exc:
    st.error(str(exc), icon=":material/error:")
else:
    st.markdown(f"Row **{row}**: {result.model.output} **{one.output:.4f}** = base value "
                f"{one.base_value:.4f} + the SHAP values below. LIME's local linear model "
                f"(seed {one.seed}) fits with R\u00b2 {one.lime_r2:.2f}.")
    c_left, c_right = st.columns([1, 1])
    c_left.dataframe(X.row_table(one), hide_index=True, key="explain_row_table")
    c_right.plotly_chart(xp.row_bars(one), key="explain_row_chart")

# --- flip test / proxies -----------------------------------------------------------------------
if result.flip is not None:
    st.subheader(f"Would the decision change if only {attribute} changed?")
    if note:
        st.caption(note)
    fl = result.flip
    st.caption("Rows are flipped to " + ", ".join(f"**{v}**" for v in fl.values)
               + " (values with at least 30 explained rows).")
    st.markdown(f"Changing only **{attribute}** (every other input kept) changes "
                f"**{fl.share:.1%}** of the decisions (score \u2265 {fl.threshold:g}) of "
                f"{result.subject}, over {fl.n:,} rows.")
    st.dataframe(X.flip_table(result), hide_index=True, key="explain_flip_table")
    if len(fl.rows):
        st.markdown(f"**{len(fl.rows):,} rows whose decision flips**")
        st.dataframe(X.flipped_rows(result), hide_index=True, key="explain_flip_rows")
elif result.proxy is not None:
    st.subheader(f"Do the other features stand in for {attribute}?")
    if note:
        st.caption(note)
    px = result.proxy
    st.markdown(f"**{attribute}** is not an input of {result.subject}, so it cannot be flipped. "
                f"The inputs predict it with AUC **{px.auc:.3f}** on {px.n_holdout:,} held-out "
                f"rows: they carry it **{px.verdict}** (0.5 = not at all).")
    st.dataframe(X.proxy_table(result), hide_index=True, key="explain_proxy_table")

st.download_button("Download the explanation (JSON)",
                   data=json.dumps(result.to_dict(), indent=2), file_name="fairlens-explain.json",
                   mime="application/json", key="explain_json", on_click="ignore",
                   icon=":material/download:")

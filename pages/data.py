"""Data page: upload a predictions file or pick a sample, preview it, map its columns."""

from __future__ import annotations

import streamlit as st

from fairlens import ui
from fairlens.ui import fmt
from fairlens.ui import form as F
from fairlens.ui import keys as K
from fairlens.ui._data_screen import features_section

ui.page_setup()
st.title("Data")
st.markdown("Choose the predictions to audit, then tell FairLens which column plays which role.")

data = ui.active()
limit_mb = ui.max_upload_bytes() // 2**20

st.subheader("1. Choose the data")
K.restore_widget(K.W_DATA_SOURCE, F.SOURCES[0] if data.kind == "upload" else F.SOURCES[1],
                 list(F.SOURCES))
source = st.radio("Source", F.SOURCES, horizontal=True, label_visibility="collapsed",
                  **K.kept(K.W_DATA_SOURCE))
if source == F.SOURCES[0]:
    st.file_uploader(
        "Predictions file (CSV, TSV or Parquet)", type=["csv", "tsv", "txt", "parquet", "pq"],
        key=K.W_DATA_UPLOAD, on_change=F.on_upload,
        help="One row per case: the true label, the model's score or predicted label, and "
             "attributes such as race, sex or age.")
    st.caption(f"Files up to **{limit_mb} MB**. One row per case with the true label, the "
               "model's score(s) or predicted label(s), and sensitive attributes. The file is "
               "saved in a private workspace so that a refresh loses nothing. For larger files "
               "use the command line: `fairlens audit FILE ...`.")
    if st.session_state.get(K.UPLOAD_ERROR):
        st.error(st.session_state[K.UPLOAD_ERROR], icon=":material/error:")
else:
    samples = ui.samples()
    names = list(samples)
    F.keep_choice(K.W_DATA_SAMPLE, names, data.sample if data.sample in names else names[0])
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].selectbox("Sample", names, key=K.W_DATA_SAMPLE,
                      format_func=lambda n: n.upper() if n == "compas" else n.capitalize())
    cols[1].button("Open sample", key="data_open_sample", on_click=F.on_open_sample,
                   type="primary", width="stretch")
    st.caption(samples[st.session_state[K.W_DATA_SAMPLE]].description)

data = ui.active()
loader = ui.frame_loader()
st.subheader("2. Preview")
st.markdown(f"**{fmt.md(data.name)}** · {data.n_rows:,} rows x {data.n_columns} columns "
            f"(first {min(ui.cache.PREVIEW_ROWS, data.n_rows)} rows shown)")
ui.table(ui.cache.preview(data.key, loader), headers=False, height=260)
with st.expander("Column summary"):
    ui.table(ui.cache.column_summary(data.key, loader),
             column_config={fmt.header("missing"): st.column_config.NumberColumn(
                 format="percent")})

st.subheader("3. Column mapping")
st.markdown("FairLens proposed a role for each column from its name and type. Change what is "
            "wrong and press **Apply mapping**.")
spec = ui.current_spec()
F.sync_draft()
columns = data.columns

left, right = st.columns(2)
with left:
    st.radio("Prediction kind", list(F.KINDS), key=K.W_DATA_KIND, format_func=F.KINDS.get,
             help="What the model's output looks like in this file.")
    kind = st.session_state[K.W_DATA_KIND]
    if kind == "score":
        st.multiselect("Score column(s)", columns, key=K.W_DATA_SCORE,
                       help="Scores of the positive class; several columns are audited as "
                            "several models and compared on the Equity page.")
        st.radio("Score scale", ["probability", "raw"], key=K.W_DATA_SCORE_KIND, horizontal=True,
                 format_func={"probability": "Probability (0 to 1)",
                              "raw": "Raw (any scale, e.g. a 1-10 risk decile)"}.get)
        st.number_input("Decision threshold", key=K.W_DATA_THRESHOLD, step=0.01 if st.session_state[
            K.W_DATA_SCORE_KIND] == "probability" else 1.0, format="%g",
            help="Predicted positive when score >= threshold. Adjust it later in the sidebar.")
    elif kind == "pred":
        st.multiselect("Predicted-label column(s)", columns, key=K.W_DATA_PRED,
                       help="Predicted labels coded like the true label (one column per model).")
    elif kind == "proba_prefix":
        st.text_input("Prefix of the class-probability columns", key=K.W_DATA_PREFIX,
                      help="Columns named <prefix><class>, e.g. p_cat, p_dog.")
        prefix = st.session_state[K.W_DATA_PREFIX]
        matched = [c for c in columns if prefix and c.startswith(prefix)]
        shown = fmt.names(fmt.md(c) for c in matched) if matched else "no column"
        st.caption(f"Matches: {shown}")
    else:
        st.multiselect("Metric column(s)", columns, key=K.W_DATA_METRIC,
                       help="Per-sample metrics where higher is better, such as Dice or IoU.")
    if kind in ("score", "pred"):
        st.radio("A positive prediction is ...", list(F.FAVORABLE), key=K.W_DATA_FAVORABLE,
                 format_func=F.FAVORABLE.get,
                 help="Whom a disparity harms depends on it: when a positive prediction is "
                      "good for the person, the group that receives it least is worse off "
                      "(the four-fifths rule compares the rates of receiving it); when it "
                      "harms, the group flagged most is.")
with right:
    label_options = [None, *columns]
    F.keep_choice(K.W_DATA_LABEL, label_options, None)
    st.selectbox("True label", label_options, key=K.W_DATA_LABEL,
                 format_func=lambda c: "(none)" if c is None else c,
                 help="The outcome the model predicts (optional for per-sample metrics).")
    label = st.session_state[K.W_DATA_LABEL]
    if label is not None and kind in ("score", "pred"):
        values = ui.cache.column_values(data.key, label, loader)
        F.keep_choice(K.W_DATA_POSITIVE, [F.AUTO, *values], F.AUTO)
        st.selectbox("Positive label", [F.AUTO, *values], key=K.W_DATA_POSITIVE,
                     format_func=str,
                     help="The label value that counts as positive (e.g. 1, yes, recidivated). "
                          "Automatic picks 1/True/yes or the larger value.")
    st.multiselect("Sensitive attributes", columns, key=K.W_DATA_SENSITIVE,
                   help="Groups are formed for each attribute and for their intersection.")
    with st.expander("Sample weights and time (optional)"):
        F.keep_choice(K.W_DATA_WEIGHT, label_options, None)
        st.selectbox("Sample-weight column", label_options, key=K.W_DATA_WEIGHT,
                     format_func=lambda c: "(none)" if c is None else c)
        F.keep_choice(K.W_DATA_TIME, label_options, None)
        st.selectbox("Time column", label_options, key=K.W_DATA_TIME,
                     format_func=lambda c: "(none)" if c is None else c,
                     help="A date, a timestamp or a batch number, for the analyses over time "
                          "(never used as a feature).")

with st.container(border=True), ui.guarded("column screening", stop=False):
    features_section(columns)

draft = F.draft_spec()
buttons = st.columns([1, 1, 4])
buttons[0].button("Apply mapping", key="data_apply", type="primary", on_click=F.on_apply,
                  width="stretch")
buttons[1].button("Reset to proposal", key="data_reset", on_click=F.on_reset, width="stretch")
if draft.to_dict() != spec.to_dict():
    st.info("Some changes are not applied yet: press **Apply mapping**.",
            icon=":material/edit_note:")

st.subheader("4. Check")
problem = ui.mapping_problem(spec)
if problem:
    st.warning(problem, icon=":material/warning:")
else:
    try:
        stats = ui.get_statistics()
    except ui.FairLensInputError as exc:
        st.error(ui.explain(str(exc)), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - never a traceback in the page
        st.error(f"The data could not be checked ({type(exc).__name__}: {fmt.md(exc)}).",
                 icon=":material/error:")
    else:
        parts = ", ".join(f"{fmt.md(g.name)} ({len(g.labels)} groups)"
                          for g in stats.groupings)
        models = f"{len(stats.models)} models" if len(stats.models) > 1 else "one model"
        st.success(f"The mapping fits the data: {stats.n_rows:,} rows, {models}; {parts}.",
                   icon=":material/check_circle:")
        for warning in stats.warnings:
            st.warning(fmt.md(warning), icon=":material/warning:")
        st.page_link(K.PAGE_FAIRNESS, label="See the fairness results",
                     icon=":material/arrow_forward:")

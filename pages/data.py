"""Data page: upload a predictions file or pick a sample, preview it, map its columns."""

from __future__ import annotations

import streamlit as st

from fairlens import AuditSpec, FairLensInputError, infer_spec, ui
from fairlens.ui import fmt

W_SOURCE = "data_source"
W_UPLOAD = "data_upload"
W_SAMPLE = "data_sample"
W_VERSION = "data_map_version"
W_LABEL = "data_map_label"
W_KIND = "data_map_kind"
W_SCORE = "data_map_score"
W_SCORE_KIND = "data_map_score_kind"
W_THRESHOLD = "data_map_threshold"
W_PRED = "data_map_pred"
W_PREFIX = "data_map_prefix"
W_METRIC = "data_map_metric"
W_POSITIVE = "data_map_positive"
W_SENSITIVE = "data_map_sensitive"
W_FEATURES = "data_map_features"
W_WEIGHT = "data_map_weight"

SOURCES = ("Upload a file", "Built-in sample")
AUTO = "(automatic)"
KINDS = {
    "score": "Scores (one column per model)",
    "pred": "Predicted labels",
    "proba_prefix": "Class probabilities (multiclass)",
    "metric": "Per-sample metric (Dice, IoU ...)",
}
DRAFT_KEYS = (W_LABEL, W_KIND, W_SCORE, W_SCORE_KIND, W_THRESHOLD, W_PRED, W_PREFIX, W_METRIC,
              W_POSITIVE, W_SENSITIVE, W_FEATURES, W_WEIGHT)


# --- callbacks -------------------------------------------------------------------------------


def _on_upload() -> None:
    """Read a new upload and make it the active dataset, or keep the message why not."""
    file = st.session_state.get(W_UPLOAD)
    st.session_state[ui.keys.UPLOAD_ERROR] = None
    if file is None or st.session_state.get(ui.keys.UPLOAD_SEEN) == file.file_id:
        return
    st.session_state[ui.keys.UPLOAD_SEEN] = file.file_id
    previous = ui.active().name
    try:
        ui.open_upload(file.name, file.getvalue())
    except FairLensInputError as exc:
        st.session_state[ui.keys.UPLOAD_ERROR] = (
            f"Could not use **{fmt.md(file.name)}**: {exc} The active dataset is still "
            f"{fmt.md(previous)}.")
    except Exception as exc:  # noqa: BLE001 - the app must keep working
        st.session_state[ui.keys.UPLOAD_ERROR] = (
            f"Could not use **{fmt.md(file.name)}** ({type(exc).__name__}: {exc}). The active "
            f"dataset is still {fmt.md(previous)}.")
    else:
        ui.notify("success", f"Loaded **{fmt.md(file.name)}**. FairLens proposed the column "
                             "mapping below: check it and press **Apply mapping** after any "
                             "change.")


def _on_open_sample() -> None:
    """Open the chosen built-in sample."""
    ui.open_sample(st.session_state[W_SAMPLE])
    ui.notify("success", f"Opened the {ui.active().name} with its standard mapping.")


def _draft_spec() -> AuditSpec:
    """The mapping as currently shown by the widgets (not yet applied)."""
    ss = st.session_state
    kind = ss[W_KIND]
    positive = ss.get(W_POSITIVE)
    return AuditSpec(
        label=ss.get(W_LABEL),
        sensitive=list(ss.get(W_SENSITIVE) or []),
        score=list(ss.get(W_SCORE) or []) if kind == "score" else [],
        pred=list(ss.get(W_PRED) or []) if kind == "pred" else [],
        proba_prefix=(ss.get(W_PREFIX) or None) if kind == "proba_prefix" else None,
        metric=list(ss.get(W_METRIC) or []) if kind == "metric" else [],
        features=list(ss.get(W_FEATURES) or []),
        weight=ss.get(W_WEIGHT),
        positive_label=None if positive in (None, AUTO) else positive,
        threshold=float(ss.get(W_THRESHOLD) or 0.0),
        score_kind=ss.get(W_SCORE_KIND, "probability"),
    )


def _on_apply() -> None:
    """Apply the shown mapping."""
    ui.set_spec(_draft_spec())


def _load_draft(spec: AuditSpec) -> None:
    """Show ``spec`` in the mapping widgets."""
    ss = st.session_state
    kinds = spec.prediction_kinds
    ss[W_KIND] = kinds[0] if kinds else "score"
    ss[W_LABEL] = spec.label
    ss[W_SCORE] = list(spec.score)
    ss[W_PRED] = list(spec.pred)
    ss[W_METRIC] = list(spec.metric)
    ss[W_PREFIX] = spec.proba_prefix or ""
    ss[W_SCORE_KIND] = spec.score_kind
    ss[W_THRESHOLD] = float(spec.threshold)
    ss[W_SENSITIVE] = list(spec.sensitive)
    ss[W_FEATURES] = list(spec.features)
    ss[W_WEIGHT] = spec.weight
    ss[W_POSITIVE] = spec.positive_label if spec.positive_label is not None else AUTO
    ss[W_VERSION] = (ui.active().key, ui.spec_version())


def _on_reset() -> None:
    """Show FairLens's proposal for the active data again."""
    _load_draft(infer_spec(ui.active_frame()))


# --- page ------------------------------------------------------------------------------------

ui.page_setup()
st.title("Data")
st.markdown("Choose the predictions to audit, then tell FairLens which column plays which role.")

data = ui.active()
limit_mb = ui.max_upload_bytes() // 2**20

st.subheader("1. Choose the data")
ui.remember(W_SOURCE, SOURCES[0] if data.kind == "upload" else SOURCES[1], list(SOURCES))
source = st.radio("Source", SOURCES, key=W_SOURCE, horizontal=True, label_visibility="collapsed",
                  on_change=ui.keep, args=(W_SOURCE,))
if source == SOURCES[0]:
    st.file_uploader(
        "Predictions file (CSV, TSV or Parquet)", type=["csv", "tsv", "txt", "parquet", "pq"],
        key=W_UPLOAD, on_change=_on_upload,
        help="One row per case: the true label, the model's score or predicted label, and "
             "attributes such as race, sex or age.")
    st.caption(f"Files up to **{limit_mb} MB**. One row per case with the true label, the "
               "model's score(s) or predicted label(s), and sensitive attributes. The file is "
               "saved in a private workspace so that a refresh loses nothing. For larger files "
               "use the command line: `fairlens audit FILE ...`.")
    if st.session_state.get(ui.keys.UPLOAD_ERROR):
        st.error(st.session_state[ui.keys.UPLOAD_ERROR], icon=":material/error:")
else:
    samples = ui.samples()
    names = list(samples)
    if st.session_state.get(W_SAMPLE) not in names:
        st.session_state[W_SAMPLE] = data.sample if data.sample in names else names[0]
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].selectbox("Sample", names, key=W_SAMPLE,
                      format_func=lambda n: n.upper() if n == "compas" else n.capitalize())
    cols[1].button("Open sample", key="data_open_sample", on_click=_on_open_sample,
                   type="primary", width="stretch")
    st.caption(samples[st.session_state[W_SAMPLE]].description)

data = ui.active()
loader = ui.frame_loader()
st.subheader("2. Preview")
st.markdown(f"**{fmt.md(data.name)}** · {data.n_rows:,} rows x {data.n_columns} columns "
            f"(first {min(ui.cache.PREVIEW_ROWS, data.n_rows)} rows shown)")
st.dataframe(ui.cache.preview(data.key, loader), hide_index=True, height=260)
with st.expander("Column summary"):
    st.dataframe(ui.cache.column_summary(data.key, loader), hide_index=True,
                 column_config={"missing": st.column_config.NumberColumn(format="percent")})

st.subheader("3. Column mapping")
st.markdown("FairLens proposed a role for each column from its name and type. Change what is "
            "wrong and press **Apply mapping**.")
spec = ui.current_spec()
if st.session_state.get(W_VERSION) != (data.key, ui.spec_version()) or any(
        k not in st.session_state for k in DRAFT_KEYS):
    _load_draft(spec)
columns = data.columns

left, right = st.columns(2)
with left:
    st.radio("Prediction kind", list(KINDS), key=W_KIND, format_func=KINDS.get,
             help="What the model's output looks like in this file.")
    kind = st.session_state[W_KIND]
    if kind == "score":
        st.multiselect("Score column(s)", columns, key=W_SCORE,
                       help="Scores of the positive class; several columns are audited as "
                            "several models and compared on the Equity page.")
        st.radio("Score scale", ["probability", "raw"], key=W_SCORE_KIND, horizontal=True,
                 format_func={"probability": "Probability (0 to 1)",
                              "raw": "Raw (any scale, e.g. a 1-10 risk decile)"}.get)
        st.number_input("Decision threshold", key=W_THRESHOLD, step=0.01 if st.session_state[
            W_SCORE_KIND] == "probability" else 1.0, format="%g",
            help="Predicted positive when score >= threshold. Adjust it later in the sidebar.")
    elif kind == "pred":
        st.multiselect("Predicted-label column(s)", columns, key=W_PRED,
                       help="Predicted labels coded like the true label (one column per model).")
    elif kind == "proba_prefix":
        st.text_input("Prefix of the class-probability columns", key=W_PREFIX,
                      help="Columns named <prefix><class>, e.g. p_cat, p_dog.")
        prefix = st.session_state[W_PREFIX]
        matched = [c for c in columns if prefix and c.startswith(prefix)]
        st.caption(f"Matches: {', '.join(matched) if matched else 'no column'}")
    else:
        st.multiselect("Metric column(s)", columns, key=W_METRIC,
                       help="Per-sample metrics where higher is better, such as Dice or IoU.")
with right:
    label_options = [None, *columns]
    if st.session_state.get(W_LABEL) not in label_options:
        st.session_state[W_LABEL] = None
    st.selectbox("True label", label_options, key=W_LABEL,
                 format_func=lambda c: "(none)" if c is None else c,
                 help="The outcome the model predicts (optional for per-sample metrics).")
    label = st.session_state[W_LABEL]
    if label is not None and kind in ("score", "pred"):
        values = ui.cache.column_values(data.key, label, loader)
        if st.session_state.get(W_POSITIVE) not in [AUTO, *values]:
            st.session_state[W_POSITIVE] = AUTO
        st.selectbox("Positive label", [AUTO, *values], key=W_POSITIVE,
                     format_func=str,
                     help="The label value that counts as positive (e.g. 1, yes, recidivated). "
                          "Automatic picks 1/True/yes or the larger value.")
    st.multiselect("Sensitive attributes", columns, key=W_SENSITIVE,
                   help="Groups are formed for each attribute and for their intersection.")
    with st.expander("Features and sample weights (optional)"):
        st.multiselect("Feature columns", columns, key=W_FEATURES,
                       help="Inputs of the model; kept for slice finding and explanations.")
        if st.session_state.get(W_WEIGHT) not in label_options:
            st.session_state[W_WEIGHT] = None
        st.selectbox("Sample-weight column", label_options, key=W_WEIGHT,
                     format_func=lambda c: "(none)" if c is None else c)

draft = _draft_spec()
buttons = st.columns([1, 1, 4])
buttons[0].button("Apply mapping", key="data_apply", type="primary", on_click=_on_apply,
                  width="stretch")
buttons[1].button("Reset to proposal", key="data_reset", on_click=_on_reset, width="stretch")
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
    except FairLensInputError as exc:
        st.error(ui.explain(str(exc)), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - never a traceback in the page
        st.error(f"The data could not be checked ({type(exc).__name__}: {exc}).",
                 icon=":material/error:")
    else:
        parts = ", ".join(f"{g.name} ({len(g.labels)} groups)" for g in stats.groupings)
        models = f"{len(stats.models)} model(s)" if len(stats.models) > 1 else "one model"
        st.success(f"The mapping fits the data: {stats.n_rows:,} rows, {models}; {parts}.",
                   icon=":material/check_circle:")
        for warning in stats.warnings:
            st.warning(warning, icon=":material/warning:")
        st.page_link(ui.keys.PAGE_FAIRNESS, label="See the fairness results",
                     icon=":material/arrow_forward:")

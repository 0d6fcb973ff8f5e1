"""Label errors page: probably wrong labels, their rate per group, label-aware fairness, review."""

from __future__ import annotations

import numpy as np
import streamlit as st

from fairlens import labels as fl
from fairlens import ui
from fairlens.data import FairLensInputError
from fairlens.ui import labels as L

REVIEW_FRAGMENT = "labels_review"
SHOW_ALL, SHOW_OPEN, SHOW_DONE = "All flagged rows", "Not reviewed yet", "Reviewed"

ui.page_setup()
st.title("Label errors")
st.markdown(
    "Which labels are probably wrong, whether those errors sit in one group, and whether the "
    "disparities survive them. Suspected errors are found by **confident learning** "
    "(cleanlab): rows whose given label is unlikely under out-of-sample class probabilities.")

data = ui.active()
spec = ui.current_spec()
settings = ui.current_settings()
if data.kind == "sample":
    st.info(f"You are looking at the built-in **{data.name}**. Upload your own predictions on "
            "the Data page.", icon=":material/info:")



if spec.task == "per_sample":
    ui.stop_with("Label errors are defined for classification labels. This mapping audits a "
               "per-sample metric; map a label column with class probabilities, a score or "
               "features on the Data page.")
if not spec.label:
    ui.stop_with("No label column is mapped. Choose the column with the given labels on the Data "
               "page.")

# --- what finds the errors ---------------------------------------------------------------------
def _request_cv() -> None:
    # A callback, not the button's return value: the request survives a rerun of the frame.
    st.session_state[L.CV_REQUEST] = True


columns = list(data.columns)
roles = {spec.label, *spec.score, *spec.pred, *spec.metric, spec.weight}
if spec.proba_prefix:
    roles.update(c for c in columns if c.startswith(spec.proba_prefix))
candidates = [c for c in columns if c not in roles and c not in spec.sensitive]
sources = (["proba"] if spec.proba_prefix else []) + (["score"] if spec.score else []) + \
    (["features"] if candidates else [])
if not sources:
    ui.stop_with("Nothing to find label errors with: map class probabilities or a score column, "
               "or keep feature columns in the file for a cross-validated model.")

with st.container(border=True):
    left, middle, right = st.columns([3, 3, 3])
    if st.session_state.get(L.W_SOURCE) not in sources:
        st.session_state[L.W_SOURCE] = sources[0]
    source = left.radio(
        "Find label errors with", sources, key=L.W_SOURCE,
        format_func=L.SOURCE_LABELS.get,
        help="Confident learning needs out-of-sample probabilities: from a model that did not "
             "train on these rows. If the file's scores come from a model trained on these rows, "
             "use a cross-validated model of the features instead.")
    score_column = None
    if source == "score" and len(spec.score) > 1:
        score_column = left.selectbox("Score column", spec.score, key=L.W_SCORE)
    filter_by = middle.selectbox(
        "Filter method", list(fl.FILTERS), key=L.W_FILTER, format_func=L.FILTER_LABELS.get,
        help="Which rows count as suspected errors. " + " ".join(
            f"**{L.FILTER_LABELS[k]}**: {v}" for k, v in list(fl.FILTERS.items())[:2]))
    rank_by = right.selectbox(
        "Label-quality score", list(fl.RANKINGS), key=L.W_RANK, format_func=L.RANK_LABELS.get,
        help="Ranks the rows, most likely mislabeled first. " + fl.RANKINGS["self_confidence"])
    features: list[str] = []
    proba = None
    if source == "features":
        default = [c for c in (spec.features or candidates) if c in candidates]
        if L.W_FEATURES not in st.session_state:
            st.session_state[L.W_FEATURES] = default[:30]
        st.session_state[L.W_FEATURES] = [c for c in st.session_state[L.W_FEATURES]
                                          if c in candidates]
        features = st.multiselect(
            "Features the model learns the label from", candidates, key=L.W_FEATURES,
            help="Leave out identifiers and anything computed from the label or from the "
                 "audited model's output.")
        c1, c2, c3 = st.columns([3, 2, 2])
        model = c1.selectbox("Model", list(fl.MODELS), key=L.W_MODEL,
                             format_func=L.MODEL_LABELS.get)
        folds = int(c2.number_input("Folds", min_value=2, max_value=20, value=5, step=1,
                                    key=L.W_FOLDS))
        key = L.cv_key(spec, features, model, folds, int(settings["seed"]))
        proba = L.cv_result(key)
        c3.button("Train the folds", key=L.W_RUN_CV, type="primary", disabled=not features,
                  icon=":material/model_training:", on_click=_request_cv)
        if st.session_state.pop(L.CV_REQUEST, False) and features:
            bar = st.progress(0.0, text="Starting cross-validation...")
            try:
                proba = L.run_cross_validation(
                    spec, features, model, folds, int(settings["seed"]),
                    progress=lambda done, total, msg: bar.progress(done / total, text=msg))
            except FairLensInputError as exc:
                st.error(str(exc), icon=":material/error:")
                st.stop()
            bar.empty()
        if proba is None:
            st.info("Choose the features and press **Train the folds**: FairLens trains the "
                    f"model {folds} times, each time predicting the rows it held out, so every "
                    "row gets an out-of-sample probability.", icon=":material/info:")
            st.stop()

options = {"source": source, "score_column": score_column, "filter_by": filter_by,
           "rank_by": rank_by, "min_group_size": int(settings["min_group_size"]),
           "level": float(settings["level"])}
if source == "features":
    options.update(features=features, model=model, n_splits=folds, seed=int(settings["seed"]))
reference = L.reference_for(spec, settings)
try:
    issues = L.find_issues(spec, {**options, "reference": reference}, proba)
except FairLensInputError as exc:
    try:
        issues = L.find_issues(spec, options, proba)
    except FairLensInputError:
        st.error(str(exc), icon=":material/error:")
        ui.data_page_link()
        st.stop()
L.remember_flags(spec, issues)

# --- headline ----------------------------------------------------------------------------------
lo, hi = issues.rate_ci
cols = st.columns(4)
cols[0].metric("Rows analysed", f"{issues.n_rows:,}")
cols[1].metric("Suspected label errors", f"{issues.n_issues:,}",
               help="Rows whose given label confident learning finds unlikely.")
cols[2].metric("Share of rows", L.pct(issues.rate),
               help=f"95% Wilson interval {L.pct(lo)} - {L.pct(hi)}.")
cols[3].metric("Probabilities", L.source_short(issues),
               help=f"Detector {issues.detection.detector!r}, options "
                    f"{issues.detection.options}.")
for w in issues.warnings:
    st.warning(w, icon=":material/warning:")
with st.expander("How to read these results"):
    for note in issues.notes:
        st.markdown(f"- {note}")
    st.markdown(
        "- A flagged row is a **suspect**, not a verdict: confident learning also flags correct "
        "labels of cases that are genuinely hard to predict. Review them below.\n"
        "- Flags come from a model's probabilities. Where that model is biased against a group, "
        "that group's correct labels look wrong to it: read a high rate together with the "
        "model's performance in that group (Fairness page), or find the errors with an "
        "independent cross-validated model of the features.")

# --- rates by group ----------------------------------------------------------------------------
st.subheader("Are the label errors concentrated in one group?")
by_group = issues.by_group
if by_group.empty:
    st.info("Map at least one sensitive attribute (sidebar) to compare groups.")
else:
    groupings = list(dict.fromkeys(by_group["grouping"]))
    L.bound(L.W_GROUPING, groupings, L.most_uneven(by_group))
    grouping = st.segmented_control("Compare groups by", groupings, key=L.W_GROUPING,
                                    required=True, on_change=L.remember(L.W_GROUPING))
    rows = by_group[by_group["grouping"] == grouping].reset_index(drop=True)
    for sentence in L.rate_sentences(rows, grouping):
        st.markdown(f"- {sentence}")
    st.plotly_chart(fl.issue_rate_bars(rows, overall=issues.rate), key="labels_rate_bars",
                    config={"displaylogo": False})
    st.table(L.rate_table(rows, int(settings["min_group_size"])).set_index("Group"))
    st.caption("Issue rate: share of the group's rows flagged, with its 95% Wilson interval. q: "
               "two-proportion test against the reference group, Benjamini-Hochberg corrected "
               "over the groups of this attribute. Red bars: significantly higher than the "
               "reference group, teal bars: significantly lower (q < 0.05); grey bars are below "
               "the minimum group size and not tested.")

# --- label-aware fairness ----------------------------------------------------------------------
st.subheader("Do the disparities survive the label errors?")
fairness = None
if not spec.prediction_kinds:
    st.info("Map the model's predictions on the Data page to compare the fairness audit before "
            "and after removing the suspected errors.")
elif not spec.sensitive:
    st.info("Map at least one sensitive attribute to compare the audit before and after.")
else:
    try:
        fairness = L.fairness(spec, options, settings, issues)
    except FairLensInputError as exc:
        st.error(str(exc), icon=":material/error:")
if fairness is not None:
    st.markdown(
        f"The audit again, **without** the {issues.n_issues:,} suspected errors and with their "
        "labels **replaced by the suggested label**, next to the original. A disparity that "
        "stays inside its original 95% interval is robust to the suspected errors.")
    for w in fairness.warnings:
        st.warning(w, icon=":material/warning:")
    for sentence in fairness.sentences:
        st.markdown(f"- {sentence}")
    fgroupings = list(dict.fromkeys(fairness.table["grouping"]))
    chosen = st.session_state.get(L.W_GROUPING)
    L.bound(L.W_FAIR_GROUPING, fgroupings, chosen if chosen in fgroupings else fgroupings[0])
    fgrouping = st.segmented_control("Attribute", fgroupings, key=L.W_FAIR_GROUPING,
                                     required=True, on_change=L.remember(L.W_FAIR_GROUPING))
    variants = [v for v in fairness.variants if v != "review"]
    st.dataframe(L.comparison_display(fairness.table, fgrouping, variants), hide_index=True,
                 width="stretch")
    st.plotly_chart(fl.fairness_comparison_chart(fairness.table, fgrouping, variants=variants),
                    key="labels_fairness_chart", config={"displaylogo": False})
    st.caption("Value [95% bootstrap interval] of each key disparity and equity measure. "
               "Differences and PSD: lower is fairer; ES: higher is fairer.")
    if fairness.ranking is not None:
        st.markdown("**Model ranking on original and corrected labels**")
        st.dataframe(fairness.ranking, hide_index=True, width="stretch")


# --- review queue ------------------------------------------------------------------------------
def _save(row: int) -> None:
    decision = st.session_state.get(f"{L.W_DECISION}_{row}")
    if decision is None:
        st.session_state[L.REVIEW_NOTICE] = ("error", "Choose a decision before saving.")
        return
    log = L.load_review(data.key, spec.label)
    try:
        log.decide_for(issues, row, decision,
                       corrected_label=st.session_state.get(f"{L.W_CORRECTED}_{row}"),
                       note=st.session_state.get(f"{L.W_NOTE}_{row}", ""))
        L.save_review(log)
    except (FairLensInputError, OSError) as exc:
        st.session_state[L.REVIEW_NOTICE] = ("error", f"Could not save the decision: {exc}")
        return
    st.session_state[L.REVIEW_NOTICE] = (
        "success", f"Saved: row {row} - {fl.DECISIONS[decision].lower()}.")
    open_rows = [int(r) for r in issues.ranked_rows if int(r) not in log.decisions]
    if open_rows:
        L.choose(L.W_ROW, open_rows[0])


def _clear(row: int) -> None:
    log = L.load_review(data.key, spec.label)
    log.clear(row)
    try:
        L.save_review(log)
    except OSError as exc:
        st.session_state[L.REVIEW_NOTICE] = ("error", f"Could not save: {exc}")
        return
    for prefix in (L.W_DECISION, L.W_CORRECTED, L.W_NOTE):
        st.session_state.pop(f"{prefix}_{row}", None)
    st.session_state[L.REVIEW_NOTICE] = ("success", f"Cleared the decision on row {row}.")


@st.fragment
def review_section() -> None:
    """The queue, one row's review form, exports and the audit with the corrections."""
    st.subheader("Review queue")
    notice = st.session_state.pop(L.REVIEW_NOTICE, None)
    if notice:
        getattr(st, notice[0])(notice[1])
    try:
        log = L.load_review(data.key, spec.label)
    except FairLensInputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    counts = log.counts()
    flagged = set(int(r) for r in issues.ranked_rows)
    reviewed_flagged = len(flagged & set(log.decisions))
    st.markdown(
        f"Flagged rows, most likely mislabeled first. **{reviewed_flagged:,} of "
        f"{issues.n_issues:,}** reviewed: {counts['wrong']:,} label wrong, {counts['right']:,} "
        f"label right, {counts['unsure']:,} unsure. Decisions are saved in the workspace folder "
        "and survive a restart.")
    if not issues.n_issues and not log.decisions:
        st.info("No rows are flagged.")
        return
    frame = ui.active_frame()
    show_cols = [c for c in frame.columns if c != spec.label][:20]
    queue = fl.review_queue(issues, frame, log=log, columns=show_cols)
    c1, c2 = st.columns([2, 1])
    show = c1.radio("Show", [SHOW_ALL, SHOW_OPEN, SHOW_DONE], horizontal=True,
                    key="labels_queue_filter")
    if show == SHOW_OPEN:
        queue = queue[queue["decision"] == ""]
    elif show == SHOW_DONE:
        queue = queue[queue["decision"] != ""]
    pages = max(1, int(np.ceil(len(queue) / L.QUEUE_PAGE_SIZE)))
    page = int(c2.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1,
                               step=1, key=L.W_QUEUE_PAGE))
    part = queue.iloc[(page - 1) * L.QUEUE_PAGE_SIZE: page * L.QUEUE_PAGE_SIZE]
    st.dataframe(L.queue_display(part), hide_index=True, width="stretch",
                 key="labels_queue_table", column_config={
                     "Decision": st.column_config.TextColumn(width="medium"),
                     "Note": st.column_config.TextColumn(width="medium")})
    if part.empty:
        st.info("No rows to show with this filter.")
    else:
        choices = [int(r) for r in part["row"]]
        undecided = [r for r in choices if r not in log.decisions]
        L.bound(L.W_ROW, choices, (undecided or choices)[0])
        with st.container(border=True):
            row = st.selectbox(
                "Review row", choices, key=L.W_ROW, on_change=L.remember(L.W_ROW),
                format_func=lambda r: (f"row {r}: given {issues.class_value(issues.labels[r])}"
                                       f", suggested {issues.class_value(issues.suggested[r])}"
                                       f" (quality {issues.quality[r]:.3f})"))
            proba = issues.detection.proba[row]
            top = np.argsort(-proba)[:3]
            st.markdown(
                f"Given label **{issues.class_value(issues.labels[row])}**, suggested "
                f"**{issues.class_value(issues.suggested[row])}**. Probabilities: " + ", ".join(
                    f"{issues.class_value(k)}: {proba[k]:.3f}" for k in top) + ".")
            details = frame.iloc[[row]].T.rename(columns={frame.index[row]: "value"})
            st.dataframe(details.astype(str), width="stretch", height=min(38 * len(details),
                                                                           260))
            existing = log.decisions.get(row)
            decisions = list(fl.DECISIONS)
            f1, f2 = st.columns([2, 2])
            f1.radio("Your decision", decisions, format_func=fl.DECISIONS.get, horizontal=True,
                     index=decisions.index(existing.decision) if existing else None,
                     key=f"{L.W_DECISION}_{row}")
            classes = list(issues.classes)
            preset = existing.corrected_label if existing and existing.corrected_label \
                is not None else issues.class_value(issues.suggested[row])
            index = next((i for i, c in enumerate(classes) if str(c) == str(preset)), 0)
            f2.selectbox("Correct label (when the label is wrong)", classes, index=index,
                         format_func=str, key=f"{L.W_CORRECTED}_{row}")
            st.text_input("Note (optional)", value=existing.note if existing else "",
                          key=f"{L.W_NOTE}_{row}")
            b1, b2, b3, _ = st.columns([1, 1, 1, 2])
            b1.button("Save decision", key=L.W_SAVE, type="primary", on_click=_save,
                      args=(row,), icon=":material/check:")
            b2.button("Clear decision", key=L.W_CLEAR, on_click=_clear, args=(row,),
                      disabled=existing is None)
            with b3:
                ui.explain_row_button(row, key="labels_explain_row")
    d1, d2 = st.columns(2)
    d1.download_button(
        "Download the review queue (CSV)",
        data=lambda: fl.review_csv(issues, frame, log=log, columns=show_cols),
        file_name="fairlens-label-review.csv", mime="text/csv", on_click="ignore",
        key="labels_download_queue", icon=":material/download:")
    d2.download_button(
        "Download the data with your corrections (CSV)",
        data=lambda: fl.to_csv_bytes(frame.assign(
            **{spec.label: fl.corrected_labels(frame, issues, log).to_numpy()})),
        file_name="fairlens-corrected-labels.csv", mime="text/csv", on_click="ignore",
        key="labels_download_corrected", icon=":material/download:",
        disabled=not log.corrections(issues))

    corrections = log.corrections(issues)
    st.markdown("**The audit with your reviewed corrections**")
    if fairness is None:
        st.info("Map predictions and a sensitive attribute to re-audit with your corrections.")
    elif not corrections:
        st.info("Mark rows as **label wrong** to see the audit recomputed with your "
                "corrections.")
    else:
        audit, changed, warnings = L.reviewed_audit(spec, options, settings, issues,
                                                    corrections)
        table = fl.comparison_table({"before": fairness.audits["before"], "review": audit})
        st.markdown(f"{changed:,} label(s) corrected by your review; every other row keeps its "
                    "given label.")
        rgroupings = list(dict.fromkeys(table["grouping"]))
        rgrouping = st.session_state.get(L.W_FAIR_GROUPING + "__value")
        rgrouping = rgrouping if rgrouping in rgroupings else rgroupings[0]
        shown = L.comparison_display(table, rgrouping, ["before", "review"])
        st.dataframe(shown, hide_index=True, width="stretch", key="labels_review_table")
        st.caption(f"Attribute: {rgrouping} (change it above). Value [95% bootstrap interval].")
        for w in warnings:
            st.warning(w, icon=":material/warning:")


review_section()

with st.expander("Label quality of every row"):
    st.plotly_chart(fl.quality_histogram(issues.quality, issues.mask), key="labels_quality",
                    config={"displaylogo": False})
    st.caption("Flagged rows (red) sit at the low end; a long red tail means many rows whose "
               "given label the model finds very unlikely.")

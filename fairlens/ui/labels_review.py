"""The Label errors page's review queue: the flagged rows, one row's form, exports, re-audit.

Decisions are saved in the workspace folder through :mod:`fairlens.ui.labels_page`; the queue, the
exports and the corrected audit are :mod:`fairlens.labels`'.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from fairlens import labels as fl
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.labels import LabelFairness, LabelIssues, ReviewLog
from fairlens.ui import _page, _session
from fairlens.ui import labels_page as L
from fairlens.ui._keys import kept, restore_widget, save_widget
from fairlens.ui._show import table
from fairlens.wording import labels as W
from fairlens.wording import md

SHOW_ALL, SHOW_OPEN, SHOW_DONE = "All flagged rows", "Not reviewed yet", "Reviewed"
SHOWN_COLUMNS = 20


def _notice(level: str, text: str) -> None:
    st.session_state[L.REVIEW_NOTICE] = (level, text)


def save_decision(label: str, issues: LabelIssues, row: int) -> None:
    """Callback of "Save decision": record the form's decision, move to the next open row."""
    decision = st.session_state.get(f"{L.W_DECISION}_{row}")
    if decision is None:
        _notice("error", "Choose a decision before saving.")
        return
    log = L.load_review(_session.active().key, label)
    try:
        log.decide_for(issues, row, decision,
                       corrected_label=st.session_state.get(f"{L.W_CORRECTED}_{row}"),
                       note=st.session_state.get(f"{L.W_NOTE}_{row}", ""))
        L.save_review(log)
    except (FairLensInputError, OSError) as exc:
        _notice("error", f"Could not save the decision: {md(exc)}")
        return
    _notice("success", f"Saved: row {int(issues.data_rows([row])[0])} - "
                       f"{fl.DECISIONS[decision].lower()}.")
    open_rows = [int(r) for r in issues.ranked_rows if int(r) not in log.decisions]
    if open_rows:
        st.session_state[L.W_ROW] = open_rows[0]
        save_widget(L.W_ROW)


def clear_decision(label: str, row: int) -> None:
    """Callback of "Clear decision"."""
    log = L.load_review(_session.active().key, label)
    log.clear(row)
    try:
        L.save_review(log)
    except OSError as exc:
        _notice("error", f"Could not save: {md(exc)}")
        return
    for prefix in (L.W_DECISION, L.W_CORRECTED, L.W_NOTE):
        st.session_state.pop(f"{prefix}_{row}", None)
    _notice("success", f"Cleared the decision on row {row}.")


def _filtered(queue: pd.DataFrame, show: str) -> pd.DataFrame:
    if show == SHOW_OPEN:
        return queue[queue["decision"] == ""]
    if show == SHOW_DONE:
        return queue[queue["decision"] != ""]
    return queue


def _row_form(spec: AuditSpec, issues: LabelIssues, frame: pd.DataFrame, log: ReviewLog,
              choices: list[int]) -> None:
    undecided = [r for r in choices if r not in log.decisions]
    restore_widget(L.W_ROW, (undecided or choices)[0], choices)
    with st.container(border=True):
        row = st.selectbox("Review row", choices, format_func=lambda r: L.row_summary(issues, r),
                           **kept(L.W_ROW))
        st.markdown(L.row_probabilities(issues, row))
        values = issues.analysed_frame(frame).iloc[row]
        details = pd.DataFrame({"Column": [str(c) for c in frame.columns],
                                "Value": ["(missing)" if pd.isna(v) else str(v)
                                          for v in values]})
        table(details, headers=False, height=min(36 + 35 * len(details), 280),
              key="labels_row_values",
              column_config={"Column": st.column_config.TextColumn(width="medium"),
                             "Value": st.column_config.TextColumn(width="large")})
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
        b1.button("Save decision", key=L.W_SAVE, type="primary", on_click=save_decision,
                  args=(spec.label, issues, row), icon=":material/check:")
        b2.button("Clear decision", key=L.W_CLEAR, on_click=clear_decision,
                  args=(spec.label, row), disabled=existing is None)
        with b3:
            _page.explain_row_button(row, key="labels_explain_row")


def _downloads(spec: AuditSpec, issues: LabelIssues, frame: pd.DataFrame, log: ReviewLog,
               columns: list[str]) -> None:
    d1, d2 = st.columns(2)
    d1.download_button(
        "Download the review queue (CSV)",
        data=lambda: fl.review_csv(issues, frame, log=log, columns=columns),
        file_name="fairlens-label-review.csv", mime="text/csv", on_click="ignore",
        key="labels_download_queue", icon=":material/download:")
    d2.download_button(
        "Download the data with your corrections (CSV)",
        data=lambda: fl.to_csv_bytes(frame.assign(
            **{spec.label: fl.corrected_labels(frame, issues, log).to_numpy()})),
        file_name="fairlens-corrected-labels.csv", mime="text/csv", on_click="ignore",
        key="labels_download_corrected", icon=":material/download:",
        disabled=not log.corrections(issues))


def _reviewed_audit(spec: AuditSpec, issues: LabelIssues, fairness: LabelFairness | None,
                    request: dict[str, Any], options: AuditOptions, log: ReviewLog) -> None:
    corrections = log.corrections(issues)
    st.markdown("**The audit with your reviewed corrections**")
    if fairness is None:
        st.info("Map predictions and a sensitive attribute to re-audit with your corrections.")
        return
    if not corrections:
        st.info("Mark rows as **label wrong** to see the audit recomputed with your "
                "corrections.")
        return
    audit, changed, warnings = L.reviewed_audit(spec, request, options, issues, corrections)
    comparison = fl.comparison_table({"before": fairness.audits["before"], "review": audit})
    st.markdown(f"{changed:,} label(s) corrected by your review; every other row keeps its "
                "given label.")
    groupings = list(dict.fromkeys(comparison["grouping"]))
    grouping = st.session_state.get(L.W_FAIR_GROUPING)
    grouping = grouping if grouping in groupings else groupings[0]
    table(L.comparison_display(comparison, grouping, ["before", "review"]), headers=False,
          key="labels_review_table")
    st.caption(f"Attribute: {md(grouping)} (change it above). Value [95% bootstrap interval].")
    for w in warnings:
        st.warning(W.for_page(w, esc=md), icon=":material/warning:")


@st.fragment
def review_section(spec: AuditSpec, issues: LabelIssues, fairness: LabelFairness | None,
                   request: dict[str, Any], options: AuditOptions) -> None:
    """The queue, one row's review form, exports and the audit with the corrections."""
    st.subheader("Review queue")
    notice = st.session_state.pop(L.REVIEW_NOTICE, None)
    if notice:
        getattr(st, notice[0])(notice[1])
    try:
        log = L.load_review(_session.active().key, spec.label)
    except FairLensInputError as exc:
        st.error(md(exc), icon=":material/error:")
        return
    flagged = {int(r) for r in issues.ranked_rows}
    st.markdown(W.review_progress(len(flagged & set(log.decisions)), issues.n_issues,
                                  log.counts()))
    if not issues.n_issues and not log.decisions:
        st.info("No rows are flagged.")
        return
    frame = _session.active_frame()
    columns = [c for c in frame.columns if c != spec.label][:SHOWN_COLUMNS]
    queue = fl.review_queue(issues, frame, log=log, columns=columns)
    c1, c2 = st.columns([2, 1])
    show = c1.radio("Show", [SHOW_ALL, SHOW_OPEN, SHOW_DONE], horizontal=True,
                    key=L.W_QUEUE_FILTER)
    queue = _filtered(queue, show)
    pages = L.page_count(len(queue))
    page = int(c2.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1,
                               step=1, key=L.W_QUEUE_PAGE))
    part = L.page_of(queue, page)
    table(L.queue_display(part, issues), headers=False, key="labels_queue_table", column_config={
        "Decision": st.column_config.TextColumn(width="medium"),
        "Note": st.column_config.TextColumn(width="medium")})
    if part.empty:
        st.info("No rows to show with this filter.")
    else:
        _row_form(spec, issues, frame, log, [int(r) for r in part["row"]])
    _downloads(spec, issues, frame, log, columns)
    _reviewed_audit(spec, issues, fairness, request, options, log)

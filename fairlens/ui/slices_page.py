"""Streamlit glue of the Slices page: the error signal, the search with the audit's options,
the slices list and the paged rows of one slice.

The page reads its widgets and calls these; every number comes from :mod:`fairlens.slices`
and every sentence from :mod:`fairlens.wording.slices`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fairlens import slices as fs
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec
from fairlens.ui import _session as S
from fairlens.ui._data_screen import screened_features
from fairlens.ui._page import explain_row_button, show_warnings
from fairlens.ui._show import table
from fairlens.wording import header, md
from fairlens.wording import slices as words

PAGE = "pages/slices.py"
ROWS_PER_PAGE = 50
LABEL_ISSUE = "label_issue"
"""The error signal made of the Label errors page's flags."""

W_FEATURES = "slices_features"
W_ERROR = "slices_error"
W_DEPTH = "slices_depth"
W_SUPPORT = "slices_support"
W_TOP_K = "slices_top_k"
W_PICK = "slices_pick"
W_ROWS_PAGE = "slices_rows_page"
W_EXPLAIN_PICK = "slices_explain_pick"


TABLE_COLUMNS = {
    "description": st.column_config.TextColumn("Slice", width="large", pinned=True),
    "n": st.column_config.NumberColumn(header("n"), format="localized"),
    "error_rate": st.column_config.NumberColumn(header("error_rate"), format="percent"),
    "ci": st.column_config.TextColumn(header("ci")),
    "lift": st.column_config.NumberColumn(header("lift"), format="%.2fx"),
    "score": st.column_config.NumberColumn("SliceLine score", format="%.3f"),
    "p_value": st.column_config.TextColumn(header("p_value")),
    "q_value": st.column_config.TextColumn(header("q_value")),
    "significant": st.column_config.CheckboxColumn(header("significant")),
}
"""How the slices table's columns are headed and formatted on the page (keyed by the
library's column names; the shown frame's headers are :func:`fairlens.wording.header` of
them)."""
SLICE_CHARS_PX = 7
"""About how many pixels one character of a slice's conditions takes in the table."""
SLICE_COLUMN_PX = (240, 520)
"""Narrowest and widest Slice column (a wider one is not pinned, so the numbers can scroll)."""


def table_columns(conditions: list[str]) -> dict[str, Any]:
    """:data:`TABLE_COLUMNS` keyed by the shown headers, the Slice column as wide as its
    longest conditions, so that no slice is cut off."""
    config = {header(k): v for k, v in TABLE_COLUMNS.items()}
    want = SLICE_CHARS_PX * max((len(c) for c in conditions), default=20) + 24
    width = int(min(max(want, SLICE_COLUMN_PX[0]), SLICE_COLUMN_PX[1]))
    config[header("description")] = st.column_config.TextColumn(
        "Slice", width=width, pinned=want <= SLICE_COLUMN_PX[1])
    return config


def slices_table(result: fs.SliceResult) -> pd.DataFrame:
    """The slices table as shown: each slice named by its conditions (its full sentence, with
    the numbers the other columns hold, is in the list above the table)."""
    shown = words.display_table(result.to_frame())
    shown["description"] = [words.describe_conditions(s.conditions) for s in result.slices]
    return shown


def options() -> AuditOptions:
    """The audit's options (the sidebar's), as every page uses them."""
    return S.audit_options()


def error_kinds(spec: AuditSpec, flags: dict[str, Any] | None) -> list[str]:
    """The error signals this mapping offers (label-issue flags once they were found; only
    those without a score or decision column)."""
    model = ["misclassification", "false_positive", "false_negative"] + (
        ["log_loss"] if spec.score else []) if spec.score or spec.pred else []
    return model + ([LABEL_ISSUE] if flags else [])


def default_support(frame: pd.DataFrame) -> int:
    """The minimum slice size offered first: the library's default, 1 % or 30 rows."""
    return max(30, len(frame) // 100)


def default_features(spec: AuditSpec, candidates: list[str]) -> list[str]:
    """The features offered first: the mapping's, else the column screening's proposal (never
    every column: identifiers, dates and copies of the label describe no useful slice)."""
    chosen = spec.features or screened_features(spec)
    return [c for c in chosen if c in candidates][:30]


def search(frame: pd.DataFrame, spec: AuditSpec, *, features: list[str], error: str,
           flags: dict[str, Any] | None, progress: Callable[..., None] | None = None,
           **search_options: Any) -> tuple[fs.SliceResult, np.ndarray]:
    """The slices of the chosen error signal, and that signal (for the tree and heat map);
    ``progress`` gets the search's progress messages (level, slices examined)."""
    search_options["progress"] = progress
    if error == LABEL_ISSUE:
        errors = flags["mask"].astype(float)
        result = fs.find_slices_spec(frame, spec, options=options(), features=features,
                                     errors=errors, **search_options)
        return result, errors
    errors = fs.error_signal_spec(frame, spec, options=options(), error=error)
    result = fs.find_slices_spec(frame, spec, options=options(), features=features,
                                 error=error, **search_options)
    return result, errors


def show_slices(result: fs.SliceResult, *, already: list[str] = ()) -> None:
    """Headline numbers, warnings (each once: ``already`` were shown with the controls), the
    slices in words and as a table, the JSON download."""
    n_sig = sum(s.significant for s in result.slices)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Rows", f"{result.n:,}")
    m2.metric("Overall error", f"{result.overall_error:.1%}")
    m3.metric("Slices examined", f"{result.n_examined:,}")
    m4.metric("Significant slices shown", f"{n_sig} of {len(result.slices)}")
    show_warnings(result.warnings, already=already)
    st.subheader("Slices, worst first")
    for s in result.slices:
        st.markdown("- " + words.slice_line(md(s.description), s.significant, s.q_value,
                                            markdown=True))
    shown = slices_table(result)
    table(shown, key="slices_table", column_config=table_columns(list(shown["description"])))
    st.download_button("Download the slices (JSON)", data=result.to_json(indent=2),
                       file_name="fairlens-slices.json", mime="application/json",
                       key="slices_json", on_click="ignore", icon=":material/download:")


def show_slice_rows(frame: pd.DataFrame, result: fs.SliceResult) -> None:
    """One chosen slice: its numbers, its rows page by page, a row to explain."""
    st.subheader("Rows of a slice")
    picked = st.selectbox("Slice", range(len(result.slices)), key=W_PICK,
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
                                  max_value=pages, value=1, key=W_ROWS_PAGE))
    start = (page_no - 1) * ROWS_PER_PAGE
    table(rows.iloc[start:start + ROWS_PER_PAGE], headers=False, hide_index=False,
          key="slices_rows")
    positions = [int(p) for p in np.flatnonzero(mask)[start:start + ROWS_PER_PAGE]]
    e1, e2 = st.columns([3, 1], vertical_alignment="bottom")
    row = e1.selectbox("Row of this page", positions, key=W_EXPLAIN_PICK,
                       format_func=lambda p: f"row {p}")
    with e2:
        explain_row_button(row, key="slices_explain_row")

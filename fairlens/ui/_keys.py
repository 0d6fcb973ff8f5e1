"""The widget state of the app: session keys, widget keys, and how widgets keep their values.

Every key the app stores in ``st.session_state`` is a constant here. Widget keys are prefixed
by where the widget lives (``sidebar_``, ``data_``, ``fairness_``, ``equity_``). The three
helpers at the end are the only code that moves values between the session and widgets:
:func:`bind` shows a canonical value in a widget, :func:`restore_widget` and
:func:`save_widget` keep a page widget's value while the user visits other pages.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from fairlens.auditing import AuditOptions

# --- canonical state (never bound to a widget) ---------------------------------------------
ACTIVE = "fl_active"
"""The active dataset (:class:`fairlens.ui.ActiveData`)."""
SPEC = "fl_spec"
"""The applied column mapping (:class:`fairlens.AuditSpec`), threshold included."""
SETTINGS = "fl_settings"
"""Audit settings: reference groups, minimum group size, interval method (a dict)."""
SPEC_VERSION = "fl_spec_version"
"""Counter bumped whenever the applied mapping changes (the Data page re-syncs its draft)."""
MEMORY_FRAME = "fl_memory_frame"
"""An uploaded frame that could not be written to the workspace folder."""
UPLOAD_SEEN = "fl_upload_seen"
"""File id of the last upload processed, so a rerun does not process it again."""
UPLOAD_ERROR = "fl_upload_error"
"""Message of the last failed upload, shown under the uploader."""
NOTICES = "fl_notices"
"""One-shot messages ``(level, text)`` shown once at the top of the next page run."""
RESULTS_FRAGMENT = "fl_results_fragment"
"""Keys of the fragments that a threshold change reruns (set by the page that shows them)."""
EXPLAIN_ROW_REQUEST = "fl_explain_row_request"
"""Row number another page asked the Explain page to open (taken once by the Explain page)."""
SAVED_SNAPSHOT = "fl_saved_snapshot"
"""JSON of the last state written to the active workspace (to skip identical writes)."""

QUERY_WORKSPACE = "workspace"
"""Query parameter that names the open workspace, so that a refresh reopens it."""

# --- widget keys ----------------------------------------------------------------------------
W_SENSITIVE = "sidebar_sensitive"
W_THRESHOLD = "sidebar_threshold"
W_MIN_GROUP = "sidebar_min_group_size"
W_REFERENCE_PREFIX = "sidebar_reference__"
W_CI = "sidebar_ci"
W_BOOTSTRAP = "sidebar_bootstrap"
W_SAVE_NAME = "sidebar_save_name"
W_EQUITY_MIN_GROUP = "equity_min_group_size"

# Data page: the source and the column-mapping form (a draft until "Apply mapping").
W_DATA_SOURCE = "data_source"
W_DATA_UPLOAD = "data_upload"
W_DATA_SAMPLE = "data_sample"
W_DATA_VERSION = "data_map_version"
W_DATA_LABEL = "data_map_label"
W_DATA_KIND = "data_map_kind"
W_DATA_SCORE = "data_map_score"
W_DATA_SCORE_KIND = "data_map_score_kind"
W_DATA_THRESHOLD = "data_map_threshold"
W_DATA_PRED = "data_map_pred"
W_DATA_PREFIX = "data_map_prefix"
W_DATA_METRIC = "data_map_metric"
W_DATA_POSITIVE = "data_map_positive"
W_DATA_SENSITIVE = "data_map_sensitive"
W_DATA_FEATURES = "data_map_features"
W_DATA_WEIGHT = "data_map_weight"
W_DATA_FAVORABLE = "data_map_favorable"
W_DATA_TIME = "data_map_time"
DATA_DRAFT = "fl_data_draft"
"""A copy of the Data page's unapplied mapping (the widgets forget what a run does not draw)."""
DATA_SCREEN_BASIS = "data_map_screen_basis"
"""The label and predictions whose column screening proposed the features shown in the form
(when the draft's label or predictions change, the features are proposed again)."""

# Fairness page.
FAIRNESS_FRAGMENT = "fairness_results"
FAIRNESS_NOTES_FRAGMENT = "fairness_notes"
W_FAIRNESS_GROUPING = "fairness_grouping"
W_FAIRNESS_MODEL = "fairness_model"
W_FAIRNESS_ALL_METRICS = "fairness_all_metrics"

# Equity page.
EQUITY_FRAGMENT = "equity_results"
W_EQUITY_GROUPING = "equity_grouping"
W_EQUITY_COMPARE_GROUPING = "equity_compare_grouping"
W_EQUITY_COMPARE_METRIC = "equity_compare_metric"

DEFAULT_SAMPLE = "compas"
DEFAULT_SETTINGS: dict[str, Any] = {
    "reference": {},
    **{name: getattr(AuditOptions(), name)
       for name in ("min_group_size", "bootstrap", "ci", "seed", "level")},
}
"""Audit settings of a fresh dataset (the library's defaults)."""

PAGE_DATA = "pages/data.py"
PAGE_FAIRNESS = "pages/fairness.py"
PAGE_EQUITY = "pages/equity.py"
PAGE_EXPLAIN = "pages/explain.py"


# --- moving values between the session and widgets ------------------------------------------

_SAVED_PREFIX = "fl_keep__"


def bind(key: str, value: Any) -> None:
    """Make the widget ``key`` show ``value`` (call before creating the widget).

    The canonical value lives in the session's state; widgets on several pages (and in the
    sidebar) show it and write it back through their ``on_change`` callbacks.
    """
    if st.session_state.get(key, object()) != value:
        st.session_state[key] = value


def restore_widget(key: str, default: Any, options: list[Any] | None = None) -> None:
    """Give a page widget back the value it had when the user last left the page.

    Streamlit forgets the state of widgets that were not drawn in a run; this restores the last
    saved value (or ``default``, or the first option when the value is no longer offered). Call
    it before creating the widget with ``key`` and ``on_change=save_widget, args=(key,)``.
    """
    saved = st.session_state.get(_SAVED_PREFIX + key, default)
    current = st.session_state.get(key, saved)
    if options is not None and current not in options:
        current = default if default in options else options[0]
    bind(key, current)
    st.session_state[_SAVED_PREFIX + key] = current


def save_widget(key: str) -> None:
    """Save a widget's value for :func:`restore_widget` (its ``on_change`` callback)."""
    st.session_state[_SAVED_PREFIX + key] = st.session_state[key]


def kept(key: str) -> dict[str, Any]:
    """The ``key``/``on_change`` arguments of a widget whose value :func:`restore_widget` keeps.

    ``st.toggle("Show all", **kept(KEY))`` after ``restore_widget(KEY, False)``.
    """
    return {"key": key, "on_change": save_widget, "args": (key,)}

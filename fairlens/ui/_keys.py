"""Session-state keys, widget keys and defaults shared by the app's pages.

Every key the app stores in ``st.session_state`` is a constant here. Widget keys are prefixed
by where the widget lives (``sidebar_``, ``data_``, ``fairness_``, ``equity_``).
"""

from __future__ import annotations

from typing import Any

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

DEFAULT_SAMPLE = "compas"
DEFAULT_SETTINGS: dict[str, Any] = {
    "reference": {},
    "min_group_size": 30,
    "bootstrap": 1000,
    "ci": "bootstrap",
    "seed": 0,
    "level": 0.95,
}
"""Audit settings of a fresh dataset (the library's defaults)."""

PAGE_DATA = "pages/data.py"
PAGE_FAIRNESS = "pages/fairness.py"
PAGE_EQUITY = "pages/equity.py"
PAGE_EXPLAIN = "pages/explain.py"

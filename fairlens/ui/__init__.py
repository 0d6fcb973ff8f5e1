"""The only streamlit glue of FairLens: session state, cached wrappers, shared widgets.

The library (everything else under :mod:`fairlens`) never imports streamlit; the app's pages
call into this package and :mod:`fairlens.plots` and compute nothing themselves.
"""

from fairlens import plots
from fairlens import wording as fmt
from fairlens.auditing import Audit
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.ui import _cache as cache
from fairlens.ui import _data_form as form
from fairlens.ui import _keys as keys
from fairlens.ui._keys import bind, kept, restore_widget, save_widget
from fairlens.ui._page import (
    Progress,
    analysis_failed,
    audit_or_stop,
    data_page_link,
    dataset_caption,
    explain,
    explain_row_button,
    failure_message,
    guarded,
    input_problem,
    json_download,
    leak_warnings,
    page_header,
    page_setup,
    progress_bar,
    register_results_fragment,
    show_notices,
    show_warnings,
    stop_with,
    take_explain_row_request,
    use_navigation,
)
from fairlens.ui._runs import record_run, recorded_runs
from fairlens.ui._session import (
    ActiveData,
    active,
    active_frame,
    current_settings,
    current_spec,
    frame_loader,
    get_audit,
    get_statistics,
    init_session,
    mapping_problem,
    max_upload_bytes,
    notify,
    open_sample,
    open_upload,
    open_workspace,
    sample_title,
    samples,
    set_spec,
    spec_version,
    update_settings,
)
from fairlens.ui._show import shown_frame, table
from fairlens.ui._sidebar import min_group_size_input, render_sidebar
from fairlens.ui._workspace import Workspace, WorkspaceError, WorkspaceStore, workspace_root

__all__ = [
    "record_run",
    "recorded_runs",
    "shown_frame",
    "table",
    "Progress",
    "analysis_failed",
    "ActiveData",
    "Audit",
    "AuditSpec",
    "FairLensInputError",
    "Workspace",
    "WorkspaceError",
    "WorkspaceStore",
    "active",
    "active_frame",
    "audit_or_stop",
    "bind",
    "cache",
    "current_settings",
    "current_spec",
    "data_page_link",
    "dataset_caption",
    "explain",
    "explain_row_button",
    "failure_message",
    "fmt",
    "form",
    "frame_loader",
    "get_audit",
    "get_statistics",
    "guarded",
    "init_session",
    "input_problem",
    "json_download",
    "kept",
    "keys",
    "leak_warnings",
    "mapping_problem",
    "max_upload_bytes",
    "min_group_size_input",
    "notify",
    "open_sample",
    "open_upload",
    "open_workspace",
    "page_header",
    "page_setup",
    "plots",
    "progress_bar",
    "register_results_fragment",
    "render_sidebar",
    "restore_widget",
    "sample_title",
    "samples",
    "save_widget",
    "set_spec",
    "show_notices",
    "show_warnings",
    "spec_version",
    "stop_with",
    "take_explain_row_request",
    "update_settings",
    "use_navigation",
    "workspace_root",
]

from fairlens.ui._page import chart, escaped_frame, session_gone, static_table  # noqa: E402

__all__ += ["chart", "escaped_frame", "session_gone", "static_table"]

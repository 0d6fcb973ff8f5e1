"""The only streamlit glue of FairLens: session state, cached wrappers, shared widgets.

The library (everything else under :mod:`fairlens`) never imports streamlit; the app's pages
call into this package and :mod:`fairlens.plots` and compute nothing themselves.
"""

from fairlens import wording as fmt
from fairlens.ui import _cache as cache
from fairlens.ui import _keys as keys
from fairlens.ui._page import (
    audit_or_stop,
    data_page_link,
    dataset_caption,
    explain,
    explain_row_button,
    json_download,
    page_setup,
    register_results_fragment,
    show_notices,
    stop_with,
    take_explain_row_request,
    use_navigation,
)
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
from fairlens.ui._sidebar import bind, keep, min_group_size_input, remember, render_sidebar
from fairlens.ui._workspace import Workspace, WorkspaceError, WorkspaceStore, workspace_root

__all__ = [
    "ActiveData",
    "Workspace",
    "WorkspaceError",
    "WorkspaceStore",
    "active",
    "active_frame",
    "audit_or_stop",
    "data_page_link",
    "bind",
    "cache",
    "current_settings",
    "current_spec",
    "dataset_caption",
    "explain",
    "explain_row_button",
    "fmt",
    "frame_loader",
    "get_audit",
    "get_statistics",
    "init_session",
    "json_download",
    "keep",
    "keys",
    "mapping_problem",
    "max_upload_bytes",
    "min_group_size_input",
    "notify",
    "page_setup",
    "open_sample",
    "open_upload",
    "open_workspace",
    "register_results_fragment",
    "remember",
    "render_sidebar",
    "sample_title",
    "samples",
    "set_spec",
    "show_notices",
    "stop_with",
    "take_explain_row_request",
    "spec_version",
    "update_settings",
    "use_navigation",
    "workspace_root",
]

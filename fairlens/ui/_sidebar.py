"""The shared sidebar: active dataset, audit settings and workspaces."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import streamlit as st

from fairlens.auditing import Statistics
from fairlens.data import AuditSpec
from fairlens.ui import _keys as K
from fairlens.ui import _session as S
from fairlens.ui._workspace import WorkspaceError, ttl_hours
from fairlens.wording import md

LARGEST = "(largest group)"
MAX_DISCRETE_THRESHOLDS = 60


def threshold_options(stats: Statistics, spec: AuditSpec) -> list[float] | None:
    """Thresholds the slider offers, or None for a continuous 0-1 slider.

    Scores with few distinct values offer exactly those values; raw scores with many values
    offer about 100 of the table's bin values (where :meth:`Statistics.at_threshold` is exact).
    """
    tables = [m.score_table for m in stats.models.values()]
    if stats.task != "binary" or not tables or any(t is None for t in tables):
        return []
    values = np.unique(np.concatenate([np.asarray(t.values, dtype=float) for t in tables]))
    current = float(spec.threshold)
    if all(t.exact for t in tables) and len(values) <= MAX_DISCRETE_THRESHOLDS:
        return sorted({float(v) for v in values} | {current})
    if spec.score_kind == "probability":
        return None
    first = np.asarray(tables[0].values, dtype=float)
    grid = np.linspace(first.min(), first.max(), 101)
    idx = np.clip(np.searchsorted(first, grid), 0, len(first) - 1)
    return sorted({float(v) for v in first[idx]} | {current})


def _fmt_threshold(value: float) -> str:
    return f"{value:.4g}"


def _on_threshold() -> None:
    """Move the threshold; rerun only the page's result fragments."""
    S.set_threshold(float(st.session_state[K.W_THRESHOLD]))
    fragment = st.session_state.get(K.RESULTS_FRAGMENT)
    if fragment:
        st.rerun(fragment)


def _on_sensitive() -> None:
    spec = S.current_spec()
    chosen = list(st.session_state[K.W_SENSITIVE])
    S.set_spec(replace(spec, sensitive=chosen,
                       features=[f for f in spec.features if f not in chosen]))


def _on_min_group(key: str) -> None:
    S.update_settings(min_group_size=int(st.session_state[key]))


def _on_reference(attribute: str) -> None:
    value = st.session_state[K.W_REFERENCE_PREFIX + attribute]
    reference = dict(S.current_settings()["reference"])
    if value == LARGEST:
        reference.pop(attribute, None)
    else:
        reference[attribute] = value
    S.update_settings(reference=reference)


def _on_ci() -> None:
    S.update_settings(ci=st.session_state[K.W_CI])


def _on_bootstrap() -> None:
    S.update_settings(bootstrap=int(st.session_state[K.W_BOOTSTRAP]))


def min_group_size_input(key: str, *, label: str = "Minimum group size",
                         container: Any = st) -> None:
    """The minimum-group-size control (the sidebar's and the Equity page's show one value)."""
    K.bind(key, int(S.current_settings()["min_group_size"]))
    container.number_input(
        label, min_value=0, max_value=1_000_000, step=5, key=key,
        on_change=_on_min_group, args=(key,),
        help="Groups with fewer rows are flagged and left out of disparities, ES and PSD: their "
             "metrics are too noisy to compare.")


def _threshold_widget(stats: Statistics, spec: AuditSpec) -> None:
    """A select slider over the useful thresholds, or a 0-1 slider for probabilities."""
    options = threshold_options(stats, spec)
    if options == []:
        st.caption("Decision threshold: not applicable (the predictions are labels or "
                   "per-sample metrics, not scores).")
        return
    column = ", ".join(spec.score) if len(spec.score) <= 2 else f"{len(spec.score)} scores"
    help_text = (f"A row is predicted positive when its score ({column}) is at or above the "
                 "threshold. Moving it updates every page from the count tables, without "
                 "re-reading the data.")
    value = float(spec.threshold)
    if options is None:
        K.bind(K.W_THRESHOLD, value)
        st.slider("Decision threshold", min_value=0.0, max_value=1.0, step=0.01, format="%.2f",
                  key=K.W_THRESHOLD, on_change=_on_threshold, help=help_text)
    else:
        K.bind(K.W_THRESHOLD, value)
        st.select_slider("Decision threshold", options=options, key=K.W_THRESHOLD,
                         format_func=_fmt_threshold, on_change=_on_threshold, help=help_text)


def _settings_section() -> None:
    """Sensitive attributes, threshold, reference groups, minimum size and intervals."""
    spec = S.current_spec()
    data = S.active()
    st.markdown("**Audit settings**")
    roles = {spec.label, *spec.score, *spec.pred, *spec.metric, spec.weight}
    options = [c for c in data.columns if c not in roles]
    K.bind(K.W_SENSITIVE, [c for c in spec.sensitive if c in options])
    st.multiselect("Sensitive attributes", options=options, key=K.W_SENSITIVE,
                   on_change=_on_sensitive, placeholder="Choose columns such as race or sex",
                   help="Groups are formed for each attribute and for their intersection.")
    try:
        stats = S.get_statistics()
    except Exception:  # noqa: BLE001 - the page says what went wrong; the sidebar stays usable
        st.caption("Fix the column mapping on the Data page to set the threshold and the "
                   "reference groups.")
        min_group_size_input(K.W_MIN_GROUP)
        return
    _threshold_widget(stats, spec)
    settings = S.current_settings()
    chosen = settings.get("reference") or {}
    for g in stats.groupings:
        if len(g.attributes) != 1:
            continue
        attribute = g.attributes[0]
        labels = [" x ".join(map(str, lab)) for lab in g.labels]
        key = K.W_REFERENCE_PREFIX + attribute
        value = chosen.get(attribute)
        K.bind(key, value if value in labels else LARGEST)
        st.selectbox(f"Reference group: {attribute}", options=[LARGEST, *labels], key=key,
                     on_change=_on_reference, args=(attribute,),
                     help="Differences and ratios are taken against this group. The "
                          "intersection uses the combination of the attributes' choices.")
    min_group_size_input(K.W_MIN_GROUP)
    with st.expander("Confidence intervals"):
        K.bind(K.W_CI, settings["ci"])
        st.radio("Method", options=["bootstrap", "wilson"], key=K.W_CI, on_change=_on_ci,
                 format_func=lambda m: {"bootstrap": "Bootstrap (percentile)",
                                        "wilson": "Fast analytic (Wilson, DeLong)"}[m],
                 help="The bootstrap resamples the count tables, so its cost does not grow "
                      "with the number of rows. The analytic option gives no intervals for "
                      "disparities, ES and PSD.")
        if settings["ci"] == "bootstrap":
            K.bind(K.W_BOOTSTRAP, int(settings["bootstrap"]))
            st.number_input("Bootstrap replicates", min_value=50, max_value=10_000, step=50,
                            key=K.W_BOOTSTRAP, on_change=_on_bootstrap)
        st.caption(f"95% intervals, seed {settings['seed']}.")


CONFIRM_DELETE = "sidebar_confirm_delete"
"""Session key: the id of the workspace whose deletion waits for a confirmation."""


def _open_workspace(workspace_id: str) -> None:
    try:
        S.open_workspace(workspace_id)
    except WorkspaceError as exc:
        S.notify("error", str(exc))
    else:
        note = (" It belongs to another session: you can read it, and your first change goes "
                "to your own copy." if S.active().read_only else "")
        S.notify("success", f"Opened workspace {S.active().name!r}.{note}")


def _ask_delete(workspace_id: str) -> None:
    st.session_state[CONFIRM_DELETE] = workspace_id


def _cancel_delete() -> None:
    st.session_state.pop(CONFIRM_DELETE, None)


def _delete_workspace(workspace_id: str) -> None:
    st.session_state.pop(CONFIRM_DELETE, None)
    try:
        S.delete_workspace(workspace_id)
    except WorkspaceError as exc:
        S.notify("error", str(exc))
    else:
        S.notify("success", "Deleted the workspace. This tab keeps its data until it closes.")


def _copy_workspace() -> None:
    try:
        ws = S.copy_workspace()
    except WorkspaceError as exc:
        S.notify("error", str(exc))
    else:
        S.notify("success", f"This tab now works on your own copy, {ws.name!r}; the original "
                            "is unchanged.")


def _save_workspace() -> None:
    try:
        ws = S.save_to_list(st.session_state.get(K.W_SAVE_NAME, ""))
    except WorkspaceError as exc:
        S.notify("error", f"Could not save the workspace: {exc}")
    else:
        S.notify("success", f"Saved workspace {ws.name!r}. It is listed under Saved workspaces "
                            "and survives a server restart.")


def _confirm_delete(workspace_id: str, name: str) -> None:
    """The confirmation of a deletion, in place of the action that asked for it."""
    st.warning(f"Delete workspace **{md(name)}** for everyone who has its link? This cannot "
               "be undone.", icon=":material/delete:")
    yes, no = st.columns(2)
    yes.button("Delete", key="sidebar_delete_confirm", type="primary", on_click=_delete_workspace,
               args=(workspace_id,), use_container_width=True)
    no.button("Cancel", key="sidebar_delete_cancel", on_click=_cancel_delete,
              use_container_width=True)


def _workspace_section() -> None:
    """Save status, save by name, delete or copy, and the shared list of saved workspaces."""
    data = S.active()
    pending = st.session_state.get(CONFIRM_DELETE)
    st.markdown("**Workspace**")
    if data.workspace and data.read_only:
        st.caption(f"**{md(data.workspace_name or data.name)}** belongs to another session: "
                   "you can read it; your first change is saved to your own copy, and the "
                   "original stays as it is.")
        st.button("Make my own copy", key="sidebar_copy", on_click=_copy_workspace,
                  use_container_width=True)
    elif data.workspace_name:
        st.caption(f"Saved as **{md(data.workspace_name)}**; changes are saved automatically.")
    elif data.workspace:
        st.caption("Changes are saved automatically to a private workspace (its link is in the "
                   f"address bar; unsaved workspaces are removed after {_ttl_text()} without a "
                   "change). Save it by name to list it here.")
    else:
        st.caption("Nothing to save yet: this is the unchanged sample.")
    owner = data.workspace or data.key
    if st.session_state.get("sidebar_save_name_for") != owner:
        st.session_state["sidebar_save_name_for"] = owner
        st.session_state[K.W_SAVE_NAME] = data.workspace_name or data.name
    cols = st.columns([3, 2], vertical_alignment="bottom")
    cols[0].text_input("Workspace name", key=K.W_SAVE_NAME, label_visibility="collapsed")
    cols[1].button("Save", key="sidebar_save", on_click=_save_workspace,
                   use_container_width=True,
                   help="Save the data, the column mapping and these settings under this name.")
    if data.workspace and not data.read_only:
        if pending == data.workspace:
            _confirm_delete(data.workspace, data.workspace_name or data.name)
        else:
            st.button("Delete this workspace", key="sidebar_delete_current",
                      on_click=_ask_delete, args=(data.workspace,), use_container_width=True,
                      icon=":material/delete:",
                      help="Remove its data and settings from the server (asks first).")
    saved = S.saved_workspaces()
    with st.expander(f"Saved workspaces ({len(saved)})", expanded=pending is not None
                     and pending != data.workspace):
        if not saved:
            st.caption("None yet.")
        for ws in saved[:30]:
            row = st.columns([5, 1], vertical_alignment="center")
            current = ws.id == data.workspace
            mine = S.owns(ws)
            row[0].button(
                f"{'● ' if current else ''}{md(ws.name)}", key=f"sidebar_open_{ws.id}",
                on_click=_open_workspace, args=(ws.id,), use_container_width=True,
                disabled=current,
                help=f"{ws.n_rows:,} rows x {ws.n_columns} columns, updated {ws.updated} UTC"
                     + ("" if mine else "; another session's: opens read-only"))
            row[1].button("✕", key=f"sidebar_delete_{ws.id}", on_click=_ask_delete,
                          args=(ws.id,), disabled=not mine,
                          help=(f"Delete workspace {md(ws.name)} (asks first)" if mine else
                                "Only the session (or user) that saved it can delete it."))
            if pending == ws.id and mine and not current:
                _confirm_delete(ws.id, ws.name)


def _ttl_text() -> str:
    hours = ttl_hours()
    return f"{hours / 24:g} days" if hours >= 48 and hours % 24 == 0 else f"{hours:g} hours"


def _user_section() -> None:
    """Who is logged in, and the way out (only when the server has a login)."""
    if not S.logged_in_user():
        return
    who = st.user.get("email") or st.user.get("name") or "you"
    cols = st.columns([3, 2], vertical_alignment="center")
    cols[0].caption(f"Logged in as **{md(who)}**; your workspaces belong to this login.")
    cols[1].button("Log out", key="sidebar_logout", on_click=st.logout,
                   use_container_width=True)
    st.divider()


def render_sidebar() -> None:
    """Draw the shared sidebar (call from ``app.py`` before running the page)."""
    data = S.active()
    with st.sidebar:
        S.remember_owner()
        _user_section()
        st.markdown("**Dataset**")
        kind = "built-in sample" if data.kind == "sample" else "uploaded file"
        st.markdown(f"{md(data.name)}  \n:gray[{data.n_rows:,} rows x {data.n_columns} columns, "
                    f"{kind}]")
        st.page_link(K.PAGE_DATA, label="Change data or mapping", icon=":material/upload_file:")
        st.divider()
        _settings_section()
        st.divider()
        _workspace_section()

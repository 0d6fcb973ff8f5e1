"""The session: active dataset, applied mapping, settings, workspaces and the audit.

Pages read and change the session only through these functions; the state itself lives under
the keys of :mod:`fairlens.ui._keys`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from fairlens.auditing import Audit, AuditOptions, Statistics
from fairlens.data import AuditSpec, FairLensInputError, infer_spec, read_table
from fairlens.data import _errors as E
from fairlens.ui import _cache
from fairlens.ui import _keys as K
from fairlens.ui._workspace import Workspace, WorkspaceError, WorkspaceStore, is_workspace_id
from fairlens.wording import md

BIG_UPLOAD_ROWS = 2_000_000
"""Uploads with more rows are kept only as Parquet in their workspace: DuckDB builds the count
tables straight from the file, and the session never holds the rows (pages that need rows read
them from the file when they need them). ``FAIRLENS_BIG_UPLOAD_ROWS`` overrides it."""
BIG_UPLOAD_ROWS_ENV = "FAIRLENS_BIG_UPLOAD_ROWS"

_SPEC_FIELDS = set(AuditSpec.__dataclass_fields__)
_SETTING_FIELDS = {"reference", "min_group_size", "bootstrap", "ci", "seed", "level"}


@dataclass
class ActiveData:
    """The dataset the session works on.

    Attributes
    ----------
    key : str
        Content hash of the data (the cache key of everything computed from it).
    name : str
        Display name.
    kind : {"sample", "upload", "subset"}
        Where the data came from.
    location : str
        How to load it: ``"sample:<name>"``, ``"store:<data key>"`` or ``"memory"``.
    n_rows, n_columns : int
    columns : list of str
    sample : str or None
        Sample name for built-in samples.
    filename : str or None
        File name of an upload.
    workspace : str or None
        Id of the workspace that holds this session's state, once there is one.
    workspace_name : str or None
        Its name when it is in the shared list.
    engine : {"numpy", "duckdb"}
        What builds the count tables: ``"duckdb"`` from the Parquet file for a stored upload of
        more than :data:`BIG_UPLOAD_ROWS` rows, else ``"numpy"`` from the frame in memory.
    read_only : bool
        The workspace belongs to another session or user: this session may read and copy it;
        its first change is saved to a copy of its own (:func:`autosave`).
    """

    key: str
    name: str
    kind: str
    location: str
    n_rows: int
    n_columns: int
    columns: list[str] = field(default_factory=list)
    sample: str | None = None
    filename: str | None = None
    workspace: str | None = None
    workspace_name: str | None = None
    engine: str = "numpy"
    read_only: bool = False

    @property
    def data_key(self) -> str | None:
        """The content hash of the stored Parquet file (``None`` when not stored)."""
        kind, _, ref = self.location.partition(":")
        return ref if kind == "store" else None


# --- samples ---------------------------------------------------------------------------------


def samples() -> dict[str, Any]:
    """The built-in samples (:data:`fairlens.datasets.SAMPLES`)."""
    from fairlens.datasets import SAMPLES

    return SAMPLES


def _sample_loader(name: str) -> Callable[[], pd.DataFrame]:
    """A function loading the sample ``name``."""
    return lambda: samples()[name].loader()


def sample_defaults(name: str) -> tuple[AuditSpec, dict[str, Any]]:
    """The mapping and settings of a sample's standard audit."""
    kwargs = dict(samples()[name].audit)
    spec = AuditSpec.from_dict({k: v for k, v in kwargs.items() if k in _SPEC_FIELDS})
    settings = copy.deepcopy(K.DEFAULT_SETTINGS)
    for k in _SETTING_FIELDS & set(kwargs):
        settings[k] = kwargs[k]
    if not isinstance(settings["reference"], dict):
        settings["reference"] = {}
    return spec, settings


# --- state access ----------------------------------------------------------------------------


def store() -> WorkspaceStore:
    """The workspace store (folder from ``FAIRLENS_WORKSPACE_DIR``, read on every call)."""
    return WorkspaceStore()


_OWNER_TOKEN = "fl_owner_token"
"""Session key: the random secret that owns the workspaces this browser session creates."""


def logged_in_user() -> str | None:
    """The identity of the user logged in with Streamlit's login (``st.login``; issuer and
    subject, else e-mail), or None when the server has no login or nobody is logged in."""
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        ident = user.get("sub") or user.get("email")
        return f"{user.get('iss', '')}|{ident}" if ident else None
    except Exception:  # noqa: BLE001 - no [auth] configured, or no script context
        return None


OWNER_COOKIE = "fairlens_owner"
"""Cookie that keeps this browser's owner token across reloads (same site only)."""
_OWNER_REMEMBERED = "fl_owner_remembered"
"""Session key: True once the browser holds this session's token in its cookie."""
_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


def _browser_token() -> str | None:
    """The owner token this browser sent in its cookie, when it has the right form."""
    try:
        value = st.context.cookies.get(OWNER_COOKIE)
    except Exception:  # noqa: BLE001 - no browser (tests, bare mode)
        return None
    return value if isinstance(value, str) and _TOKEN_PATTERN.match(value) else None


def owner_secret() -> str:
    """This session's workspace owner secret: the logged-in user when the server has a login
    (their workspaces follow them to every browser), else a random token of this browser
    (``secrets.token_urlsafe``, kept in a same-site cookie so that a reload is still the
    owner; only its SHA-256 goes into a workspace)."""
    user = logged_in_user()
    if user:
        return f"user:{user}"
    token = st.session_state.get(_OWNER_TOKEN)
    if not token:
        token = _browser_token()
        st.session_state[_OWNER_REMEMBERED] = token is not None
        token = token or secrets.token_urlsafe(32)
        st.session_state[_OWNER_TOKEN] = token
    return f"session:{token}"


def remember_owner() -> None:
    """Have the browser keep this session's owner token in its cookie (once per session;
    nothing to do with a login, or when the browser sent the token)."""
    owner_secret()
    if logged_in_user() or st.session_state.get(_OWNER_REMEMBERED):
        return
    st.session_state[_OWNER_REMEMBERED] = True
    token = st.session_state[_OWNER_TOKEN]
    st.html(f"<script>document.cookie = '{OWNER_COOKIE}={token}; path=/; "
            "max-age=31536000; SameSite=Strict';</script>", unsafe_allow_javascript=True)


def owns(workspace: Workspace) -> bool:
    """True when this session (or its logged-in user) owns ``workspace``."""
    return workspace.owned_by(owner_secret())


def active() -> ActiveData:
    """The active dataset (opens the default sample when there is none yet)."""
    if K.ACTIVE not in st.session_state:
        init_session()
    return st.session_state[K.ACTIVE]


def current_spec() -> AuditSpec:
    """The applied column mapping."""
    active()
    return st.session_state[K.SPEC]


def current_settings() -> dict[str, Any]:
    """The audit settings (a copy; change them with :func:`update_settings`)."""
    active()
    return copy.deepcopy(st.session_state[K.SETTINGS])


def spec_version() -> int:
    """Counter that changes whenever the applied mapping changes."""
    return int(st.session_state.get(K.SPEC_VERSION, 0))


def notify(level: str, text: str) -> None:
    """Queue a message to show once at the top of the next page run."""
    st.session_state.setdefault(K.NOTICES, []).append((level, text))


def pop_notices() -> list[tuple[str, str]]:
    """Take the queued messages."""
    return st.session_state.pop(K.NOTICES, [])


def frame_loader() -> Callable[[], pd.DataFrame]:
    """A zero-argument function returning the active frame (cached per content hash)."""
    data = active()
    if data.location == "memory":
        frame = st.session_state[K.MEMORY_FRAME]
        return lambda: frame
    kind, _, ref = data.location.partition(":")
    if kind == "sample":
        load = _sample_loader(ref)
    elif data.engine != "numpy":
        # A big upload: read from its file on every call, never cached (one copy at most).
        return ParquetRows(store().root, ref)
    else:
        root = store().root

        def load() -> pd.DataFrame:
            return WorkspaceStore(root).load_data(ref)

    key, location = data.key, data.location
    return lambda: _cache.load_frame(key, location, load)


def active_frame() -> pd.DataFrame:
    """The full active frame (a cached copy; read from the file for a big upload)."""
    return frame_loader()()


@dataclass(frozen=True)
class ParquetRows:
    """The loader of a big upload: reads its Parquet file at each call (nothing is cached).

    Attributes
    ----------
    root : pathlib.Path
        The workspace folder.
    data_key : str
        The content hash naming the file.
    """

    root: Path
    data_key: str

    def __call__(self) -> pd.DataFrame:
        """All rows."""
        return WorkspaceStore(self.root).load_data(self.data_key)

    def head(self, n: int) -> pd.DataFrame:
        """The first ``n`` rows (only the first row group is read)."""
        return WorkspaceStore(self.root).load_head(self.data_key, n)


# --- opening data ----------------------------------------------------------------------------


def _activate(data: ActiveData, spec: AuditSpec, settings: dict[str, Any]) -> None:
    """Make ``data`` with this mapping and these settings the session's state."""
    st.session_state[K.ACTIVE] = data
    st.session_state[K.SPEC] = spec
    st.session_state[K.SETTINGS] = settings
    st.session_state[K.SPEC_VERSION] = spec_version() + 1
    st.session_state[K.SAVED_SNAPSHOT] = _snapshot() if data.workspace else None
    _sync_query()


def _sync_query() -> None:
    """Put the open workspace's id in the page address (or remove a stale one)."""
    ws = st.session_state[K.ACTIVE].workspace
    if ws:
        if st.query_params.get(K.QUERY_WORKSPACE) != ws:
            st.query_params[K.QUERY_WORKSPACE] = ws
    elif K.QUERY_WORKSPACE in st.query_params:
        del st.query_params[K.QUERY_WORKSPACE]


def sample_title(name: str | None) -> str:
    """Display name of a built-in sample (``"compas"`` -> ``"COMPAS sample"``)."""
    titles = {"compas": "COMPAS sample", "adult": "Adult sample",
              "segmentation": "Segmentation sample"}
    return titles.get(name or "", f"{name} sample")


def open_sample(name: str, *, keep: bool = True) -> None:
    """Make a built-in sample the active dataset, with its standard mapping.

    ``keep``: save it at once as a private workspace, so that its id is in the page address
    and a reload reopens this sample (the first tab's default sample is not kept until it
    changes).
    """
    sample = samples()[name]
    frame = sample.loader()
    spec, settings = sample_defaults(name)
    data = ActiveData(
        key=_cache.sample_key(name, sample.loader), name=sample_title(name), kind="sample",
        location=f"sample:{name}",
        n_rows=len(frame), n_columns=frame.shape[1], columns=[str(c) for c in frame.columns],
        sample=name)
    if keep:
        try:
            ws = store().create(name=data.name, data_key=data.key, frame=frame,
                                source={"kind": "sample", "sample": name},
                                spec=spec.to_dict(), settings=settings, secret=owner_secret())
        except (WorkspaceError, OSError) as exc:
            notify("warning", f"This sample could not be saved to the workspace folder "
                              f"({exc}); a reload returns to the first sample.")
        else:
            data.workspace = ws.id
            data.location = f"store:{data.key}"
    _activate(data, spec, settings)


def max_upload_bytes() -> int:
    """The upload limit configured in ``.streamlit/config.toml`` (``server.maxUploadSize``)."""
    return int(st.get_option("server.maxUploadSize")) * 2**20


def open_upload(filename: str, content: bytes) -> None:
    """Read an uploaded file, propose a mapping and make it the active dataset.

    The data is saved at once as a private workspace (its id goes into the page address), so
    that a refresh or a server restart loses nothing.

    Raises
    ------
    FairLensInputError
        When the file cannot be read; the active dataset is left unchanged.
    """
    frame = read_table(content, max_bytes=max_upload_bytes())
    key = hashlib.sha256(content).hexdigest()[:32]
    spec = infer_spec(frame)
    settings = copy.deepcopy(K.DEFAULT_SETTINGS)
    data = ActiveData(
        key=key, name=filename, kind="upload", location="memory", n_rows=len(frame),
        n_columns=frame.shape[1], columns=[str(c) for c in frame.columns], filename=filename)
    try:
        ws = store().create(
            name=filename, data_key=key, frame=frame, source={"kind": "upload",
                                                              "filename": filename},
            spec=spec.to_dict(), settings=settings, secret=owner_secret())
    except (WorkspaceError, OSError) as exc:
        st.session_state[K.MEMORY_FRAME] = frame
        notify("warning", f"This upload could not be saved to the workspace folder ({exc}); "
                          "it is kept only while this browser tab stays open.")
    else:
        data.location = f"store:{key}"
        data.workspace = ws.id
        data.engine = engine_for(data.n_rows)
        st.session_state.pop(K.MEMORY_FRAME, None)
        if data.engine != "numpy":
            notify("info", f"This file has {data.n_rows:,} rows, more than "
                           f"{big_upload_rows():,}: it is kept as Parquet in its workspace and "
                           "DuckDB builds the count tables straight from the file, so this tab "
                           "does not hold the rows in memory.")
    del frame  # a big upload lives on in its Parquet file only
    _activate(data, spec, settings)


def big_upload_rows() -> int:
    """:data:`BIG_UPLOAD_ROWS`, or ``$FAIRLENS_BIG_UPLOAD_ROWS`` when set (read on every call)."""
    configured = os.environ.get(BIG_UPLOAD_ROWS_ENV, "").strip()
    return int(configured) if configured.isdigit() else BIG_UPLOAD_ROWS


def engine_for(n_rows: int) -> str:
    """The engine of stored data with ``n_rows`` rows: DuckDB above :func:`big_upload_rows`."""
    return "duckdb" if n_rows > big_upload_rows() else "numpy"


def open_workspace(workspace_id: str) -> None:
    """Reopen a saved workspace: its data, mapping and settings.

    Raises
    ------
    WorkspaceError
        When the workspace or its data cannot be read.
    """
    s = store()
    ws = s.get(workspace_id)
    if not s.has_data(ws.data_key):
        raise WorkspaceError(f"The data of workspace {ws.name!r} is missing from {s.root}.")
    spec = AuditSpec.from_dict(ws.spec)
    settings = copy.deepcopy(K.DEFAULT_SETTINGS)
    settings.update({k: v for k, v in ws.settings.items() if k in _SETTING_FIELDS})
    kind = ws.source.get("kind", "upload")
    data = ActiveData(
        key=ws.data_key, name=ws.name, kind=kind, location=f"store:{ws.data_key}",
        n_rows=ws.n_rows, n_columns=ws.n_columns, sample=ws.source.get("sample"),
        filename=ws.source.get("filename"), workspace=ws.id,
        workspace_name=ws.name if ws.listed else None, read_only=not owns(ws))
    if ws.columns:
        data.columns = list(ws.columns)
    else:
        frame = s.load_data(ws.data_key)
        data.columns = [str(c) for c in frame.columns]
        data.n_rows, data.n_columns = frame.shape
    data.engine = engine_for(data.n_rows)
    _activate(data, spec, settings)


_SUBSET_PARENT = "fl_subset_parent"
"""The dataset a subset was taken from: (ActiveData, memory frame or None)."""


def open_subset(frame: pd.DataFrame, name: str) -> None:
    """Make some rows of the active data (e.g. one time window) the active dataset, kept in
    this browser tab, with the applied mapping and settings: every page then audits them
    (:func:`close_subset` goes back to all rows)."""
    spec, settings = current_spec(), current_settings()
    if active().kind != "subset":
        st.session_state[_SUBSET_PARENT] = (active(), st.session_state.get(K.MEMORY_FRAME))
    data = ActiveData(
        key=_cache.frame_hash(frame), name=name, kind="subset", location="memory",
        n_rows=len(frame), n_columns=frame.shape[1], columns=[str(c) for c in frame.columns])
    st.session_state[K.MEMORY_FRAME] = frame
    _activate(data, spec, settings)


def close_subset() -> bool:
    """Back from a subset to the data it was taken from, with the current mapping and
    settings (False when the active data is no subset)."""
    parent = st.session_state.pop(_SUBSET_PARENT, None)
    if active().kind != "subset" or parent is None:
        return False
    data, memory = parent
    if memory is None:
        st.session_state.pop(K.MEMORY_FRAME, None)
    else:
        st.session_state[K.MEMORY_FRAME] = memory
    _activate(data, current_spec(), current_settings())
    return True


def login_configured() -> bool:
    """True when the server has Streamlit's login configured (``[auth]`` in
    ``.streamlit/secrets.toml``): then every page asks for a login first."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file
        return False


def require_login() -> None:
    """With a login configured, stop the run of a visitor who is not logged in, showing only
    the login button (nothing of any workspace is read before)."""
    if not login_configured() or logged_in_user():
        return
    st.title("FairLens")
    st.markdown("This FairLens server asks you to log in. Your workspaces then belong to you.")
    providers = [k for k, v in dict(st.secrets["auth"]).items() if isinstance(v, dict)]
    if providers:
        for name in providers:
            st.button(f"Log in with {md(name)}", key=f"login_{name}", on_click=st.login,
                      args=(name,), type="primary")
    else:
        st.button("Log in", key="login", on_click=st.login, type="primary")
    st.stop()


def init_session() -> None:
    """First run of a browser tab: reopen the workspace named in the address, else the sample
    (after the login, when the server has one)."""
    require_login()
    if K.ACTIVE in st.session_state:
        _sync_query()
        return
    wanted = st.query_params.get(K.QUERY_WORKSPACE)
    if wanted:
        if is_workspace_id(wanted):
            try:
                open_workspace(wanted)
                return
            except WorkspaceError as exc:
                notify("error", f"Could not reopen the workspace in the address: {exc} "
                                "Showing the COMPAS sample instead.")
        else:
            notify("error", f"{wanted!r} in the address is not a workspace id. Showing the "
                            "COMPAS sample instead.")
    names = list(samples())
    open_sample(K.DEFAULT_SAMPLE if K.DEFAULT_SAMPLE in names else names[0], keep=False)


# --- changing the mapping and the settings ---------------------------------------------------


def set_spec(spec: AuditSpec) -> None:
    """Apply a new mapping (threshold included) and save it to the workspace."""
    st.session_state[K.SPEC] = spec
    st.session_state[K.SPEC_VERSION] = spec_version() + 1
    autosave()


def set_threshold(threshold: float) -> None:
    """Move the decision threshold (no new pass over the rows)."""
    spec = current_spec()
    if float(spec.threshold) != float(threshold):
        st.session_state[K.SPEC] = replace(spec, threshold=float(threshold))
        st.session_state[K.SPEC_VERSION] = spec_version() + 1
        autosave()


def update_settings(**changes: Any) -> None:
    """Change audit settings (``reference``, ``min_group_size``, ``ci``, ``bootstrap`` ...)."""
    settings = current_settings()
    settings.update(changes)
    st.session_state[K.SETTINGS] = settings
    autosave()


def _snapshot() -> str:
    """JSON of the mapping and settings, to tell whether they changed since the last save."""
    return json.dumps({"spec": current_spec().to_dict(), "settings": current_settings()},
                      sort_keys=True, default=str)


def autosave() -> None:
    """Write the mapping and settings to the active workspace when they changed.

    A sample gets a private workspace the first time its mapping or settings change; until
    then there is nothing to lose. A workspace of another session or user is never changed:
    the first change goes to a copy owned by this session (its id replaces the other in the
    address), and the session says so.
    """
    data = active()
    snap = _snapshot()
    if snap == st.session_state.get(K.SAVED_SNAPSHOT):
        return
    s = store()
    secret = owner_secret()
    try:
        if data.workspace and data.read_only:
            original = data.workspace_name or data.name
            ws = s.copy(data.workspace, secret=secret)
            ws.spec, ws.settings = current_spec().to_dict(), current_settings()
            s.save(ws, secret=secret)
            data.workspace, data.workspace_name, data.read_only = ws.id, None, False
            _sync_query()
            notify("info", f"Workspace {original!r} belongs to another session, so it was not "
                           "changed: your change went to your own copy (its link is now in the "
                           "address bar).")
        elif data.workspace:
            ws = s.get(data.workspace)
            ws.spec, ws.settings = current_spec().to_dict(), current_settings()
            s.save(ws, secret=secret)
        elif data.location != "memory":
            frame = active_frame()
            source = ({"kind": "sample", "sample": data.sample} if data.kind == "sample"
                      else {"kind": "upload", "filename": data.filename})
            ws = s.create(name=data.name, data_key=data.key, frame=frame, source=source,
                          spec=current_spec().to_dict(), settings=current_settings(),
                          secret=secret)
            data.workspace = ws.id
            data.location = f"store:{data.key}"
            _sync_query()
        else:
            return
    except (WorkspaceError, OSError) as exc:
        notify("warning", f"Could not save your changes to the workspace folder: {exc}")
        return
    st.session_state[K.SAVED_SNAPSHOT] = snap


def copy_workspace() -> Workspace:
    """Make the open workspace this session's own: a copy with the same data, mapping and
    settings (the original is not changed).

    Raises
    ------
    WorkspaceError
        When no workspace is open or it cannot be read.
    """
    data = active()
    if not data.workspace:
        raise WorkspaceError("There is no saved workspace to copy.")
    original = data.workspace_name or data.name
    ws = store().copy(data.workspace, secret=owner_secret(), name=f"{original} (copy)")
    data.workspace, data.workspace_name, data.read_only = ws.id, None, False
    data.name = ws.name
    st.session_state[K.SAVED_SNAPSHOT] = _snapshot()
    _sync_query()
    return ws


def save_to_list(name: str) -> Workspace:
    """Save the session as a named workspace in the shared list (a workspace of another
    session is first copied: the list then holds this session's own copy).

    Raises
    ------
    WorkspaceError
        When the name is empty or the workspace cannot be written.
    """
    name = name.strip()
    if not name:
        raise WorkspaceError("Give the workspace a name.")
    data = active()
    if data.workspace and data.read_only:
        copy_workspace()
    st.session_state[K.SAVED_SNAPSHOT] = None
    autosave()
    if not data.workspace:
        raise WorkspaceError("This dataset lives only in this browser tab and cannot be saved.")
    s = store()
    ws = s.get(data.workspace)
    ws.name, ws.listed = name, True
    s.save(ws, secret=owner_secret())
    data.workspace_name = name
    data.name = name
    return ws


def saved_workspaces() -> list[Workspace]:
    """The shared list of saved workspaces."""
    return store().list(listed_only=True)


def delete_workspace(workspace_id: str) -> None:
    """Delete a workspace this session owns; the session keeps its data in memory if it was
    the open one.

    Raises
    ------
    WorkspaceError
        When it belongs to another session or user (nothing is changed then).
    """
    s = store()
    s.check_owner(workspace_id, owner_secret())
    data = active()
    if data.workspace == workspace_id:
        st.session_state[K.MEMORY_FRAME] = active_frame()
        data.location, data.workspace, data.workspace_name = "memory", None, None
        data.engine, data.read_only = "numpy", False
        _sync_query()
    s.delete(workspace_id, secret=owner_secret())


# --- the audit -------------------------------------------------------------------------------


def get_statistics() -> Statistics:
    """Count tables of the active data under the applied mapping.

    Raises
    ------
    FairLensInputError
        When the mapping is incomplete or the data does not fit it.
    """
    spec = current_spec()
    problem = mapping_problem(spec)
    if problem:
        raise FairLensInputError(problem)
    data = active()
    if data.engine != "numpy" and data.data_key:
        return _cache.file_statistics(data.key, _cache.spec_key(spec),
                                      str(store().data_path(data.data_key)),
                                      float(spec.threshold), data.engine)
    return _cache.statistics(data.key, _cache.spec_key(spec), frame_loader(),
                             float(spec.threshold))


def reference_choice(stats: Statistics, settings: dict[str, Any]) -> dict[str, str] | None:
    """The reference group of each grouping chosen in the settings, where it exists.

    The intersection's reference is the combination of the attributes' references.
    """
    chosen = settings.get("reference") or {}
    out: dict[str, str] = {}
    for g in stats.groupings:
        labels = {" x ".join(map(str, lab)) for lab in g.labels}
        parts = [chosen.get(a) for a in g.attributes]
        if all(p is not None for p in parts):
            value = " x ".join(str(p) for p in parts)
            if value in labels:
                out[g.name] = value
    return out or None


def get_audit() -> Audit:
    """The audit of the active data with the applied mapping, threshold and settings.

    Raises :class:`FairLensInputError` as :func:`get_statistics` does.
    """
    stats = get_statistics()
    spec, settings = current_spec(), current_settings()
    options = _cache.options_from_settings(settings, reference_choice(stats, settings))
    return _cache.audit(active().key, _cache.spec_key(spec), float(spec.threshold),
                        _cache.options_key(options), stats)


def audit_options(spec: AuditSpec | None = None) -> AuditOptions:
    """The audit's options from the sidebar, as the Fairness page audits with them.

    Every page passes these to its analysis, so a remedy, a label-aware audit or a slice
    search sees exactly the audit's minimum group size, reference groups, intervals and
    seed. When the mapping cannot be audited yet, the chosen reference groups of the
    mapped attributes are kept as they are.
    """
    settings = current_settings()
    try:
        reference = reference_choice(get_statistics(), settings)
    except FairLensInputError:
        spec = spec or current_spec()
        chosen = settings.get("reference") or {}
        reference = {a: v for a, v in chosen.items() if a in spec.sensitive} or None
    return _cache.options_from_settings(settings, reference)


_IN_THE_APP = {
    E.NO_PREDICTION: "No prediction columns are mapped. On the Data page, choose the column(s) "
                     "holding the model's scores or predicted labels.",
    E.NO_LABEL: "No label column is mapped. On the Data page, choose the column with the true "
                "label.",
    E.NO_SENSITIVE: "No sensitive attribute is mapped. Choose at least one (e.g. race or sex) in "
                    "the sidebar or on the Data page.",
}
"""The app's words for the mapping problems whose library message names CLI flags."""


def mapping_problem(spec: AuditSpec) -> str | None:
    """The first of :meth:`AuditSpec.problems` on the active data, in the app's words."""
    problems = spec.problems(pd.DataFrame(columns=active().columns))
    if not problems:
        return None
    first = problems[0]
    return _IN_THE_APP.get(first, f"{first} Fix the mapping on the Data page.")

"""Cached wrappers around the library, keyed by the content hash of the user's own data.

* Frames, previews and column summaries are plain data: ``st.cache_data``.
* :class:`fairlens.auditing.Statistics` and :class:`fairlens.Audit` hold the count tables and
  are shared read-only between reruns: ``st.cache_resource`` (they are never mutated). Their
  keys start with the data's content hash, so a session only ever gets results for data it
  holds itself.

The statistics (the only pass over the rows) are keyed by the mapping *without* the threshold;
a reference group or minimum group size is answered from the tables alone
(:meth:`Audit.from_statistics`), and every threshold by :meth:`Audit.at_threshold` of that
audit.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fairlens import plots
from fairlens.auditing import Audit, AuditOptions, Statistics, build_statistics
from fairlens.data import AuditSpec, Screening, prepare

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from fairlens.labels import LabelFairness, LabelIssues

PREVIEW_ROWS = 100


def spec_key(spec: AuditSpec) -> str:
    """Canonical JSON of a mapping without its threshold (the statistics' cache key)."""
    data = spec.to_dict()
    data.pop("threshold", None)
    return json.dumps(data, sort_keys=True, default=str)


def options_from_settings(settings: dict[str, Any],
                          reference: dict[str, str] | None) -> AuditOptions:
    """The sidebar's settings as the one :class:`~fairlens.AuditOptions` of every page
    (no bootstrap replicates with analytic intervals)."""
    return AuditOptions(
        reference=reference or None, min_group_size=int(settings["min_group_size"]),
        bootstrap=int(settings["bootstrap"]) if settings["ci"] == "bootstrap" else 0,
        ci=settings["ci"], seed=int(settings["seed"]), level=float(settings["level"]))


def options_key(options: AuditOptions) -> str:
    """Canonical JSON of an options object (a cache key; :class:`AuditOptions` reads it back)."""
    return json.dumps(options.to_dict(), sort_keys=True, default=str)


def frame_hash(frame: pd.DataFrame) -> str:
    """Content hash of a frame (values, index and column names)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:32]


@st.cache_data(show_spinner=False)
def sample_key(name: str, _load: Callable[[], pd.DataFrame]) -> str:
    """Content hash of the built-in sample ``name`` (computed once per process)."""
    return frame_hash(_load())


FRAME_CACHE_MB = 1024
"""Memory the server keeps for loaded frames, all sessions together, in MiB
(``$FAIRLENS_FRAME_CACHE_MB`` overrides it)."""
SESSION_FRAME_CACHE_MB = 512
"""Memory one browser session's frames may take in that cache, in MiB
(``$FAIRLENS_SESSION_FRAME_CACHE_MB``); a frame larger than this is read again when needed
and never kept."""
FRAME_CACHE_ENV = "FAIRLENS_FRAME_CACHE_MB"
SESSION_FRAME_CACHE_ENV = "FAIRLENS_SESSION_FRAME_CACHE_MB"
SHARED_OWNER = "(built-in sample)"
"""The owner of a built-in sample's frame: shared by every session, never the user's data."""


def _budget_bytes(env: str, default_mb: int) -> int:
    """``$env`` in MiB (a non-negative number), else ``default_mb``; in bytes."""
    text = os.environ.get(env, "").strip()
    try:
        mb = float(text) if text else float(default_mb)
    except ValueError:
        mb = float(default_mb)
    return int(max(mb, 0.0) * 2**20)


def frame_bytes(frame: pd.DataFrame) -> int:
    """Memory a frame holds, text included (``memory_usage(deep=True)``)."""
    return int(frame.memory_usage(index=True, deep=True).sum())


def current_owner() -> str:
    """The browser session this run serves ("" outside a Streamlit run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else ""


def _alive(owner: str) -> bool:
    """False for a session the server no longer has (closed tab, expired reconnect)."""
    from streamlit import runtime

    if owner in (SHARED_OWNER, "") or not runtime.exists():
        return True
    rt = runtime.get_instance()
    if rt.is_active_session(owner):
        return True
    manager = getattr(rt, "_session_mgr", None)
    storage = getattr(manager, "_session_storage", None)
    try:  # a disconnected session kept for reconnection (within server.disconnectedSessionTTL)
        return storage is not None and storage.get(owner) is not None
    except Exception:  # noqa: BLE001 - an unknown storage: treat it as gone
        return False


@dataclass
class _Entry:
    frame: pd.DataFrame
    nbytes: int
    owners: set[str] = field(default_factory=set)


class FrameCache:
    """Loaded frames bounded in bytes, in total and per browser session.

    One copy per content hash (``data_key``); each entry lists the sessions that use it. A
    session's frames count against its own budget (:data:`SESSION_FRAME_CACHE_MB`), the copies
    together against :data:`FRAME_CACHE_MB`; the least recently used go first, and a frame is
    dropped as soon as no live session uses it (its sessions' tabs are closed). A frame larger
    than a session's budget is never kept. Thread-safe (sessions run in their own threads).

    Parameters
    ----------
    total_bytes, session_bytes : int
        The two budgets in bytes.
    alive : callable, optional
        Whether a session still exists (defaults to asking the Streamlit runtime).
    """

    def __init__(self, total_bytes: int, session_bytes: int,
                 alive: Callable[[str], bool] = _alive) -> None:
        self.total_bytes = int(total_bytes)
        self.session_bytes = int(session_bytes)
        self._alive = alive
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, data_key: str, owner: str,
            load: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """The frame of ``data_key`` for ``owner``, from the cache or ``load()``."""
        with self._lock:
            entry = self._entries.get(data_key)
            if entry is not None:
                self._entries.move_to_end(data_key)
                entry.owners.add(owner)
                self._fit(owner)
                return entry.frame
        frame = load()  # outside the lock: other sessions go on while this one reads its file
        size = frame_bytes(frame)
        with self._lock:
            if size > min(self.session_bytes, self.total_bytes):
                return frame
            entry = self._entries.get(data_key)
            if entry is None:
                entry = self._entries[data_key] = _Entry(frame, size)
            self._entries.move_to_end(data_key)
            entry.owners.add(owner)
            self._fit(owner)
            return entry.frame

    def _fit(self, owner: str) -> None:
        """Drop dead sessions, then the owner's and everyone's least recently used frames
        until both budgets hold."""
        for key in list(self._entries):
            entry = self._entries[key]
            entry.owners = {o for o in entry.owners if self._alive(o)}
            if not entry.owners:
                del self._entries[key]
        mine = [k for k, e in self._entries.items() if owner in e.owners]
        while mine and self.owner_bytes(owner) > self.session_bytes:
            key = mine.pop(0)
            self._entries[key].owners.discard(owner)
            if not self._entries[key].owners:
                del self._entries[key]
        while self._entries and self.used_bytes() > self.total_bytes:
            self._entries.popitem(last=False)

    def used_bytes(self) -> int:
        """Bytes held, all sessions together (each frame once)."""
        with self._lock:
            return sum(e.nbytes for e in self._entries.values())

    def owner_bytes(self, owner: str) -> int:
        """Bytes of the frames ``owner`` uses."""
        with self._lock:
            return sum(e.nbytes for e in self._entries.values() if owner in e.owners)

    def keys(self) -> list[str]:
        """The data keys held, least recently used first."""
        with self._lock:
            return list(self._entries)

    def drop_owner(self, owner: str) -> None:
        """Forget ``owner`` (its frames go when nobody else uses them)."""
        with self._lock:
            for key in list(self._entries):
                self._entries[key].owners.discard(owner)
                if not self._entries[key].owners:
                    del self._entries[key]


@st.cache_resource(show_spinner=False)
def frame_cache() -> FrameCache:
    """The server's :class:`FrameCache` (budgets read from the environment at start;
    ``st.cache_resource.clear()`` empties it, as a server restart does)."""
    return FrameCache(_budget_bytes(FRAME_CACHE_ENV, FRAME_CACHE_MB),
                      _budget_bytes(SESSION_FRAME_CACHE_ENV, SESSION_FRAME_CACHE_MB))


def load_frame(data_key: str, location: str, _load: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The full frame of a dataset (``_load`` runs only on a cache miss), kept in the
    server's :func:`frame_cache` for this session (a built-in sample: for every session)."""
    owner = SHARED_OWNER if location.startswith("sample:") else current_owner()
    cache = frame_cache()
    if data_key not in cache.keys():
        with st.spinner("Loading the data..."):
            return cache.get(data_key, owner, _load)
    return cache.get(data_key, owner, _load)


@st.cache_data(max_entries=16, show_spinner=False)
def preview(data_key: str, _frame: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The first :data:`PREVIEW_ROWS` rows (what the Data page sends to the browser).

    A loader with a ``head`` method (a big upload's file) reads only those rows.
    """
    head = getattr(_frame, "head", None)
    return head(PREVIEW_ROWS) if callable(head) else _frame().head(PREVIEW_ROWS)


@st.cache_data(max_entries=16, show_spinner="Summarising the columns...")
def column_summary(data_key: str, _frame: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Type, distinct values, missing share and example values of every column."""
    frame = _frame()
    rows = []
    for col in frame.columns:
        s = frame[col]
        distinct = s.dropna().unique()
        examples = ", ".join(str(v) for v in distinct[:4])
        rows.append({
            "column": str(col),
            "type": str(s.dtype),
            "distinct": int(s.nunique(dropna=True)),
            "missing": float(s.isna().mean()),
            "examples": examples[:80],
        })
    return pd.DataFrame(rows)


@st.cache_data(max_entries=64, show_spinner=False)
def column_values(data_key: str, column: str, _frame: Callable[[], pd.DataFrame],
                  limit: int = 50) -> list[Any]:
    """Up to ``limit`` distinct values of one column, sorted (for the positive-label choice)."""
    values = pd.unique(_frame()[column].dropna())[: limit + 1]
    out = [v.item() if hasattr(v, "item") else v for v in values]
    try:
        return sorted(out)[:limit]
    except TypeError:
        return sorted(out, key=str)[:limit]


@st.cache_resource(max_entries=16, show_spinner="Screening the columns...")
def screening(data_key: str, spec_json: str, _frame: Callable[[], pd.DataFrame]
              ) -> Screening:
    """The column screening (:func:`fairlens.data.screen_columns`) under a mapping's roles."""
    from fairlens.data import screen_columns

    return screen_columns(_frame(), AuditSpec.from_dict(json.loads(spec_json)))


@st.cache_data(max_entries=32, show_spinner=False)
def feature_warnings(data_key: str, spec_json: str, _frame: Callable[[], pd.DataFrame]
                     ) -> list[str]:
    """The warnings about a mapping's features (:func:`fairlens.data.feature_warnings`)."""
    from fairlens.data import feature_warnings as warnings_of

    return list(warnings_of(_frame(), AuditSpec.from_dict(json.loads(spec_json))))


@st.cache_resource(max_entries=4, show_spinner="Building the count tables (one pass over the "
                   "rows)...")
def statistics(data_key: str, spec_json: str, _frame: Callable[[], pd.DataFrame],
               _threshold: float) -> Statistics:
    """Validate the data against the mapping and build the count tables.

    Raises
    ------
    FairLensInputError
        With the library's message when the data does not fit the mapping.
    """
    spec = AuditSpec.from_dict({**json.loads(spec_json), "threshold": _threshold})
    prepared = prepare(_frame(), spec)
    return build_statistics(prepared, threshold=spec.threshold, score_kind=spec.score_kind)


@st.cache_resource(max_entries=4, show_spinner="Building the count tables from the file with "
                   "DuckDB (one pass over the rows)...")
def file_statistics(data_key: str, spec_json: str, path: str, _threshold: float,
                    engine: str = "duckdb") -> Statistics:
    """:func:`statistics` of a big upload, built by ``engine`` straight from its Parquet file
    (no frame in memory); equal to the in-memory tables.

    Raises
    ------
    FairLensInputError
        With the library's message when the data does not fit the mapping.
    """
    from fairlens.auditing._api import source_statistics

    spec = AuditSpec.from_dict({**json.loads(spec_json), "threshold": _threshold})
    return source_statistics(path, spec, engine)


@st.cache_resource(max_entries=8, show_spinner="Computing metrics and confidence intervals...")
def base_audit(data_key: str, spec_json: str, options_json: str, _stats: Statistics) -> Audit:
    """The audit at the threshold the tables were built at (bootstrap replicates included)."""
    spec = AuditSpec.from_dict({**json.loads(spec_json), "threshold": float(_stats.threshold)})
    return Audit.from_statistics(spec, _stats, AuditOptions(**json.loads(options_json)))


@st.cache_resource(max_entries=64, show_spinner=False)
def audit(data_key: str, spec_json: str, threshold: float, options_json: str,
          _stats: Statistics) -> Audit:
    """The audit at ``threshold``: :meth:`Audit.at_threshold` of the base audit.

    Moving the threshold reads the count tables and reuses the base audit's bootstrap
    replicates of the threshold-free metrics (AUC, calibration), so it never touches a row.
    """
    base = base_audit(data_key, spec_json, options_json, _stats)
    if float(threshold) == float(base.threshold):
        return base
    return base.at_threshold(float(threshold))


@st.cache_resource(max_entries=64, show_spinner=False)
def roc_figure(data_key: str, spec_json: str, grouping: str, model: str,
               small: tuple[str, ...], _audit: Audit) -> go.Figure:
    """ROC curves per group (threshold-free, so built once per grouping and model)."""
    rows = _audit.by_group_frame(model)
    rows = rows[rows["grouping"] == grouping]
    auc = dict(zip(rows["group"].astype(str), rows["auc"], strict=True)) if "auc" in rows \
        else None
    return plots.roc_curves(_audit.roc(grouping, model=model), small=set(small), auc=auc)


@st.cache_resource(max_entries=64, show_spinner=False)
def calibration_figure(data_key: str, spec_json: str, grouping: str, model: str,
                       small: tuple[str, ...], _audit: Audit) -> go.Figure | None:
    """Calibration curves per group, or None when the scores cannot be calibrated."""
    frame = plots.calibration_frame(_audit, grouping, model)
    if frame is None:
        return None
    probability = _audit.spec.score_kind == "probability"
    return plots.calibration_curves(frame, probability=probability, small=set(small),
                                    score_label="Mean score in bin" if probability else "Score")


@st.cache_resource(show_spinner=False)
def warm_compiled_kernels() -> threading.Thread:
    """Load (or, on a new machine, compile) the slice search's kernels in the background.

    Once per server process, so that the first visit to the Slices page does not wait for it.
    """
    from fairlens.slices import warm_up_kernels

    thread = threading.Thread(target=warm_up_kernels, name="fairlens-warm-up", daemon=True)
    thread.start()
    return thread


# --- label errors (fairlens.ui.labels_page) ---


@st.cache_resource(max_entries=8, show_spinner="Looking for label errors (confident learning)...")
def label_issues(data_key: str, spec_json: str, request_json: str, options_json: str,
                 _frame: Callable[[], pd.DataFrame], _proba: np.ndarray | None) -> LabelIssues:
    """Label issues of the active data (cached per content, mapping, request and options)."""
    from fairlens.labels import label_issues_spec

    spec = AuditSpec.from_dict(json.loads(spec_json))
    return label_issues_spec(_frame(), spec, options=AuditOptions(**json.loads(options_json)),
                             pred_probs=_proba, **json.loads(request_json))


@st.cache_resource(max_entries=8, show_spinner="Re-auditing with the suspected errors excluded "
                   "and relabelled...")
def label_fairness(data_key: str, spec_json: str, request_json: str, options_json: str,
                   threshold: float, _frame: Callable[[], pd.DataFrame],
                   _found: LabelIssues) -> LabelFairness:
    """The audit before and after excluding/relabelling the suspected errors."""
    from fairlens.labels import label_aware_fairness

    spec = AuditSpec.from_dict({**json.loads(spec_json), "threshold": threshold})
    return label_aware_fairness(_frame(), _found, spec=spec,
                                options=AuditOptions(**json.loads(options_json)))


@st.cache_resource(max_entries=16, show_spinner="Re-auditing with your reviewed corrections...")
def reviewed_audit(data_key: str, spec_json: str, request_json: str, options_json: str,
                   threshold: float, corrections_json: str,
                   _frame: Callable[[], pd.DataFrame], _found: LabelIssues
                   ) -> tuple[Audit, int, list[str]]:
    """The audit with the reviewer's corrections applied."""
    from fairlens.labels import corrected_audit

    spec = AuditSpec.from_dict({**json.loads(spec_json), "threshold": threshold})
    corrections = {int(k): v for k, v in json.loads(corrections_json).items()}
    return corrected_audit(_frame(), _found, corrections, spec=spec,
                           options=AuditOptions(**json.loads(options_json)))


# --- report (fairlens.ui.report_page) ---


@st.cache_data(max_entries=8, show_spinner="Fingerprinting the data...")
def report_fingerprint(data_key: str, name: str, source: str, prefix: str | None,
                 sample: str | None, _frame: Any) -> dict[str, Any]:
    """The report's data fingerprint (cached per content)."""
    from fairlens.report import fingerprint
    from fairlens.report._config import sample_file_sha256

    return fingerprint(_frame(), name=name, source=source, sha256_prefix=prefix,
                       sha256=sample_file_sha256(sample) if sample else None)


# --- explanations (fairlens.ui.explain_page) ---


@st.cache_resource(show_spinner="Training the sample's model (first use only)...")
def sample_estimator(name: str) -> Any:
    """The built-in sample's model: shared by every session, never mutated."""
    from fairlens.datasets import SAMPLE_MODELS

    return SAMPLE_MODELS[name]()


# --- over time (fairlens.ui.over_time_page) ---


@st.cache_resource(max_entries=8, show_spinner="Auditing every window (one pass over the rows)...")
def drift(data_key: str, spec_json: str, window: str, baseline: int, options_json: str,
          _frame: Callable[[], pd.DataFrame]) -> Any:
    """The drift analysis (:func:`fairlens.drift.drift_spec`) of the active data, cached per
    content, mapping (threshold included), window, baseline and options; moving a slider over
    its windows reads this result and never touches a row."""
    from fairlens.drift import drift_spec

    return drift_spec(_frame(), AuditSpec.from_dict(json.loads(spec_json)),
                      options=AuditOptions(**json.loads(options_json)), window=window,
                      baseline=baseline)

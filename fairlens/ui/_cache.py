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
import threading
from collections.abc import Callable
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


@st.cache_data(max_entries=6, show_spinner="Loading the data...")
def load_frame(data_key: str, location: str, _load: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The full frame of a dataset (``_load`` runs only on a cache miss)."""
    return _load()


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

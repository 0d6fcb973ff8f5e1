"""Streamlit glue of the Label errors page: widget keys, review persistence, display tables.

Every cached result is keyed by the content hash of the session's own data (``active().key``),
so a session only gets results for data it holds. Review decisions are saved by
:class:`fairlens.labels.ReviewStore` in the workspace folder (``FAIRLENS_WORKSPACE_DIR``), one
JSON file per (data, label column), so they survive a refresh and a server restart. Numbers
and sentences come from :mod:`fairlens.labels` and :mod:`fairlens.wording.labels`; the cached
wrappers are together at the end of this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fairlens.auditing import Audit, AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.labels import (
    VARIANTS,
    LabelFairness,
    LabelIssues,
    ReviewLog,
    ReviewStore,
    cross_val_proba_spec,
)
from fairlens.ui import _cache as C
from fairlens.ui import _session as S
from fairlens.ui._cache import spec_key
from fairlens.ui._workspace import workspace_root
from fairlens.wording import fmt_ci as num_ci
from fairlens.wording import labels as W
from fairlens.wording import md
from fairlens.wording.labels import DASH, pct, pct_ci, q_text, rate_sentences, source_short

PAGE = "pages/label_errors.py"

# --- widget and session keys (prefixed by the page) ---------------------------------------------
W_SOURCE = "labels_source"
W_SCORE = "labels_score_column"
W_FILTER = "labels_filter_by"
W_RANK = "labels_rank_by"
W_FEATURES = "labels_features"
W_MODEL = "labels_model"
W_FOLDS = "labels_folds"
W_RUN_CV = "labels_run_cv"
W_GROUPING = "labels_grouping"
W_FAIR_GROUPING = "labels_fairness_grouping"
W_QUEUE_FILTER = "labels_queue_filter"
W_QUEUE_PAGE = "labels_queue_page"
W_ROW = "labels_review_row"
W_DECISION = "labels_decision"
W_CORRECTED = "labels_corrected_label"
W_NOTE = "labels_note"
W_SAVE = "labels_save"
W_CLEAR = "labels_clear"
CV_READY = "labels_cv_ready"
"""Session key: cross-validated probabilities computed in this session, by run settings."""
CV_REQUEST = "labels_cv_request"
"""Session key: set by the "Train the folds" button's callback until the page trains them."""
REVIEW_NOTICE = "labels_review_notice"
"""Session key: a one-shot message from the last review action."""
LABEL_FLAGS = "labels_flags"
"""The last label-issue flags of the active data: ``{"key", "mask", "about"}`` (for Slices)."""
QUEUE_PAGE_SIZE = 25
MAX_DEFAULT_FEATURES = 30
"""At most this many candidate columns are preselected as features."""

__all__ = ["DASH", "num_ci", "pct", "pct_ci", "q_text", "rate_sentences"]


# --- review decisions ----------------------------------------------------------------------------


def review_store() -> ReviewStore:
    """Review decisions live next to the workspaces (read on every call, as the app does)."""
    return ReviewStore(workspace_root())


def load_review(data_key: str, label: str) -> ReviewLog:
    """The saved decisions for this data and label column (empty when there are none)."""
    return review_store().load(data_key, label)


def save_review(log: ReviewLog) -> None:
    """Write the decisions to the workspace folder."""
    review_store().save(log)


# --- the audit's options -----------------------------------------------------------------------


def audit_options(spec: AuditSpec, settings: dict[str, Any] | None = None) -> AuditOptions:
    """The sidebar's settings as the :class:`~fairlens.AuditOptions` of every analysis here
    (``settings`` is accepted for the page's call shape; the session's settings are used)."""
    return S.audit_options(spec)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# --- cross-validated probabilities (per session) -----------------------------------------------


def cv_key(spec: AuditSpec, features: list[str], model: str, n_splits: int, seed: int) -> str:
    """Identifies one cross-validation run: the data, the label and the settings."""
    return _json({"data": S.active().key, "label": spec.label, "positive": spec.positive_label,
                  "features": list(features), "model": model, "n_splits": int(n_splits),
                  "seed": int(seed)})


def cv_result(key: str) -> np.ndarray | None:
    """Cross-validated probabilities computed earlier in this session, if any."""
    return st.session_state.get(CV_READY, {}).get(key)


def run_cross_validation(spec: AuditSpec, features: list[str], model: str, n_splits: int,
                         seed: int, progress: Callable[[int, int, str], None] | None = None
                         ) -> np.ndarray:
    # On data above fairlens.labels.MAX_ROWS rows the folds train on the seeded sample that
    # find_issues analyses (same seed, same default row limit).
    """Train the folds and keep the out-of-fold probabilities in the session.

    Kept per session (the two latest runs), not in a shared cache: they are the user's own
    data, and the progress callback draws on this page.
    """
    result = cross_val_proba_spec(S.active_frame(), spec, list(features), model=model,
                                  n_splits=int(n_splits), seed=int(seed), progress=progress)
    key = cv_key(spec, features, model, n_splits, seed)
    runs = dict(st.session_state.get(CV_READY, {}))
    runs[key] = result.proba
    st.session_state[CV_READY] = dict(list(runs.items())[-2:])
    return result.proba


# --- the analyses of the active data ----------------------------------------------------------


def find_issues(spec: AuditSpec, request: dict[str, Any], options: AuditOptions,
                proba: np.ndarray | None = None) -> LabelIssues:
    """Label issues of the active data (cached; never mutated).

    ``request`` holds the keywords of :func:`fairlens.labels.label_issues_spec` chosen on the
    page (source, score column, features, detector options). When the sidebar's reference
    group cannot be used for the rate table, the largest group is the reference (retried once;
    the first error is raised when that fails too).
    """
    data = S.active()
    try:
        return C.label_issues(data.key, spec_key(spec), _json(request),
                              _json(options.to_dict()), S.frame_loader(), proba)
    except FairLensInputError as exc:
        if options.reference is None:
            raise
        plain = replace(options, reference=None)
        try:
            return C.label_issues(data.key, spec_key(spec), _json(request),
                                  _json(plain.to_dict()), S.frame_loader(), proba)
        except FairLensInputError:
            raise exc from None


def fairness(spec: AuditSpec, request: dict[str, Any], options: AuditOptions,
             issues: LabelIssues) -> LabelFairness:
    """The audit before and after excluding / relabelling the flagged rows (cached)."""
    return C.label_fairness(S.active().key, spec_key(spec), _json(request),
                            _json(options.to_dict()), float(spec.threshold),
                            S.frame_loader(), issues)


def reviewed_audit(spec: AuditSpec, request: dict[str, Any], options: AuditOptions,
                   issues: LabelIssues, corrections: dict[int, Any]
                   ) -> tuple[Audit, int, list[str]]:
    """The audit with the reviewed corrections (cached per set of corrections)."""
    return C.reviewed_audit(S.active().key, spec_key(spec), _json(request),
                            _json(options.to_dict()), float(spec.threshold),
                            _json({str(k): v for k, v in sorted(corrections.items())}),
                            S.frame_loader(), issues)


# --- presentation (choose, order and format library results; compute nothing) -----------------

SOURCE_LABELS = {
    "proba": "Class probabilities in the file",
    "score": "The model's score in the file",
    "features": "A cross-validated model of the features",
}
FILTER_LABELS = {
    "prune_by_noise_rate": "Prune by noise rate (cleanlab default)",
    "prune_by_class": "Prune by class",
    "both": "Both prune methods",
    "confident_learning": "Off-diagonals of the confident joint",
    "predicted_neq_given": "Predicted class != given label (baseline)",
    "low_normalized_margin": "Lowest normalized margin",
    "low_self_confidence": "Lowest self-confidence",
}
RANK_LABELS = {
    "self_confidence": "Self-confidence (cleanlab default)",
    "normalized_margin": "Normalized margin",
    "confidence_weighted_entropy": "Confidence-weighted entropy",
}
MODEL_LABELS = {
    "hist_gradient_boosting": "Gradient boosting (default)",
    "logistic_regression": "Logistic regression",
    "random_forest": "Random forest",
}


METHOD_SHORT = {"features": "Cross-validated", "score": "Score in file",
                "proba": "File columns"}
"""The headline's "Found with" figure (short: a metric value is one line)."""


def method_short(issues: LabelIssues) -> str:
    """The headline's "Found with" figure of ``issues``."""
    return METHOD_SHORT.get(issues.source, "Given")


def probabilities_short(issues: LabelIssues) -> str:
    """Where the probabilities of ``issues`` came from, in a few words."""
    return source_short(issues.source, issues.detection.options.get("n_splits", "?"))


def most_uneven(by_group: pd.DataFrame) -> str:
    """The attribute to show first: the one whose groups differ most significantly."""
    groupings = list(dict.fromkeys(by_group["grouping"]))
    single = by_group[~by_group["grouping"].str.contains(" x ", regex=False)]
    tested = single.dropna(subset=["q_value"])
    if tested.empty or not tested["significant"].any():
        return groupings[0]
    return str(tested.loc[tested["q_value"].idxmin(), "grouping"])


def rate_table(rows: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """The per-group issue-rate table as shown (one grouping)."""
    out = []
    for _, r in rows.iterrows():
        flags = []
        if r["reference"]:
            flags.append("reference group")
        if r["small"]:
            flags.append(f"small group (n < {min_group_size}), not tested")
        if r["significant"]:
            direction = "higher" if r["difference_to_reference"] > 0 else "lower"
            flags.append(f"{direction} than reference (q {q_text(r['q_value'])})")
        out.append({
            "Group": str(r["group"]),
            "n": f"{int(r['n']):,}",
            "Flagged": f"{int(r['n_issues']):,}",
            "Issue rate [95% CI]": pct_ci(r["rate"], r["rate_low"], r["rate_high"]),
            "Ratio to reference": DASH if np.isnan(r["ratio_to_reference"]) else
            f"{r['ratio_to_reference']:.2f}",
            "q (vs reference)": q_text(r["q_value"]),
            "Mean label quality": f"{r['mean_quality']:.3f}",
            "Flags": "; ".join(flags),
        })
    return pd.DataFrame(out)


def comparison_display(table: pd.DataFrame, grouping: str, variants: list[str]) -> pd.DataFrame:
    """The before/after table of one grouping as shown."""
    part = table[table["grouping"] == grouping]
    out = []
    for _, r in part.iterrows():
        row = {"Measure": r["label"]}
        for v in variants:
            row[VARIANTS[v]] = num_ci(r[v], r.get(f"{v}_low"), r.get(f"{v}_high"))
        robust = r.get("robust")
        if "exclusion" in variants or "relabel" in variants:
            row["Robust to label errors?"] = (
                "-" if robust is None or (isinstance(robust, float) and np.isnan(robust))
                else "yes" if bool(robust) else "no")
        out.append(row)
    return pd.DataFrame(out)


QUEUE_HEADERS = {
    "rank": "Rank", "row": "Row", "given_label": "Given label",
    "suggested_label": "Probably", "given_probability": "Chance of the given label",
    "suggested_probability": "Chance of the suggested label",
    "label_quality": "Label quality (0-1, lower: more likely wrong)", "decision": "Decision",
    "corrected_label": "Correct label", "note": "Note"}


def queue_display(queue: pd.DataFrame, issues: LabelIssues | None = None) -> pd.DataFrame:
    """The review queue as shown: rank, row, labels, chances, decision, then the data.

    With ``issues`` of a sample, the rows are numbered as in the data."""
    shown = queue.copy()
    shown["rank"] = [int(r) if r else "" for r in shown["rank"]]
    if issues is not None:
        shown["row"] = issues.data_rows(shown["row"].to_numpy())
    shown["label_quality"] = shown["label_quality"].map(lambda v: f"{v:.2f}")
    for col in ("given_probability", "suggested_probability"):
        if col in shown:
            shown[col] = shown[col].map(W.chance)
    shown["corrected_label"] = shown["corrected_label"].map(
        lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    first = [c for c in QUEUE_HEADERS if c in shown.columns]
    rest = [c for c in shown.columns if c not in first]
    shown = shown[first + rest].rename(columns=QUEUE_HEADERS)
    for c in shown.columns:
        missing = shown[c].isna()
        if shown[c].dtype == object or missing.any():
            shown[c] = [W.MISSING_VALUE if gone and c not in QUEUE_HEADERS.values() else
                        "" if gone else str(v) for v, gone in zip(shown[c], missing,
                                                                  strict=True)]
    return shown


def page_count(n_rows: int, size: int = QUEUE_PAGE_SIZE) -> int:
    """Pages of ``size`` rows needed for ``n_rows`` (at least one)."""
    return max(1, -(-int(n_rows) // size))


def page_of(frame: pd.DataFrame, page: int, size: int = QUEUE_PAGE_SIZE) -> pd.DataFrame:
    """Rows of page ``page`` (1-based) of ``frame``."""
    return frame.iloc[(page - 1) * size: page * size]


def row_summary(issues: LabelIssues, row: int) -> str:
    """One flagged row in the row chooser (plain text; ``row`` is the result's position)."""
    given = int(issues.labels[row])
    return W.row_line(int(issues.data_rows([row])[0]), issues.class_value(given),
                      issues.class_value(issues.suggested[row]),
                      issues.detection.proba[row, given])


def row_probabilities(issues: LabelIssues, row: int) -> str:
    """The given and suggested label of ``row`` and their chances, in words (Markdown)."""
    proba = issues.detection.proba[row]
    given, suggested = int(issues.labels[row]), int(issues.suggested[row])
    return W.row_sentence(md(issues.class_value(given)), md(issues.class_value(suggested)),
                          proba[given], proba[suggested], issues.source)


def method_help(issues: LabelIssues) -> str:
    """The help of the headline's method figure (Markdown; no Python reprs)."""
    method = issues.method()
    filter_by = issues.detection.options.get("filter_by")
    text = f"Found with {md(method['description'])}."
    if filter_by:
        text += f" Filter: {md(W.FILTER_NAMES.get(str(filter_by), filter_by))}."
    return text


def run_params(request: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the report's labels section
    (:class:`fairlens.labels._section.LabelSection`) that reproduce the page's run: ``source``,
    ``score_column``, ``filter_by``, ``rank_by``, and for the cross-validated model
    ``features``, ``model``, ``n_splits`` (JSON-safe; the audit's options come from the
    sidebar's settings, which the report has too)."""
    params = {k: request[k] for k in ("source", "score_column", "filter_by", "rank_by")
              if request.get(k) is not None}
    if request.get("source") == "features":
        params.update(features=[str(c) for c in request.get("features") or []],
                      model=str(request.get("model")), n_splits=int(request.get("n_splits", 5)))
    return params


# --- flags for the Slices page -----------------------------------------------------------------


def keep_label_flags(spec: AuditSpec, issues: LabelIssues) -> None:
    """Keep the rows flagged as suspected label errors, for the Slices page's error signal
    (not for a sample of big data: the other rows were not looked at)."""
    if issues.sample is not None:
        st.session_state.pop(LABEL_FLAGS, None)
        return
    st.session_state[LABEL_FLAGS] = {
        "key": (S.active().key, spec.label),
        "mask": np.asarray(issues.detection.issues, dtype=bool),
        "about": f"{int(issues.detection.issues.sum()):,} rows flagged with "
                 f"{probabilities_short(issues)}",
    }


def stored_flags(spec: AuditSpec) -> dict[str, Any] | None:
    """The remembered label-issue flags when they belong to the active data and label."""
    flags = st.session_state.get(LABEL_FLAGS)
    if flags and flags["key"] == (S.active().key, spec.label):
        return flags
    return None

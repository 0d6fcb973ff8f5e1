"""Streamlit glue of the Label errors page: cached analyses, review persistence, widget keys.

Every cached result is keyed by the content hash of the session's own data (``active().key``),
so a session only gets results for data it holds. Review decisions are saved by
:class:`fairlens.labels.ReviewStore` in the workspace folder (``FAIRLENS_WORKSPACE_DIR``), one
JSON file per (data, label column), so they survive a refresh and a server restart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fairlens.auditing import Audit
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.labels import (
    LabelFairness,
    LabelIssues,
    ReviewLog,
    ReviewStore,
    corrected_audit,
    cross_val_proba_spec,
    label_aware_fairness,
    label_issues_spec,
)
from fairlens.ui import _session as S
from fairlens.ui._cache import spec_key
from fairlens.ui._workspace import workspace_root

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
W_QUEUE_PAGE = "labels_queue_page"
W_ROW = "labels_review_row"
W_DECISION = "labels_decision"
W_CORRECTED = "labels_corrected_label"
W_NOTE = "labels_note"
W_SAVE = "labels_save"
W_CLEAR = "labels_clear"
W_SHOW_REVIEW_AUDIT = "labels_show_review_audit"
CV_READY = "labels_cv_ready"
"""Session key: cross-validated probabilities computed in this session, by run settings."""
CV_REQUEST = "labels_cv_request"
"""Session key: set by the "Train the folds" button's callback until the page trains them."""
REVIEW_NOTICE = "labels_review_notice"
LABEL_FLAGS = "labels_flags"
"""The last label-issue flags of the active data: ``{"key", "mask", "about"}`` (for Slices)."""
"""Session key: a one-shot message from the last review action."""
QUEUE_PAGE_SIZE = 25


def review_store() -> ReviewStore:
    """Review decisions live next to the workspaces (read on every call, as the app does)."""
    return ReviewStore(workspace_root())


def load_review(data_key: str, label: str) -> ReviewLog:
    """The saved decisions for this data and label column (empty when there are none)."""
    return review_store().load(data_key, label)


def save_review(log: ReviewLog) -> None:
    """Write the decisions to the workspace folder."""
    review_store().save(log)


def reference_for(spec: AuditSpec, settings: dict[str, Any]) -> dict[str, str] | None:
    """The reference groups chosen in the sidebar, as the audit pages use them."""
    try:
        return S.reference_choice(S.get_statistics(), settings)
    except FairLensInputError:
        chosen = settings.get("reference") or {}
        return {a: v for a, v in chosen.items() if a in spec.sensitive} or None


def audit_settings(spec: AuditSpec, settings: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of the audits (the sidebar's settings)."""
    return {
        "reference": reference_for(spec, settings),
        "min_group_size": int(settings["min_group_size"]),
        "bootstrap": int(settings["bootstrap"]) if settings["ci"] == "bootstrap" else 0,
        "ci": settings["ci"],
        "seed": int(settings["seed"]),
        "level": float(settings["level"]),
    }


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


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


@st.cache_resource(max_entries=8, show_spinner="Looking for label errors (confident learning)...")
def _issues(data_key: str, spec_json: str, options_json: str,
            _frame: Callable[[], pd.DataFrame], _proba: np.ndarray | None) -> LabelIssues:
    spec = AuditSpec.from_dict(json.loads(spec_json))
    options = json.loads(options_json)
    return label_issues_spec(_frame(), spec, pred_probs=_proba, **options)


def find_issues(spec: AuditSpec, options: dict[str, Any],
                proba: np.ndarray | None = None) -> LabelIssues:
    """Label issues of the active data (cached; never mutated)."""
    data = S.active()
    return _issues(data.key, spec_key(spec), _json(options), S.frame_loader(), proba)


@st.cache_resource(max_entries=8, show_spinner="Re-auditing with the suspected errors excluded "
                   "and relabelled...")
def _fairness(data_key: str, spec_json: str, options_json: str, settings_json: str,
              threshold: float, _frame: Callable[[], pd.DataFrame],
              _issues: LabelIssues) -> LabelFairness:
    spec = AuditSpec.from_dict({**json.loads(spec_json), "threshold": threshold})
    return label_aware_fairness(_frame(), _issues, spec=spec, **json.loads(settings_json))


def fairness(spec: AuditSpec, options: dict[str, Any], settings: dict[str, Any],
             issues: LabelIssues) -> LabelFairness:
    """The audit before and after excluding / relabelling the flagged rows (cached)."""
    data = S.active()
    return _fairness(data.key, spec_key(spec), _json(options),
                     _json(audit_settings(spec, settings)), float(spec.threshold),
                     S.frame_loader(), issues)


@st.cache_resource(max_entries=16, show_spinner="Re-auditing with your reviewed corrections...")
def _reviewed(data_key: str, spec_json: str, options_json: str, settings_json: str,
              threshold: float, corrections_json: str, _frame: Callable[[], pd.DataFrame],
              _issues: LabelIssues) -> tuple[Audit, int, list[str]]:
    spec = AuditSpec.from_dict({**json.loads(spec_json), "threshold": threshold})
    corrections = {int(k): v for k, v in json.loads(corrections_json).items()}
    return corrected_audit(_frame(), _issues, corrections, spec=spec,
                           **json.loads(settings_json))


def reviewed_audit(spec: AuditSpec, options: dict[str, Any], settings: dict[str, Any],
                   issues: LabelIssues, corrections: dict[int, Any]
                   ) -> tuple[Audit, int, list[str]]:
    """The audit with the reviewed corrections (cached per set of corrections)."""
    data = S.active()
    return _reviewed(data.key, spec_key(spec), _json(options),
                     _json(audit_settings(spec, settings)), float(spec.threshold),
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


def pct(value: Any, digits: int = 1) -> str:
    """A share as a percentage; ``-`` when undefined."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "-"
    return "-" if np.isnan(v) else f"{v:.{digits}%}"


def pct_ci(value: Any, low: Any, high: Any) -> str:
    """``"12.9% [12.3%, 13.6%]"``."""
    text = pct(value)
    if text == "-" or pct(low) == "-" or pct(high) == "-":
        return text
    return f"{text} [{pct(low)}, {pct(high)}]"


def num_ci(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    """``"0.185 [0.173, 0.211]"``; the interval is left out when undefined."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "-"
    if np.isnan(v):
        return "-"
    text = f"{v:.{digits}f}"
    try:
        lo, hi = float(low), float(high)
    except (TypeError, ValueError):
        return text
    if np.isnan(lo) or np.isnan(hi):
        return text
    return f"{text} [{lo:.{digits}f}, {hi:.{digits}f}]"


DASH = "\u2014"
"""Shown for undefined cells (a plain "-" would render as a Markdown bullet in st.table)."""


def q_text(q: Any) -> str:
    """A q-value for people: ``< 0.001`` below a thousandth."""
    try:
        v = float(q)
    except (TypeError, ValueError):
        return DASH
    if np.isnan(v):
        return DASH
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def bound(widget_key: str, options: list[Any], fallback: Any) -> None:
    """Show the remembered choice in the widget ``widget_key`` (call before creating it).

    The choice lives under ``<widget_key>__value``, which Streamlit never deletes; the widget's
    own key is written on every run. Writing it only when it changed is not enough: a widget
    that was absent from a run (the page stopped early) comes back unselected in the browser
    unless its value is sent again. Create the widget with ``on_change=remember(widget_key)``.
    """
    value = st.session_state.get(widget_key + "__value")
    if value not in options:
        value = fallback
    st.session_state[widget_key + "__value"] = value
    st.session_state[widget_key] = value


def remember(widget_key: str) -> Callable[[], None]:
    """The ``on_change`` callback of a widget bound with :func:`bound`."""

    def keep() -> None:
        st.session_state[widget_key + "__value"] = st.session_state[widget_key]

    return keep


def choose(widget_key: str, value: Any) -> None:
    """Change the remembered choice of a bound widget (from a callback)."""
    st.session_state[widget_key + "__value"] = value


def source_short(issues: LabelIssues) -> str:
    """Where the probabilities came from, in two or three words."""
    if issues.source == "features":
        return f"{issues.detection.options.get('n_splits', '?')}-fold CV"
    if issues.source == "score":
        return "score column"
    return "file columns"


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


def rate_sentences(rows: pd.DataFrame, grouping: str) -> list[str]:
    """What the per-group table says, in words (Markdown)."""
    ref = rows[rows["reference"]]
    if ref.empty:
        return []
    ref = ref.iloc[0]
    tested = rows[~rows["small"] & ~rows["reference"]]
    higher = tested[tested["significant"] & (tested["difference_to_reference"] > 0)]
    lower = tested[tested["significant"] & (tested["difference_to_reference"] < 0)]
    out = []
    for _, r in higher.sort_values("rate", ascending=False).iterrows():
        out.append(f"**{r['group']}** has **{pct(r['rate'])}** suspected label errors, "
                   f"**{r['ratio_to_reference']:.2f}x** the rate of **{ref['group']}** "
                   f"(reference, {pct(ref['rate'])}; q {q_text(r['q_value'])}): label quality "
                   "is worse in this group.")
    for _, r in lower.sort_values("rate").iterrows():
        out.append(f"**{r['group']}** has fewer suspected label errors ({pct(r['rate'])}) than "
                   f"**{ref['group']}** ({pct(ref['rate'])}; q {q_text(r['q_value'])}).")
    if not len(higher) and not len(lower) and len(tested):
        out.append(f"No group of **{grouping}** differs significantly from **{ref['group']}** "
                   f"({pct(ref['rate'])}) in its rate of suspected label errors after "
                   "Benjamini-Hochberg correction (q < 0.05).")
    return out


def comparison_display(table: pd.DataFrame, grouping: str, variants: list[str]) -> pd.DataFrame:
    """The before/after table of one grouping as shown."""
    from fairlens.labels import VARIANTS

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


def queue_display(queue: pd.DataFrame) -> pd.DataFrame:
    """The review queue as shown: rank, row, labels, quality, decision, then the data."""
    shown = queue.copy()
    shown["rank"] = [int(r) if r else "" for r in shown["rank"]]
    shown["label_quality"] = shown["label_quality"].map(lambda v: f"{v:.4f}")
    shown["suggested_probability"] = shown["suggested_probability"].map(lambda v: f"{v:.3f}")
    shown["corrected_label"] = shown["corrected_label"].map(
        lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    first = ["rank", "row", "given_label", "suggested_label", "label_quality",
             "suggested_probability", "decision", "corrected_label", "note"]
    rest = [c for c in shown.columns if c not in first]
    shown = shown[first + rest].rename(columns={
        "rank": "Rank", "row": "Row", "given_label": "Given label",
        "suggested_label": "Suggested label", "label_quality": "Label quality",
        "suggested_probability": "P(suggested)", "decision": "Decision",
        "corrected_label": "Correct label", "note": "Note"})
    for c in shown.columns:
        if shown[c].dtype == object:
            shown[c] = shown[c].map(lambda v: "" if v is None else str(v))
    return shown


def remember_flags(spec: AuditSpec, issues: LabelIssues) -> None:
    """Keep the rows flagged as suspected label errors, for the Slices page's error signal."""
    st.session_state[LABEL_FLAGS] = {
        "key": (S.active().key, spec.label),
        "mask": np.asarray(issues.detection.issues, dtype=bool),
        "about": f"{int(issues.detection.issues.sum()):,} rows flagged by "
                 f"{issues.detection.detector} ({source_short(issues)})",
    }


def stored_flags(spec: AuditSpec) -> dict[str, Any] | None:
    """The remembered label-issue flags when they belong to the active data and label."""
    flags = st.session_state.get(LABEL_FLAGS)
    if flags and flags["key"] == (S.active().key, spec.label):
        return flags
    return None

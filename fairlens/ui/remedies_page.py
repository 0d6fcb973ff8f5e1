"""Streamlit glue of the Remedies page: runs kept per session, workspace saving, tables.

Remedy runs are the user's own data and can take seconds (training); they are kept in the
session (the latest few, keyed by the data's content hash and every setting), never in a cache
shared between users. Artefacts are written to the workspace folder
(``FAIRLENS_WORKSPACE_DIR``), under ``remedies/<data key>/<run>/``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from fairlens import registry
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec
from fairlens.remedies import (
    LearningCurves,
    RemedyResult,
    TradeOff,
    compare_remedies,
    learning_curves,
    remedy_spec,
)
from fairlens.ui import _session as S
from fairlens.ui._runs import record_run
from fairlens.ui._workspace import workspace_root
from fairlens.wording import fmt, fmt_ci, fmt_int, is_missing, measure_label, metric_label
from fairlens.wording import names as wording_names
from fairlens.wording import remedies as remedy_words

PAGE = "pages/remedies.py"

W_METHOD = "remedies_method"
W_ATTRIBUTE = "remedies_attribute"
W_CONSTRAINT = "remedies_constraint"
W_TOLERANCE = "remedies_tolerance"
W_OBJECTIVE = "remedies_objective"
W_TEST_SIZE = "remedies_test_size"
W_SEED = "remedies_seed"
W_EPOCHS = "remedies_epochs"
W_ARCH = "remedies_architecture"
W_FIS_COEF = "remedies_fis_coef"
W_FIS_T = "remedies_fis_temperature"
W_FEBS_GAMMA = "remedies_febs_gamma"
W_FOLDS = "remedies_folds"
W_RUN = "remedies_run"
W_COMPARE_METHODS = "remedies_compare_methods"
W_COMPARE = "remedies_compare"
W_CURVES = "remedies_curves"
RUNS = "remedies_runs"
"""Session key: the latest remedy runs, by run key."""
LAST = "remedies_last"
"""Session key: the key of the run shown."""
TRADEOFF = "remedies_tradeoff"
CURVES = "remedies_curves_result"
KEEP = 4
REQUEST = "remedies_request"
"""Session key: set by a button's callback ("run", "compare" or "curves") until the page runs
it (a button's own value does not survive the reruns the app may do in between)."""


def request(kind: str) -> Callable[[], None]:
    """A button callback that asks the page to run ``kind`` on its next run."""

    def ask() -> None:
        st.session_state[REQUEST] = kind

    return ask


def take_request(kind: str) -> bool:
    """True (once) when a button asked for ``kind``."""
    if st.session_state.get(REQUEST) == kind:
        st.session_state.pop(REQUEST, None)
        return True
    return False

CONSTRAINT_LABELS = {
    "equalized_odds": "Equalized odds (TPR and FPR)",
    "equal_opportunity": "Equal opportunity (TPR)",
    "demographic_parity": "Demographic parity (selection rate)",
}
SHOWN_DISPARITIES = ("equalized_odds_difference", "equal_opportunity_difference",
                     "demographic_parity_difference")
"""The order of the disparities in the page's before/after table."""


def method_label(name: str) -> str:
    """A remedy as the chooser shows it: its registered title and, in brackets, its kind."""
    cls = registry.get("remedy", name)
    detail = getattr(cls, "detail", "")
    return f"{cls.title} ({detail})" if detail else cls.title


def offered_methods(spec: AuditSpec) -> list[str]:
    """The registered remedies the applied mapping can run (score, features ...)."""
    return [cls.name for cls in registry.available("remedy", spec)]


def audit_options() -> AuditOptions:
    """The audit's own options (the sidebar's), as the Fairness page audits with them."""
    return S.audit_options()


BASELINE_COLUMN = "Retrained without fairness"
BEYOND_COLUMN = "Beyond retraining"


def before_after_table(result: RemedyResult) -> pd.DataFrame:
    """Held-out metrics and disparities before and after, as shown on the page (3 decimals).

    For a remedy that retrains, two more columns: the same learner retrained without
    fairness, and what the method added beyond it (after - retrained)."""
    table = result.tables()["before_after"]
    metrics = table[table["kind"] == "metric"]
    disparities = table[table["kind"] == "disparity"].set_index("measure").loc[
        list(SHOWN_DISPARITIES)].reset_index()
    base = result.baseline is not None
    rows = []
    for r in pd.concat([metrics, disparities]).itertuples():
        if r.kind == "disparity":
            name = f"{measure_label(r.measure)} ({result.attribute})"
        else:
            name = metric_label(r.measure)
        row = {"Measure (held-out rows)": name, "Before": _cell(r.before),
               "After": _cell(r.after), "Change": _change(_diff(r.after, r.before))}
        if base:
            row[BASELINE_COLUMN] = _cell(r.baseline)
            row[BEYOND_COLUMN] = _change(_diff(r.after, r.baseline))
        rows.append(row)
    return pd.DataFrame(rows)


def _diff(a: Any, b: Any) -> float | None:
    try:
        return float(a) - float(b)
    except (TypeError, ValueError):
        return None


NOT_DEFINED = "n/a"
"""A cell without a value (a text cell never starts with "-" or "+": the formula-safe
table would show it with a quote)."""


def _cell(v: Any) -> str:
    return NOT_DEFINED if is_missing(v) else fmt(v)


def _change(v: float | None) -> str:
    return remedy_words.change_words(v, NOT_DEFINED)


def fit_notes(result: RemedyResult) -> list[str]:
    """The captions under the before/after table (:func:`fairlens.wording.remedies.fit_notes`:
    the gap on the fitting rows, against the tolerance only for a remedy that takes a
    constraint, how the held-out gap compares with it, the cross-fitted choice, the learner
    retrained without fairness)."""
    return remedy_words.fit_notes(result.to_dict())


def constraint_caption(result: RemedyResult) -> str:
    """The split and what the remedy aimed at (plain text; the page escapes it)."""
    split = result.split
    return (f"Split: {len(split.fit):,} rows fit the remedy, {len(split.test):,} held-out rows "
            f"evaluate it (stratified by label and {result.attribute}, seed {split.seed}). "
            + remedy_words.constraint_line(result.to_dict()))


def thresholds_table(result: RemedyResult) -> pd.DataFrame | None:
    """The fitted rule per group (thresholds remedy): threshold, randomized part, rates."""
    groups = result.artefacts.get("groups")
    if not groups:
        return None
    rows = []
    for g in groups:
        rand = "; ".join(
            (f"score {lo:.4g}" if hi == lo else f"scores {lo:.4g} to {hi:.4g}")
            + f": {share} positive" for lo, hi, share in _shares(g["randomized"])) or "no"
        rates = g["expected_fit_rates"]
        threshold = g["threshold"]
        rows.append({"Group": str(g["group"]), "Rows (fit)": fmt_int(g["n_fit"]),
                     "Positive from score": "only at random" if threshold is None
                     else f"{float(threshold):.4g}", "Randomized": rand,
                     "TPR (fit)": _cell(rates["tpr"]), "FPR (fit)": _cell(rates["fpr"])})
    return pd.DataFrame(rows)


def _shares(randomized: list[dict[str, Any]]) -> list[tuple[float, float, str]]:
    """The randomized score ranges of one group, those that print the same share merged (the
    rule is monotone in the score, so the scores between two ranges of one share have it
    too)."""
    out: list[tuple[float, float, str]] = []
    for part in randomized:
        share = f"{float(part['p_positive']):.0%}"
        if out and out[-1][2] == share:
            out[-1] = (out[-1][0], float(part["score_to"]), share)
        else:
            out.append((float(part["score"]), float(part["score_to"]), share))
    return out


def saved_caption(files: dict[str, str]) -> str:
    """Where a run's artefacts were saved, for a person: with the workspace of the data, by
    file name (never the server's folder). Plain text; the page escapes it."""
    names = [Path(p).name for p in files.values()]
    return (f"Saved with the workspace of {S.active().name}: {wording_names(names)} (the "
            "downloads above hold the same content).")


def weights_table(result: RemedyResult) -> pd.DataFrame | None:
    """The reweighing weights per (group, label)."""
    weights = result.artefacts.get("weights")
    if not weights:
        return None
    frame = pd.DataFrame(weights)
    return frame.rename(columns={"group": "Group", "label": "Label", "n": "Rows",
                                 "weight": "Weight"})[["Group", "Label", "Rows", "Weight"]]


def points_display(points: pd.DataFrame) -> pd.DataFrame:
    """The trade-off points as a readable table."""
    out = pd.DataFrame({
        "Remedy": points["label"],
        "Accuracy": [fmt_ci(a, lo, hi) for a, lo, hi in
                     zip(points["accuracy"], points["accuracy_low"], points["accuracy_high"],
                         strict=True)],
        "Disparity": [fmt_ci(a, lo, hi) for a, lo, hi in
                      zip(points["disparity"], points["disparity_low"],
                          points["disparity_high"], strict=True)],
        "Pareto front": ["yes" if p else "" for p in points["pareto"]],
    })
    return out


# --- cached wrappers ----------------------------------------------------------------------------
# Remedy runs are the user's own data and can take seconds: they are kept in this session (the
# latest few, keyed by the data, every setting and the audit's options), never in a cache
# shared between users.

def run_key(payload: dict[str, Any]) -> str:
    """Identifies one run: the data and every setting."""
    text = json.dumps({"data": S.active().key, **payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _remember(slot: str, key: str, value: Any) -> None:
    runs = dict(st.session_state.get(slot, {}))
    runs[key] = (S.active().key, value)
    st.session_state[slot] = dict(list(runs.items())[-KEEP:])


def stored(slot: str, key: str) -> Any:
    """A result kept earlier in this session for the active data, if any."""
    entry = st.session_state.get(slot, {}).get(key)
    if entry is None or entry[0] != S.active().key:
        return None
    return entry[1]


def run_remedy(spec: AuditSpec, payload: dict[str, Any],
               progress: Callable[[int, int, str], None] | None = None) -> RemedyResult:
    """Run one remedy on the active data with the audit's options, keep it in the session and
    save its artefacts in the workspace folder.

    ``payload``: ``method``, ``attribute``, ``constraint``, ``tolerance``, ``test_size``,
    ``seed`` and the method's parameters (keywords of :func:`fairlens.remedies.remedy_spec`).
    """
    options = audit_options()
    result = remedy_spec(S.active_frame(), spec, options=options, progress=progress,
                         **payload)
    key = run_key({**payload, "audit": options.to_dict()})
    result.save(remedy_folder(key))
    _remember(RUNS, key, result)
    st.session_state[LAST] = key
    record_run("remedy", section_params(payload))
    return result


def section_params(payload: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the report's remedy section
    (``RemedySection(method, **method_options)``) that reproduce this page's run: exactly the
    page's ``payload`` (``method``, ``attribute``, ``constraint``, ``test_size``, ``seed``,
    ``tolerance`` for a remedy that takes one, and the method's own parameters)."""
    return json.loads(json.dumps(payload))


def takes_constraint(method: str) -> bool:
    """True for the remedies that target the constraint within a tolerance."""
    return bool(getattr(registry.get("remedy", method), "takes_constraint", False))


def payload_of(method: str, attribute: str, constraint: str, tolerance: float,
               test_size: float, seed: int, **method_options: Any) -> dict[str, Any]:
    """The page's settings as :func:`fairlens.remedies.remedy_spec` keywords (the tolerance
    only for a remedy that takes a constraint)."""
    payload: dict[str, Any] = {"method": method, "attribute": attribute,
                               "constraint": constraint, "test_size": float(test_size),
                               "seed": int(seed)}
    if takes_constraint(method):
        payload["tolerance"] = float(tolerance)
    payload.update(method_options)
    return payload


def remedy_folder(key: str) -> Path:
    """Where a run's artefacts are saved: ``<workspaces>/remedies/<data key>/<run key>``."""
    return workspace_root() / "remedies" / S.active().key / key


def last_result() -> RemedyResult | None:
    """The run shown on the page (None before the first run of this data)."""
    key = st.session_state.get(LAST)
    return stored(RUNS, key) if key else None


def _run_kept(slot: str, analysis: Callable[..., Any], spec: AuditSpec,
              payload: dict[str, Any], progress: Callable[[int, int, str], None] | None
              ) -> Any:
    """``analysis`` on the active data with the audit's options, kept as the slot's latest."""
    options = audit_options()
    result = analysis(S.active_frame(), spec, options=options, progress=progress, **payload)
    key = run_key({slot: payload, "audit": options.to_dict()})
    _remember(slot, key, result)
    st.session_state[slot + "_last"] = key
    return result


def _latest(slot: str) -> Any:
    key = st.session_state.get(slot + "_last")
    return stored(slot, key) if key else None


def run_tradeoff(spec: AuditSpec, payload: dict[str, Any],
                 progress: Callable[[int, int, str], None] | None = None) -> TradeOff:
    """Every chosen remedy on one split with the audit's options, as trade-off points (kept in
    the session)."""
    return _run_kept(TRADEOFF, compare_remedies, spec, payload, progress)


def last_tradeoff() -> TradeOff | None:
    """The trade-off shown on the page."""
    return _latest(TRADEOFF)


def run_curves(spec: AuditSpec, payload: dict[str, Any],
               progress: Callable[[int, int, str], None] | None = None) -> LearningCurves:
    """Per-group learning curves with the audit's minimum group size (kept in the session)."""
    return _run_kept(CURVES, learning_curves, spec, payload, progress)


def last_curves() -> LearningCurves | None:
    """The learning curves shown on the page."""
    return _latest(CURVES)

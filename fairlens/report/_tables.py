"""The report's tables as DataFrames (one CSV file each), from the audit and the analyses'
JSON documents.

Nothing here computes a metric: every number comes from the audit or from a document. The
analyses' documents are read defensively (a key that is missing gives an empty table).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.auditing import Audit
from fairlens.wording import is_missing, table_metrics

TESTED_METRICS = ("selection_rate", "tpr", "fpr", "ppv", "accuracy")


def overall_frame(audit: Audit) -> pd.DataFrame:
    """Overall metrics with their intervals."""
    doc_ci = audit.primary.overall_ci
    rows = []
    for m, v in audit.overall.items():
        lo, hi = doc_ci.get(m, (float("nan"), float("nan"))) if m != "n" else (None, None)
        rows.append({"metric": m, "value": v, "low": lo, "high": hi})
    return pd.DataFrame(rows)


def groups_frame(audit: Audit) -> pd.DataFrame:
    """Per-group metrics with interval columns (the CSV of the per-group tables)."""
    bg = audit.by_group
    keep = ["grouping", "group", "n", "small", "reference"]
    for m in table_metrics(bg):
        keep += [c for c in (m, f"{m}_low", f"{m}_high") if c in bg]
    return bg[keep].copy()


def tests_frame(audit: Audit) -> pd.DataFrame:
    """Each group against its reference group: difference, p-value, q-value, significant."""
    bg = audit.by_group
    rows = []
    for _, r in bg.iterrows():
        for m in TESTED_METRICS + tuple(c[:-2] for c in bg.columns if c.endswith("_p")):
            if f"{m}_p" not in bg or is_missing(r.get(f"{m}_p")):
                continue
            ref = bg[(bg["grouping"] == r["grouping"]) & bg["reference"]]
            ref_value = ref[m].iloc[0] if len(ref) else float("nan")
            rows.append({"grouping": r["grouping"], "group": r["group"], "metric": m,
                         "value": r[m], "reference_value": ref_value,
                         "difference": r[m] - ref_value, "p_value": r[f"{m}_p"],
                         "q_value": r[f"{m}_q"], "significant": bool(r[f"{m}_significant"])})
    frame = pd.DataFrame(rows)
    return frame.drop_duplicates(subset=["grouping", "group", "metric"]) if len(frame) else frame


def disparities_frame(audit: Audit) -> pd.DataFrame:
    """Between-group disparities with their intervals."""
    return audit.disparities.copy()


def four_fifths_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """The four-fifths rule per group: its rate of the favorable outcome, the ratio to the
    highest rate among groups that count (``comparison_group``) and the verdict.

    ``passes`` is True/False, or None for a group too small to count and for a grouping where
    the rule could not be applied (``tested`` False).
    """
    rows = []
    for grouping, disp in doc["disparities"].items():
        rule = disp.get("four_fifths_rule")
        if not rule:
            continue
        for g, e in rule["groups"].items():
            rows.append({"grouping": grouping, "group": g, "n": e["n"], "eligible": e["eligible"],
                         "favorable": rule["favorable"], "tested": rule["tested"],
                         "comparison_group": rule["comparison_group"],
                         "selection_rate": e["selection_rate"], "favorable_rate": e["rate"],
                         "ratio": e["ratio"], "passes": e["passes"]})
    return pd.DataFrame(rows)


# --- analyses (robust to missing keys: they come from other packages' JSON) ------------------


def _get(d: Any, *keys: str, default: Any = None) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def labels_frames(doc: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Label-issue rates by group, the fairness comparison and the flagged rows."""
    out = {}
    rates = []
    for e in doc.get("by_group") or []:
        lo, hi = (e.get("ci") or [None, None])[:2]
        rates.append({"grouping": e.get("grouping"),
                      "group": " x ".join(str(v) for v in (e.get("attributes") or {}).values()),
                      "n": e.get("n"), "n_issues": e.get("n_issues"), "rate": e.get("rate"),
                      "low": lo, "high": hi, "q_value": e.get("q_value"),
                      "significant": bool(e.get("significant")),
                      "reference": bool(e.get("is_reference")), "small": bool(e.get("small"))})
    out["label_issue_rates"] = pd.DataFrame(rates)
    comp = doc.get("fairness_comparison")
    if isinstance(comp, list) and comp:
        frame = pd.DataFrame(comp)
        cols = [c for c in ("grouping", "measure", "before", "exclusion", "relabel", "robust")
                if c in frame]
        out["label_fairness"] = frame[cols]
    issues = doc.get("issues") or []
    if issues:
        out["label_issues"] = pd.DataFrame(issues)
    return out


def slices_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """The slices found, best first."""
    rows = []
    for s in doc.get("slices") or []:
        lo, hi = (s.get("ci") or [None, None])[:2]
        rows.append({"description": s.get("description"), "n": s.get("n"),
                     "error_rate": s.get("error_rate"), "low": lo, "high": hi,
                     "lift": s.get("lift"), "q_value": s.get("q_value"),
                     "significant": bool(s.get("significant"))})
    return pd.DataFrame(rows)


def explain_frames(doc: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Feature importance (overall and by group) and the gap decomposition."""
    out = {}
    overall = _get(doc, "importance", "overall") or {}
    if isinstance(overall, dict) and overall:
        frame = pd.DataFrame({"feature": list(overall), "importance": list(overall.values())})
        frame["importance"] = pd.to_numeric(frame["importance"], errors="coerce")
        out["explain_importance"] = frame.sort_values("importance", ascending=False,
                                                      key=lambda s: s.abs())
    by_group = _get(doc, "importance", "by_group") or {}
    rows = []
    if isinstance(by_group, dict):
        for attr, groups in by_group.items():
            for g, feats in (groups or {}).items():
                for f, v in (feats or {}).items():
                    rows.append({"attribute": attr, "group": str(g), "feature": f,
                                 "importance": v})
    if rows:
        out["explain_by_group"] = pd.DataFrame(rows)
    contributions = _get(doc, "gap", "contributions") or {}
    if isinstance(contributions, dict) and contributions:
        frame = pd.DataFrame({"feature": list(contributions),
                              "contribution": list(contributions.values())})
        frame["contribution"] = pd.to_numeric(frame["contribution"], errors="coerce")
        out["explain_gap"] = frame.sort_values("contribution", ascending=False,
                                               key=lambda s: s.abs())
    return out


_SKIP_KEYS = {"ci", "overall_ci", "four_fifths_rule", "warnings", "reference"}


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k) not in _SKIP_KEYS:
                _flat(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        out[prefix] = value


def remedy_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """Every number of ``before`` next to the same one of ``after`` (intervals left out)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flat("", doc.get("before") or {}, before)
    _flat("", doc.get("after") or {}, after)
    keys = list(dict.fromkeys([*before, *after]))
    rows = [{"measure": k, "before": before.get(k), "after": after.get(k),
             "change": (after[k] - before[k]) if not (is_missing(before.get(k))
                                                      or is_missing(after.get(k))) else None}
            for k in keys]
    return pd.DataFrame(rows)

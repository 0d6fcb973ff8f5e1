"""What the report says: plain-language summary, tables and figure requests, one content model.

Both renderers (HTML and PDF) walk the same :class:`Section` list, so the two documents always
carry the same numbers. Nothing here computes a metric: every number comes from the audit or
from the analyses' JSON documents; this module only chooses, orders, formats and words them.
Text may carry ``**bold**`` markers; renderers escape the text first and then turn the markers
into bold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fairlens.wording import ci_phrase, spread_phrase

METRIC_LABELS: dict[str, str] = {
    "n": "n", "base_rate": "Base rate", "selection_rate": "Selection rate",
    "accuracy": "Accuracy", "balanced_accuracy": "Balanced accuracy", "tpr": "TPR",
    "fpr": "FPR", "tnr": "TNR", "fnr": "FNR", "ppv": "PPV", "npv": "NPV", "fdr": "FDR",
    "false_omission_rate": "FOR", "f1": "F1", "auc": "AUC", "brier": "Brier score",
    "ece": "ECE", "dice": "Dice", "iou": "IoU", "macro_f1": "Macro F1",
}
MEASURE_LABELS: dict[str, str] = {
    "demographic_parity_difference": "Demographic parity difference",
    "demographic_parity_ratio": "Demographic parity ratio",
    "equalized_odds_difference": "Equalized odds difference",
    "equalized_odds_ratio": "Equalized odds ratio",
    "equal_opportunity_difference": "Equal opportunity difference",
    "equal_opportunity_ratio": "Equal opportunity ratio",
}
BINARY_METRICS = ("base_rate", "selection_rate", "tpr", "fpr", "ppv", "accuracy", "auc")
CHART_METRICS = ("selection_rate", "tpr", "fpr", "ppv")
TESTED_METRICS = ("selection_rate", "tpr", "fpr", "ppv", "accuracy")
KEY_MEASURES = ("demographic_parity_difference", "demographic_parity_ratio",
                "equalized_odds_difference", "equalized_odds_ratio",
                "equal_opportunity_difference", "equal_opportunity_ratio")
MAX_TABLE_ROWS = 60
"""Longest table drawn in the documents (the CSV and JSON files hold every row)."""


# --- formatting ------------------------------------------------------------------------------


def missing(value: Any) -> bool:
    """None or NaN."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def num(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals, ``-`` when undefined."""
    return "-" if missing(value) else f"{float(value):.{digits}f}"


def ci(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    """``0.588 [0.573, 0.604]`` (the interval only when defined)."""
    text = num(value, digits)
    if not (missing(low) or missing(high)):
        text += f" [{num(low, digits)}, {num(high, digits)}]"
    return text


def integer(value: Any) -> str:
    """``7,214``."""
    return "-" if missing(value) else f"{int(value):,}"


def label(metric: str) -> str:
    """Display name of a metric or disparity measure."""
    if metric in MEASURE_LABELS:
        return MEASURE_LABELS[metric]
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    for suffix, word in (("_difference", "difference"), ("_ratio", "ratio")):
        if metric.endswith(suffix):
            return f"{label(metric[: -len(suffix)])} {word}"
    return metric.replace("_", " ")


# --- the content model -----------------------------------------------------------------------


@dataclass
class Table:
    """A display table: formatted cells, a CSS-like class per row and a note under it."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    row_classes: list[str] = field(default_factory=list)
    note: str = ""
    truncated: int = 0


@dataclass
class Figure:
    """A request for a chart; each renderer draws it its own way (plotly or matplotlib).

    ``kind`` is ``"group_bars"`` (``data``: per-group rows and metrics), ``"disparities"``
    (``data``: measure rows with CIs) or ``"bars"`` (``data``: labelled values).
    """

    kind: str
    title: str
    data: dict[str, Any]


@dataclass
class Section:
    """One heading of the report with its paragraphs, bullet list, tables and figures."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    code: str | None = None


def frame_table(frame: pd.DataFrame, title: str, *, note: str = "",
                formats: dict[str, str] | None = None, classes: list[str] | None = None,
                max_rows: int = MAX_TABLE_ROWS) -> Table:
    """A :class:`Table` from a frame: numbers to 3 decimals, counts with separators."""
    formats = formats or {}
    rows = []
    for _, r in frame.head(max_rows).iterrows():
        cells = []
        for c in frame.columns:
            v = r[c]
            kind = formats.get(c)
            if kind == "int":
                cells.append(integer(v))
            elif kind == "text" or isinstance(v, str):
                cells.append(str(v))
            elif isinstance(v, bool):
                cells.append("yes" if v else "no")
            elif isinstance(v, (int, float)) or missing(v):
                cells.append(num(v, 3 if kind is None else int(kind)) if not (
                    isinstance(v, int) and kind is None) else integer(v))
            else:
                cells.append(str(v))
        rows.append(cells)
    return Table(title, [str(c) for c in frame.columns], rows,
                 (classes or [""] * len(frame))[:max_rows], note,
                 max(0, len(frame) - max_rows))


# --- audit sentences -------------------------------------------------------------------------


def headline(doc: dict[str, Any], by_group: pd.DataFrame, grouping: str) -> str | None:
    """One sentence for the executive summary: the key disparities of one grouping."""
    disp = doc["disparities"].get(grouping, {})
    rows = by_group[by_group["grouping"] == grouping]
    parts = []
    if "demographic_parity_difference" in disp:
        span = spread_phrase(rows, "selection_rate", plural=True, escape=str)
        dp = (f"demographic parity difference **{num(disp['demographic_parity_difference'], 2)}**"
              + ci_phrase(disp, "demographic_parity_difference"))
        parts.append(f"selection rates {span} ({dp})" if span else dp)
    if "equalized_odds_difference" in disp:
        parts.append(f"equalized odds difference **{num(disp['equalized_odds_difference'], 2)}**"
                     + ci_phrase(disp, "equalized_odds_difference"))
    if not parts:
        for key, value in disp.items():
            if key.endswith("_difference") and not missing(value):
                metric = key[: -len("_difference")]
                span = spread_phrase(rows, metric, escape=str) if metric in rows else None
                diff = f"difference **{num(value, 2)}**{ci_phrase(disp, key)}"
                parts.append(f"{label(metric)} {span}, {diff}" if span else
                             f"{label(metric)} {diff}")
                break
    rule = disp.get("four_fifths_rule")
    if rule:
        failing = rule.get("failing_groups") or []
        parts.append(f"the four-fifths rule **fails** for {', '.join(map(str, failing[:5]))}"
                     + (f" and {len(failing) - 5} more" if len(failing) > 5 else "")
                     + f" (vs {disp.get('reference')})" if failing else
                     "the four-fifths rule holds")
    if not parts:
        return None
    text = "; ".join(parts)
    return f"By **{grouping}**: {text}."


def equity_sentences(audit: Any) -> list[str]:
    """ES and PSD in words, per single-attribute grouping, with their small-group caveat."""
    out = []
    eq = audit.equity
    seen: set[str] = set()
    for _, r in eq.iterrows():
        if " x " in str(r["grouping"]) or missing(r["es"]) or r["grouping"] in seen:
            continue
        seen.add(r["grouping"])
        loss = 1 - r["es"] / r["overall"] if r["overall"] else float("nan")
        interval = ("" if missing(r["es_low"]) else
                    f" (95% CI {num(r['es_low'], 2)} to {num(r['es_high'], 2)})")
        out.append(
            f"ES-{label(r['metric'])} by **{r['grouping']}** is **{num(r['es'], 2)}**{interval}"
            f" against an overall {label(r['metric'])} of {num(r['overall'], 2)}: the gaps "
            f"between {int(r['groups_used'])} groups cost {num(100 * loss, 0)}% of it; "
            f"PSD (max-min) {num(r['psd_max'], 2)}.")
    return out


# --- tables ----------------------------------------------------------------------------------


def overall_frame(audit: Any) -> pd.DataFrame:
    """Overall metrics with their intervals."""
    doc_ci = audit.primary.overall_ci
    rows = []
    for m, v in audit.overall.items():
        lo, hi = doc_ci.get(m, (float("nan"), float("nan"))) if m != "n" else (None, None)
        rows.append({"metric": m, "value": v, "low": lo, "high": hi})
    return pd.DataFrame(rows)


def table_metrics(by_group: pd.DataFrame) -> list[str]:
    """The per-group table's metric columns for this task."""
    binary = [m for m in BINARY_METRICS if m in by_group]
    if binary:
        return binary
    skip = {"model", "grouping", "group", "n", "small", "reference"}
    return [c for c in by_group.columns if c not in skip and not c.endswith(
        ("_low", "_high", "_p", "_q", "_significant")) and pd.api.types.is_float_dtype(
        by_group[c])][:6]


def groups_frame(audit: Any) -> pd.DataFrame:
    """Per-group metrics with interval columns (the CSV of the per-group tables)."""
    bg = audit.by_group
    keep = ["grouping", "group", "n", "small", "reference"]
    for m in table_metrics(bg):
        keep += [c for c in (m, f"{m}_low", f"{m}_high") if c in bg]
    return bg[keep].copy()


def group_display(audit: Any, grouping: str) -> Table:
    """One grouping's per-group table: value [CI] per metric, * where significant."""
    bg = audit.by_group
    rows = bg[bg["grouping"] == grouping]
    metrics = table_metrics(bg)
    cells, classes = [], []
    for _, r in rows.iterrows():
        flag = " (reference)" if r["reference"] else " (small)" if r["small"] else ""
        line = [f"{r['group']}{flag}", integer(r["n"])]
        for m in metrics:
            text = ci(r[m], r.get(f"{m}_low"), r.get(f"{m}_high"))
            if bool(r.get(f"{m}_significant", False)):
                text += " *"
            line.append(text)
        cells.append(line)
        classes.append("small" if r["small"] else "reference" if r["reference"] else "")
    note = ("Value [95% interval]; * = differs from the reference group (Benjamini-Hochberg "
            f"q < 0.05); small = fewer than {audit.options.min_group_size} rows, left out of "
            "the disparities, ES and PSD.")
    table = Table(f"{grouping}: metrics by group", ["group", "n", *map(label, metrics)],
                  cells[:MAX_TABLE_ROWS], classes[:MAX_TABLE_ROWS], note,
                  max(0, len(cells) - MAX_TABLE_ROWS))
    return table


def tests_frame(audit: Any) -> pd.DataFrame:
    """Each group against its reference group: difference, p-value, q-value, significant."""
    bg = audit.by_group
    rows = []
    for _, r in bg.iterrows():
        for m in TESTED_METRICS + tuple(c[:-2] for c in bg.columns if c.endswith("_p")):
            if f"{m}_p" not in bg or missing(r.get(f"{m}_p")):
                continue
            ref = bg[(bg["grouping"] == r["grouping"]) & bg["reference"]]
            ref_value = ref[m].iloc[0] if len(ref) else float("nan")
            rows.append({"grouping": r["grouping"], "group": r["group"], "metric": m,
                         "value": r[m], "reference_value": ref_value,
                         "difference": r[m] - ref_value, "p_value": r[f"{m}_p"],
                         "q_value": r[f"{m}_q"], "significant": bool(r[f"{m}_significant"])})
    frame = pd.DataFrame(rows)
    return frame.drop_duplicates(subset=["grouping", "group", "metric"]) if len(frame) else frame


def disparities_frame(audit: Any) -> pd.DataFrame:
    """Between-group disparities with their intervals."""
    return audit.disparities.copy()


def four_fifths_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """Selection-rate ratio of each group to its reference group, and the 0.8 verdict."""
    rows = []
    for grouping, disp in doc["disparities"].items():
        rule = disp.get("four_fifths_rule")
        if not rule:
            continue
        failing = set(rule["failing_groups"])
        for g, ratio in rule["selection_rate_ratio_to_reference"].items():
            rows.append({"grouping": grouping, "group": g, "reference": disp["reference"],
                         "selection_rate_ratio": ratio, "fails": g in failing})
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
             "change": (after[k] - before[k]) if not (missing(before.get(k))
                                                      or missing(after.get(k))) else None}
            for k in keys]
    return pd.DataFrame(rows)


def fidelity_words(fidelity: Any) -> str:
    """A surrogate's fidelity in words: a number, or the parts of a fidelity dict."""
    if isinstance(fidelity, dict):
        parts = []
        for key, word in (("r2", "R²"), ("agreement", "decision agreement"),
                          ("accuracy", "accuracy"), ("auc", "AUC")):
            if isinstance(fidelity.get(key), (int, float)):
                parts.append(f"{word} {num(fidelity[key], 2)}")
        if fidelity.get("n_holdout"):
            parts.append(f"on {integer(fidelity['n_holdout'])} held-out rows")
        return ", ".join(parts) or "not reported"
    if isinstance(fidelity, (int, float)):
        return num(fidelity, 2)
    return "not reported" if fidelity is None else str(fidelity)

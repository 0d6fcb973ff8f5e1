"""The plain-text summary of an :class:`~fairlens.Audit` (what ``fairlens audit`` prints)."""

from __future__ import annotations

from typing import Any

import numpy as np

from fairlens.auditing._four_fifths import FOUR_FIFTHS, four_fifths_rule

OVERALL_SHOWN = ("accuracy", "selection_rate", "tpr", "fpr", "auc", "brier")
"""Overall metrics of a binary audit shown on the first lines (other tasks show them all)."""
GROUP_SHOWN = ("selection_rate", "tpr", "fpr", "ppv", "accuracy", "auc")
"""Group metrics shown per group, where the task has them."""
MAX_GROUPS_LISTED = 8
"""Longest list of groups on one line of the four-fifths block."""


def _number(value: float | None) -> str:
    """A metric in six characters, ``-`` when undefined."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "   -  "
    return f"{value:6.3f}"


def _interval(low: float | None, high: float | None) -> str:
    return f"[{_number(low)},{_number(high)}]"


def summary_lines(audit: Any) -> list[str]:
    """Overall metrics, groups with CIs, disparities, ES/PSD and warnings of an ``Audit``.

    One string per line; ``"\\n".join`` gives the text ``fairlens audit`` prints.
    """
    task = audit.statistics.task
    lines = [f"FairLens audit: {audit.n_rows} rows, task {task}, "
             f"model {audit.primary.name!r}, threshold {audit.threshold:g}"]
    lines.append("overall: " + ", ".join(
        f"{k} {v:.3f}" for k, v in audit.primary.overall.items()
        if k in OVERALL_SHOWN or task != "binary"))
    lines += _group_lines(audit)
    lines += ["", "disparities (between groups; * = q < 0.05 vs reference):"]
    for _, row in audit.disparities.iterrows():
        if row["measure"].endswith(("_difference", "_ratio")) and not row["measure"].startswith(
                ("fpr_", "fnr_", "ppv_")):
            lines.append(f"  {row['grouping']:<24} {row['measure']:<32} {_number(row['value'])} "
                         f"{_interval(row['low'], row['high'])}")
    lines += _four_fifths_lines(audit)
    lines += ["", "equity-scaled metrics and performance-scaled disparities:"]
    for _, row in audit.equity.iterrows():
        lines.append(f"  {row['grouping']:<24} ES-{row['metric']:<10} {_number(row['es'])} "
                     f"{_interval(row['es_low'], row['es_high'])}  PSD std "
                     f"{_number(row['psd_std'])}  PSD max-min {_number(row['psd_max'])}")
    if audit.warnings:
        lines += ["", "warnings:"]
        lines.extend(f"  - {w}" for w in audit.warnings)
    return lines


def _group_lines(audit: Any) -> list[str]:
    """One block per grouping: a header and one line per group with each metric's CI."""
    frame = audit.by_group
    show = [m for m in GROUP_SHOWN if m in frame] or [
        c for c in frame.columns if c in audit.primary.overall][:4]
    lines: list[str] = []
    for grouping, part in frame.groupby("grouping", sort=False):
        lines += ["", f"{grouping}:"]
        lines.append(f"  {'group':<32} {'n':>7}  " + "  ".join(f"{m[:14]:>22}" for m in show))
        for _, row in part.iterrows():
            flag = " (small)" if row["small"] else (" (ref)" if row["reference"] else "")
            cells = []
            for m in show:
                lo, hi = row.get(f"{m}_low"), row.get(f"{m}_high")
                sig = "*" if row.get(f"{m}_significant") else " "
                ci = _interval(lo, hi) if lo is not None else " " * 15
                cells.append(f"{_number(row[m])}{sig}{ci}")
            lines.append(f"  {(str(row['group']) + flag)[:32]:<32} {row['n']:>7}  "
                         + "  ".join(cells))
    return lines


def _listed(names: list[str], groups: dict) -> str:
    shown = ", ".join(f"{g} {groups[g]['ratio']:.3f}" for g in names[:MAX_GROUPS_LISTED])
    more = len(names) - MAX_GROUPS_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _four_fifths_lines(audit: Any) -> list[str]:
    """The four-fifths rule per grouping: the comparison group, who fails and who passes."""
    groupings = [g for g in audit.primary.groupings if "selection_rate" in g.metrics]
    if not groupings:
        return []
    favorable = audit.spec.favorable
    outcome = "predicted positive" if favorable == "positive" else "predicted negative"
    lines = ["", f"four-fifths rule (EEOC; rate of the favorable outcome, {outcome}, divided by "
                 f"the highest rate; fails below {FOUR_FIFTHS:g}):"]
    for g in groupings:
        rule = four_fifths_rule([g.label(i) for i in range(len(g.labels))],
                                g.metrics["selection_rate"], g.n, g.include, favorable)
        if not rule["tested"]:
            lines.append(f"  {g.name:<24} not tested: {rule['reason']}")
            continue
        groups = rule["groups"]
        passing = sorted((k for k, e in groups.items() if e["passes"]
                          and k != rule["comparison_group"]), key=lambda k: groups[k]["ratio"])
        head = (f"  {g.name:<24} highest {rule['comparison_group']} "
                f"{rule['comparison_rate']:.3f}; ")
        parts = []
        if rule["failing_groups"]:
            parts.append("FAILS for " + _listed(rule["failing_groups"], groups))
        if passing:
            parts.append("passes for " + _listed(passing, groups))
        lines.append(head + ("; ".join(parts) or "the rule holds"))
    return lines

"""The :class:`Drift` result: windows with their audits, the detected changes, tables, JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens._json import json_safe
from fairlens.auditing import Audit, AuditOptions
from fairlens.data import AuditSpec
from fairlens.drift._text import change_sentence, measure_name, q_text, window_sentence
from fairlens.wording import fmt, fmt_ci, fmt_int

SCHEMA = "fairlens.drift/1"
_WINDOW_PARTS = ("overall", "overall_ci", "disparities", "equity_scaled",
                 "performance_scaled_disparity", "harmony")


@dataclass
class Window:
    """One window of the log and the audit of exactly its rows.

    Attributes
    ----------
    index : int
        Position in time order (0 is the first window).
    label : str
        The window for a person: ``"March 2026"``, ``"rows 1-10,000"``, ``"batch 7"``.
    start, end
        First and last moment (ISO dates for calendar windows).
    n : int
        Rows in the window.
    audit : Audit
        The audit of the window's rows alone (equal to ``fairlens.audit_spec`` on them).
    """

    index: int
    label: str
    start: Any
    end: Any
    n: int
    audit: Audit

    def to_dict(self) -> dict[str, Any]:
        """The window's part of the ``fairlens.drift/1`` document."""
        doc = self.audit.to_dict()
        out = {"index": self.index, "label": self.label, "start": self.start, "end": self.end,
               "n": self.n}
        out.update({k: doc[k] for k in _WINDOW_PARTS if k in doc})
        out["warnings"] = list(self.audit.warnings)
        return json_safe(out)


@dataclass
class Change:
    """A change found between two windows (a significant test, or a CUSUM alarm).

    Attributes
    ----------
    window : str
        The window where the change shows (its label).
    measure : str
        ``"tpr"``, ``"equal_opportunity_difference"``, ``"es_auc"`` ...
    grouping : str
    group : str or None
        The group for a group metric; ``None`` for a disparity or an equity-scaled metric.
    before, after : float
        The measure in the reference (baseline or previous window) and in ``window``.
    p_value, q_value : float
        The test's p-value and its Benjamini-Hochberg q-value (NaN for a CUSUM alarm).
    description : str
        One sentence for a person.
    reference : str
        ``"baseline"``, ``"previous"`` or ``"cusum"`` (an alarm of the sequential monitor).
    reference_label : str
        The window(s) compared with.
    window_index : int
    statistic : float
        The z statistic of the test, or the CUSUM statistic at the alarm.
    """

    window: str
    measure: str
    grouping: str
    group: str | None
    before: float
    after: float
    p_value: float
    q_value: float
    description: str
    reference: str
    reference_label: str
    window_index: int
    statistic: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form (one entry of ``changes``)."""
        return json_safe({k: getattr(self, k) for k in (
            "window", "window_index", "measure", "grouping", "group", "reference",
            "reference_label", "before", "after", "statistic", "p_value", "q_value",
            "description")})


@dataclass
class Drift:
    """Result of :func:`fairlens.drift.drift_spec`.

    Attributes
    ----------
    spec : AuditSpec
    options : AuditOptions
    window : str
        How the windows were cut (``"month"``, ``"rows:10000"`` ...).
    baseline : int or str
        The first ``k`` windows pooled (int), or the label of one reference window.
    baseline_label : str
        The baseline for a person.
    windows : list of Window
    tests : DataFrame
        Every test: window, reference, grouping, group, measure, before, after, z, p, q.
    changes : list of Change
        Significant tests (``q < alpha``) and, with ``sequential``, CUSUM alarms.
    alpha : float
    sequential : bool
    cusum : dict
        ``k``, ``h`` and the in-control average run length ``arl`` of the monitor.
    warnings : list of str
    """

    SCHEMA: ClassVar[str] = SCHEMA

    spec: AuditSpec
    options: AuditOptions
    window: str
    baseline: int | str
    baseline_label: str
    windows: list[Window]
    tests: pd.DataFrame
    changes: list[Change]
    alpha: float
    sequential: bool
    cusum: dict[str, float]
    warnings: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Window:
        """The last window."""
        return self.windows[-1]

    def frame(self) -> pd.DataFrame:
        """Long frame for plotting: one row per (window, grouping, group, measure).

        Columns ``window, window_index, start, grouping, group, measure, value, lo, hi``; group
        metrics have their group, disparities, ES (``es_<metric>``) and PSD
        (``psd_std_<metric>``, ``psd_max_<metric>``) have ``group`` None.
        """
        parts = []
        for w in self.windows:
            parts.extend(_window_rows(w))
        columns = ["window", "window_index", "start", "grouping", "group", "measure", "value",
                   "lo", "hi"]
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)[columns]

    def windows_frame(self) -> pd.DataFrame:
        """One row per window: index, label, start, end, n and the overall metrics."""
        return pd.DataFrame([{"window_index": w.index, "window": w.label, "start": w.start,
                              "end": w.end, "n": w.n, **w.audit.primary.overall}
                             for w in self.windows])

    def changes_frame(self) -> pd.DataFrame:
        """The detected changes as a table."""
        return pd.DataFrame([c.to_dict() for c in self.changes],
                            columns=["window", "window_index", "measure", "grouping", "group",
                                     "reference", "reference_label", "before", "after",
                                     "statistic", "p_value", "q_value", "description"])

    def tables(self) -> dict[str, pd.DataFrame]:
        """``windows``, ``series`` (:meth:`frame`), ``tests`` and ``changes``."""
        return {"windows": self.windows_frame(), "series": self.frame(),
                "tests": self.tests.copy(), "changes": self.changes_frame()}

    def summary_lines(self) -> list[str]:
        """The plain-text summary that ``fairlens drift`` prints."""
        first, last = self.windows[0], self.windows[-1]
        total = sum(w.n for w in self.windows)
        lines = [
            f"Fairness over time: {fmt_int(total)} rows in {len(self.windows)} window(s) by "
            f"{self.window}, from {first.label} to {last.label}; baseline {self.baseline_label}.",
            f"{fmt_int(len(self.tests))} tests against the baseline and the window before, "
            f"Benjamini-Hochberg adjusted together; a change is reported when q < "
            f"{fmt(self.alpha, 3)}.",
        ]
        if self.sequential:
            lines.append(
                f"CUSUM monitor on every series (k = {fmt(self.cusum['k'], 2)}, h = "
                f"{fmt(self.cusum['h'], 2)}): a false alarm about once every "
                f"{fmt_int(round(self.cusum['arl']))} windows for each series in control.")
        lines.append(f"Latest window: {window_sentence(last.label, last.n)}.")
        for g in last.audit.primary.groupings:
            for measure in ("equalized_odds_difference", "equal_opportunity_difference",
                            "demographic_parity_difference"):
                if measure in g.disparities:
                    lo, hi = g.disparity_ci.get(measure, (np.nan, np.nan))
                    lines.append(f"  {measure_name(measure)} ({g.name}): "
                                 f"{fmt_ci(g.disparities[measure], lo, hi)}")
        if not self.changes:
            lines.append("No change was detected.")
        else:
            lines.append(f"{len(self.changes)} change(s) detected:")
            lines.extend(f"  - {c.description}" for c in self.changes[:20])
            if len(self.changes) > 20:
                lines.append(f"  ... and {len(self.changes) - 20} more (see the JSON).")
        if self.warnings:
            lines.append("Warnings:")
            lines.extend(f"  - {w}" for w in self.warnings)
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``fairlens.drift/1``)."""
        return json_safe({
            "schema": SCHEMA,
            "time": self.spec.time,
            "window": self.window,
            "baseline": self.baseline,
            "baseline_label": self.baseline_label,
            "alpha": self.alpha,
            "tests": {"group_rates": "pooled two-proportion z-test (Yates-corrected where an "
                                     "expected count is below 5)",
                      "disparities": "z on the difference, bootstrap standard errors"
                      if self.options.bootstrap and self.options.ci == "bootstrap"
                      else "z on the difference, delta-method standard errors",
                      "correction": "Benjamini-Hochberg over all windows and measures",
                      "count": len(self.tests)},
            "sequential": {"enabled": self.sequential, **self.cusum},
            "spec": self.spec.to_dict(),
            "settings": {"min_group_size": self.options.min_group_size,
                         "bootstrap": self.options.bootstrap, "ci": self.options.ci,
                         "confidence_level": self.options.level, "seed": self.options.seed,
                         "reference": self.options.reference},
            "windows": [w.to_dict() for w in self.windows],
            "changes": [c.to_dict() for c in self.changes],
            "warnings": list(self.warnings),
        })


def _window_rows(w: Window) -> list[pd.DataFrame]:
    """The plotting rows of one window (group metrics, disparities, ES and PSD)."""
    out = []
    base = {"window": w.label, "window_index": w.index, "start": w.start}
    for g in w.audit.primary.groupings:
        labels = [g.label(i) for i in range(len(g.labels))]
        for m, values in g.metrics.items():
            lo, hi = g.ci.get(m, (np.full(len(values), np.nan), np.full(len(values), np.nan)))
            out.append(pd.DataFrame({**base, "grouping": g.name, "group": labels, "measure": m,
                                     "value": values, "lo": lo, "hi": hi}))
        rows = []
        for k, v in g.disparities.items():
            lo, hi = g.disparity_ci.get(k, (np.nan, np.nan))
            rows.append({**base, "grouping": g.name, "group": None, "measure": k, "value": v,
                         "lo": lo, "hi": hi})
        for m, e in g.equity.items():
            for key, name in (("es", f"es_{m}"), ("psd_std", f"psd_std_{m}"),
                              ("psd_max", f"psd_max_{m}")):
                lo, hi = e.get(f"{key}_ci", (np.nan, np.nan))
                rows.append({**base, "grouping": g.name, "group": None, "measure": name,
                             "value": e[key], "lo": lo, "hi": hi})
        if rows:
            out.append(pd.DataFrame(rows))
    return out


def make_changes(tests: pd.DataFrame, alarms: pd.DataFrame, *, alpha: float,
                 limit: float) -> list[Change]:
    """The reported changes: significant tests, then the CUSUM alarms, by window."""
    picked = tests[tests["q_value"] < alpha] if len(tests) else tests
    rows = picked.to_dict("records")
    for row in alarms.to_dict("records") if len(alarms) else []:
        row.update(p_value=np.nan, q_value=np.nan, limit=limit)
        rows.append(row)
    rows.sort(key=lambda r: (r["window_index"], r["reference"] == "cusum",
                             r["q_value"] if r["q_value"] == r["q_value"] else 2.0))
    out = []
    for r in rows:
        r["group"] = r["group"] if isinstance(r.get("group"), str) else None
        out.append(Change(
            window=r["window"], measure=r["measure"], grouping=r["grouping"],
            group=r["group"], before=float(r["before"]), after=float(r["after"]),
            p_value=float(r["p_value"]), q_value=float(r["q_value"]),
            description=change_sentence(r, alpha=alpha), reference=r["reference"],
            reference_label=r["reference_label"], window_index=int(r["window_index"]),
            statistic=float(r.get("statistic", r.get("z", np.nan)))))
    return out


__all__ = ["SCHEMA", "Change", "Drift", "Window", "make_changes", "q_text"]

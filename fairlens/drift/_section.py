"""The report's "Over time" section (registered in :mod:`fairlens.registry`), and the series
of one measure over the windows that the section and the Over time page draw.

The section runs when the mapping names a time column (``AuditSpec.time``): a table of the
windows with their key disparities, the detected changes in words and a chart of the measure
that changed most often, each with its 95% interval. Its window is "auto" by default (months,
or quarters beyond a year of months; see :func:`auto_window`), so that the report stays
readable and quick; the Over time page and ``fairlens drift`` cut any window.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.drift._api import drift_spec
from fairlens.drift._result import Drift
from fairlens.drift._text import measure_name
from fairlens.drift._windows import plan_windows
from fairlens.registry import Analysis, register
from fairlens.report._content import Figure, Section, frame_table
from fairlens.wording import fmt_ci, fmt_int, metric_label

MSG_NO_TIME = ("The Over time section needs a time column: map one (AuditSpec.time, CLI --time "
               "COL) with the dates, timestamps or batch ids of the predictions.")
KEY_MEASURES = ("equalized_odds_difference", "equal_opportunity_difference",
                "demographic_parity_difference")
MAX_CHANGES = 20
MAX_WINDOWS = 12
"""The report's "auto" window: months while there are at most this many, else quarters."""

Document = dict[str, Any]


@register
class OverTimeSection(Analysis):
    """Every window audited, and the changes that are real rather than noise."""

    family = "section"
    name = "over_time"
    title = "Over time"

    def __init__(self, window: str = "auto", baseline: int | str = 1) -> None:
        self.window = window
        self.baseline = baseline

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions) -> Drift:
        """:func:`~fairlens.drift.drift_spec` with the audit's ``options``.

        Raises
        ------
        FairLensInputError
            When ``spec`` has no time column, or the library cannot cut the windows.
        """
        if not spec.time:
            raise FairLensInputError(MSG_NO_TIME)
        window = auto_window(frame, spec.time) if self.window == "auto" else self.window
        return drift_spec(frame, spec, options=options, window=window, baseline=self.baseline)


def auto_window(frame: pd.DataFrame, time: str) -> str:
    """The report's window: months when there are at most :data:`MAX_WINDOWS` of them, else
    quarters (dates); each value when there are at most that many batches, else about
    :data:`MAX_WINDOWS` windows of consecutive rows (batch ids or numbers)."""
    try:
        if plan_windows(frame, time, "month").n_windows <= MAX_WINDOWS:
            return "month"
        return "quarter"
    except FairLensInputError:
        pass
    if frame[time].nunique(dropna=True) <= MAX_WINDOWS:
        return "batch"
    return f"rows:{max(2, -(-int(frame[time].notna().sum()) // MAX_WINDOWS))}"


# --- one measure over the windows --------------------------------------------------------


def measure_label(measure: str) -> str:
    """A series for a person: ``"TPR"``, ``"ES-AUC"``, ``"Harmony of AUC"``."""
    for prefix, words in (("harmony_", "Harmony of {}"), ("psd_std_", "PSD (std) of {}"),
                          ("psd_max_", "PSD (max - min) of {}")):
        if measure.startswith(prefix):
            return words.format(metric_label(measure[len(prefix):]))
    return measure_name(measure)


def _value(g: Any, measure: str, group: str | None) -> tuple[float, float, float, int | None]:
    """``(value, low, high, n)`` of a group metric (``group``) or a disparity/ES/harmony/PSD."""
    if group is not None:
        labels = [g.label(i) for i in range(len(g.labels))]
        if group not in labels or measure not in g.metrics:
            return np.nan, np.nan, np.nan, None
        i = labels.index(group)
        lo, hi = (g.ci[measure][0][i], g.ci[measure][1][i]) if measure in g.ci else (
            np.nan, np.nan)
        return g.metrics[measure][i], lo, hi, int(g.n[i])
    for prefix, key in (("harmony_", "harmony"), ("psd_std_", "psd_std"),
                        ("psd_max_", "psd_max"), ("es_", "es")):
        if measure.startswith(prefix) and measure[len(prefix):] in g.equity:
            e = g.equity[measure[len(prefix):]]
            lo, hi = e.get(f"{key}_ci", (np.nan, np.nan))
            return e.get(key, np.nan), lo, hi, None
    if measure in g.disparities:
        lo, hi = g.disparity_ci.get(measure, (np.nan, np.nan))
        return g.disparities[measure], lo, hi, None
    return np.nan, np.nan, np.nan, None


def group_series(drift: Drift, grouping: str, measure: str, groups: list[str],
                 window_range: tuple[int, int] | None = None) -> dict[str, pd.DataFrame]:
    """:func:`series` of a group metric for several groups (each window's labels read once)."""
    lo_w, hi_w = window_range if window_range is not None else (0, len(drift.windows) - 1)
    rows: dict[str, list[dict[str, Any]]] = {group: [] for group in groups}
    for w in drift.windows[lo_w: hi_w + 1]:
        g = next((x for x in w.audit.primary.groupings if x.name == grouping), None)
        where = {g.label(i): i for i in range(len(g.labels))} if g is not None else {}
        values = g.metrics.get(measure) if g is not None else None
        ci = g.ci.get(measure) if g is not None else None
        for group in groups:
            i = where.get(group)
            ok = i is not None and values is not None
            rows[group].append({
                "window_index": w.index, "window": w.label,
                "value": float(values[i]) if ok else np.nan,
                "lo": float(ci[0][i]) if ok and ci is not None else np.nan,
                "hi": float(ci[1][i]) if ok and ci is not None else np.nan,
                "n": int(g.n[i]) if ok else 0})
    columns = ["window_index", "window", "value", "lo", "hi", "n"]
    return {group: pd.DataFrame(r, columns=columns) for group, r in rows.items()}


def series(drift: Drift, grouping: str, measure: str, group: str | None = None,
           window_range: tuple[int, int] | None = None) -> pd.DataFrame:
    """One measure window by window: ``window_index, window, value, lo, hi, n``.

    ``group`` names the group of a group metric (``"tpr"``); None reads a disparity, ES
    (``es_<metric>``), harmony (``harmony_<metric>``) or PSD (``psd_std_<metric>``). NaN where a
    window lacks the grouping or the measure. ``window_range``: first and last window index.
    """
    lo_w, hi_w = window_range if window_range is not None else (0, len(drift.windows) - 1)
    rows = []
    for w in drift.windows[lo_w: hi_w + 1]:
        g = next((x for x in w.audit.primary.groupings if x.name == grouping), None)
        value, lo, hi, n = _value(g, measure, group) if g is not None else (
            np.nan, np.nan, np.nan, None)
        rows.append({"window_index": w.index, "window": w.label, "value": float(value),
                     "lo": float(lo), "hi": float(hi), "n": w.n if n is None else n})
    return pd.DataFrame(rows, columns=["window_index", "window", "value", "lo", "hi", "n"])


# --- the report section, from the JSON document -------------------------------------------


def _key_measures(doc: Document) -> list[tuple[str, str]]:
    """``(grouping, measure)`` of the table's disparities: the first key disparity of each
    single attribute (at most three, so that the table fits a page)."""
    first = (doc.get("windows") or [{}])[0].get("disparities") or {}
    out = []
    for g, disp in first.items():
        measure = next((m for m in KEY_MEASURES if m in disp), None)
        if measure and " x " not in g:
            out.append((g, measure))
    return out[:3]


def windows_frame(doc: Document) -> pd.DataFrame:
    """One row per window: rows, changes and the key disparities with intervals (text)."""
    counts = Counter(c.get("window") for c in doc.get("changes") or [])
    rows = []
    for w in doc.get("windows") or []:
        row = {"window": str(w.get("label")), "rows": fmt_int(w.get("n")),
               "changes": str(counts.get(w.get("label"), 0))}
        for grouping, measure in _key_measures(doc):
            disp = (w.get("disparities") or {}).get(grouping) or {}
            lo, hi = ((disp.get("ci") or {}).get(measure) or [None, None])[:2]
            row[f"{measure_label(measure)} ({grouping})"] = fmt_ci(disp.get(measure), lo, hi)
        rows.append(row)
    return pd.DataFrame(rows)


def _chart(doc: Document) -> Figure | None:
    """Bars per window of the key disparity of one attribute that changed most often (else
    the first key one)."""
    changed = Counter((c.get("grouping"), c.get("measure")) for c in doc.get("changes") or []
                      if c.get("group") is None and c.get("measure") in KEY_MEASURES
                      and " x " not in str(c.get("grouping")))  # one attribute reads best
    keys = _key_measures(doc)
    pick = changed.most_common(1)[0][0] if changed else (keys[0] if keys else None)
    if pick is None:
        return None
    grouping, measure = pick
    labels, values, low, high = [], [], [], []
    for w in doc.get("windows") or []:
        disp = (w.get("disparities") or {}).get(grouping) or {}
        lo, hi = ((disp.get("ci") or {}).get(measure) or [None, None])[:2]
        labels.append(str(w.get("label")))
        values.append(disp.get(measure))
        low.append(lo)
        high.append(hi)
    first = next((v for v in values if v is not None), None)
    name = measure_label(measure)
    return Figure("bars", f"{name} ({grouping}) by window, with 95% intervals (dashed: the "
                          f"first window)", {"labels": labels, "values": values, "low": low,
                                              "high": high, "line": first, "xlabel": name})


def over_time_section(doc: Document) -> Section:
    """The report's "Over time" section from a ``fairlens.drift/1`` document."""
    windows = doc.get("windows") or []
    changes = doc.get("changes") or []
    paragraphs = []
    if windows:
        paragraphs.append(
            f"{fmt_int(sum(int(w.get('n') or 0) for w in windows))} rows in {len(windows)} "
            f"windows by {doc.get('window', '?')} of the time column "
            f"{doc.get('time') or '(file order)'}, from {windows[0].get('label')} to "
            f"{windows[-1].get('label')}. Every window is tested against the baseline "
            f"({doc.get('baseline_label', 'the first window')}) and against the window before, "
            f"with Benjamini-Hochberg over all {fmt_int((doc.get('tests') or {}).get('count'))} "
            f"tests; a change is reported when q < {doc.get('alpha', 0.05)}.")
    paragraphs.append(f"{len(changes)} change(s) detected." if changes else
                      "No change was detected: the differences between windows are within "
                      "what chance alone produces.")
    bullets = [str(c.get("description")) for c in changes[:MAX_CHANGES]]
    if len(changes) > MAX_CHANGES:
        bullets.append(f"... and {len(changes) - MAX_CHANGES} more changes (see the JSON "
                       "document).")
    tables = []
    frame = windows_frame(doc)
    if len(frame):
        tables.append(frame_table(frame, "Windows: rows, detected changes and the key "
                                         "disparities [95% CI]"))
    chart = _chart(doc)
    figures = [chart] if chart is not None else []
    bullets += [f"Warning: {w}" for w in doc.get("warnings") or []]
    return Section("over_time", "Over time", paragraphs, bullets, tables=tables,
                   figures=figures)

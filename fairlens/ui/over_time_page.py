"""Streamlit glue of the Over time page: the drift analysis (cached), its series and charts,
the detected changes in words, and one window opened on the other pages.

Every number comes from :func:`fairlens.drift.drift_spec` (cached in :mod:`fairlens.ui._cache`,
so moving a slider over the windows never touches a row); the sentences of the changes are
the library's own.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fairlens.drift import Drift, model_comparison, plan_windows  # noqa: F401 - the page's
from fairlens.drift._compare import white_layout
from fairlens.drift._section import group_series, measure_label, series  # noqa: F401 - page
from fairlens.ui import _cache as C
from fairlens.ui import _session as S
from fairlens.ui._session import close_subset  # noqa: F401 - the page's
from fairlens.wording import fmt_ci, fmt_int, md, metric_label

PAGE = "pages/over_time.py"
W_WINDOW = "over_time_window"
W_ROWS = "over_time_rows"
W_BASELINE = "over_time_baseline"
W_GROUPING = "over_time_grouping"
W_METRIC = "over_time_metric"
W_GROUPS = "over_time_groups"
W_MEASURES = "over_time_measures"
W_RANGE = "over_time_range"
W_FOCUS = "over_time_focus"
W_OPEN = "over_time_open_window"
W_BACK = "over_time_back"
FRAGMENT = "over_time_results"

WINDOW_LABELS = {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter",
                 "rows": "Rows", "batch": "Batch"}
DEFAULT_METRICS = ("tpr", "selection_rate", "auc", "accuracy")
DEFAULT_MEASURES = ("equal_opportunity_difference", "equalized_odds_difference",
                    "demographic_parity_difference")
MAX_GROUPS_SHOWN = 6
PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777",
           "#65a30d", "#9333ea", "#ea580c")
NO_TIME = ("No time column is mapped, so there are no calendar periods or batches. On the "
           "**Data** page, open **Sample weights and time (optional)** and choose the column "
           "holding each prediction's date, timestamp or batch id, then apply the mapping. "
           "Until then you can cut the file into windows of a fixed number of rows, in file "
           "order (the **Rows** window below).")


def window_kinds(has_time: bool) -> list[str]:
    """The window kinds this mapping offers (only rows without a time column)."""
    return list(WINDOW_LABELS) if has_time else ["rows"]


def default_rows(n_rows: int) -> int:
    """Rows per window offered first: about twelve windows, at least 50 rows each."""
    return max(50, int(np.ceil(n_rows / 12)))


def window_text(kind: str, rows: int) -> str:
    """The library's window argument: ``"month"`` or ``"rows:N"``."""
    return f"rows:{int(rows)}" if kind == "rows" else kind


def compute(window: str, baseline: int) -> Drift:
    """The drift analysis of the active data under the applied mapping and the sidebar's
    settings (cached; raises :class:`FairLensInputError` as the library does)."""
    spec = S.current_spec()
    spec_json = json.dumps(spec.to_dict(), sort_keys=True, default=str)
    options = S.audit_options(spec)
    return C.drift(S.active().key, spec_json, window, int(baseline), C.options_key(options),
                   S.frame_loader())


def _grouping(drift: Drift, index: int, name: str) -> Any:
    return next((g for g in drift.windows[index].audit.primary.groupings if g.name == name),
                None)


def groupings(drift: Drift) -> list[str]:
    """The groupings of the analysis."""
    return [g.name for g in drift.windows[0].audit.primary.groupings]


def group_metrics(drift: Drift, grouping: str) -> list[str]:
    """The group metrics, the usual ones first."""
    g = _grouping(drift, 0, grouping)
    names = list(g.metrics) if g is not None else []
    return [m for m in DEFAULT_METRICS if m in names] + [m for m in names
                                                          if m not in DEFAULT_METRICS]


def disparity_measures(drift: Drift, grouping: str) -> list[str]:
    """Disparities, then ES, harmony and PSD of every equity metric."""
    g = _grouping(drift, 0, grouping)
    if g is None:
        return []
    out = [m for m in DEFAULT_MEASURES if m in g.disparities]
    out += [m for m in g.disparities if m not in out]
    for m in g.equity:
        out += [f"es_{m}", f"harmony_{m}", f"psd_std_{m}", f"psd_max_{m}"]
    return out


def group_sizes(drift: Drift, grouping: str) -> dict[str, int]:
    """Rows of each group over all windows, largest first."""
    sizes: dict[str, int] = {}
    for w in drift.windows:
        g = _grouping(drift, w.index, grouping)
        for i in range(len(g.labels)) if g is not None else []:
            sizes[g.label(i)] = sizes.get(g.label(i), 0) + int(g.n[i])
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


def default_groups(sizes: dict[str, int]) -> list[str]:
    """The groups drawn first: the largest ones holding at least 5% of the rows (at most
    :data:`MAX_GROUPS_SHOWN`; the two largest at least), so that tiny noisy groups do not
    hide the others."""
    total = sum(sizes.values()) or 1
    big = [g for g, n in sizes.items() if n >= 0.05 * total]
    return (big if len(big) >= 2 else list(sizes)[:2])[:MAX_GROUPS_SHOWN]


def _layout() -> dict[str, Any]:
    """:data:`fairlens.plots.LAYOUT` drawn without a template (plotly copies and validates a
    template on every figure, a tenth of a second each): the white theme set directly."""
    return white_layout()


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def timeline(lines: dict[str, pd.DataFrame], changes: list[Any], *, title: str) -> go.Figure:
    """Line chart with an interval band per series and the detected changes marked.

    ``lines``: series name -> :func:`series` frame; ``changes``: the
    :class:`~fairlens.drift.Change` objects of these series, keyed by the same name in
    ``change.series``-free form (see :func:`changes_of`).
    """
    fig = go.Figure(layout=_layout())
    for k, (name, s) in enumerate(lines.items()):
        color = PALETTE[k % len(PALETTE)]
        band = s.dropna(subset=["lo", "hi"])
        if len(band):
            fig.add_trace(go.Scatter(
                x=list(band["window"]) + list(band["window"][::-1]),
                y=list(band["hi"]) + list(band["lo"][::-1]), fill="toself",
                fillcolor=_rgba(color, 0.15), line=dict(width=0), hoverinfo="skip",
                showlegend=False, legendgroup=name))
        fig.add_trace(go.Scatter(
            x=s["window"], y=s["value"], mode="lines+markers", name=name, legendgroup=name,
            line=dict(color=color, width=2), marker=dict(size=5),
            customdata=np.stack([s["lo"], s["hi"], s["n"]], axis=-1),
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.3f}} [%{{customdata[0]:.3f}}, "
                          "%{customdata[1]:.3f}]<br>n = %{customdata[2]:,}<extra></extra>"))
    if changes:
        fig.add_trace(go.Scatter(
            x=[c.window for c in changes], y=[c.after for c in changes], mode="markers",
            name="detected change", marker=dict(symbol="x-thin", size=16, color="#111827",
                                                line=dict(width=3, color="#111827")),
            text=[c.description for c in changes],
            hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(height=420, margin=dict(l=90, r=10, t=36, b=40), title=title,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right",
                                  x=1), hovermode="closest")
    fig.update_xaxes(type="category", categoryorder="trace", tickangle=-45, automargin=True)
    return fig


def changes_of(drift: Drift, grouping: str, measures: list[str], groups: list[str | None],
               window_range: tuple[int, int]) -> list[Any]:
    """The detected changes of these series in the windows shown."""
    lo, hi = window_range
    keep = []
    for c in drift.changes:
        if c.grouping != grouping or not lo <= c.window_index <= hi:
            continue
        if c.measure in measures and c.group in groups:
            keep.append(c)
    return keep


def windows_table(drift: Drift, window_range: tuple[int, int]) -> pd.DataFrame:
    """One row per window shown: rows, its changes and the overall metrics with intervals."""
    counts: dict[int, int] = {}
    for c in drift.changes:
        counts[c.window_index] = counts.get(c.window_index, 0) + 1
    rows = []
    for w in drift.windows[window_range[0]: window_range[1] + 1]:
        r = w.audit.primary
        row = {"Window": w.label, "Rows": fmt_int(w.n), "Changes": counts.get(w.index, 0)}
        for m in ("selection_rate", "tpr", "auc", "accuracy"):
            if m in r.overall:
                lo, hi = r.overall_ci.get(m, (np.nan, np.nan))
                row[metric_label(m)] = fmt_ci(r.overall[m], lo, hi)
        rows.append(row)
    return pd.DataFrame(rows)


def window_rows(window: str, index: int) -> pd.DataFrame:
    """The rows of one window of the active data (in file order)."""
    frame = S.active_frame()
    plan = plan_windows(frame, S.current_spec().time, window)
    return frame[plan.codes == index]


def open_window(drift: Drift, index: int) -> None:
    """Make the rows of one window the active data: every page then audits that window."""
    w = drift.windows[index]
    rows = window_rows(drift.window, index)
    name = f"{S.active().name}, {w.label}"
    S.open_subset(rows.reset_index(drop=True), name)
    S.notify("success", f"Every page now audits **{md(name)}** only ({fmt_int(len(rows))} "
                        "rows); **Back to all rows** returns to the whole file.")


def summary(drift: Drift) -> str:
    """One paragraph: windows, tests and changes."""
    lines = drift.summary_lines()
    text = " ".join(md(line) for line in lines[:2])
    count = len(drift.changes)
    text += (" No change was detected." if not count else
             f" **{count} change{'s' if count > 1 else ''}** detected.")
    return text


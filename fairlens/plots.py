"""Plotly figure builders shared by the app's pages and (later) the report.

Every builder takes results the library computed (frames of :class:`fairlens.Audit`) and returns
a :class:`plotly.graph_objects.Figure`; none imports streamlit. Curves with many points are
thinned for display so that a million-row audit never sends a million points to the browser.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = [
    "PALETTE",
    "as_float",
    "calibration_curves",
    "calibration_frame",
    "group_metric_bars",
    "model_scatter",
    "roc_curves",
    "thin_curve",
]

PALETTE = (
    "#2563eb", "#ea580c", "#059669", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777",
    "#4b5563", "#65a30d", "#7c3aed", "#0d9488",
)
"""Group colours (colour-blind-friendly first six), reused in the same order in every figure."""

SMALL_COLOR = "#cbd5e1"
LAYOUT: dict[str, Any] = dict(
    template="plotly_white",
    font=dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=13),
    margin=dict(l=50, r=20, t=50, b=50),
    hoverlabel=dict(align="left"),
)
MAX_CURVE_POINTS = 300


def _label(metric: str, labels: dict[str, str] | None) -> str:
    return (labels or {}).get(metric, metric)


def as_float(value: Any) -> float:
    """``value`` as a float; NaN when it is not a number (None, text)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v


def group_colors(groups: list[str]) -> dict[str, str]:
    """A colour per group, in order."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}


def group_metric_bars(
    rows: pd.DataFrame,
    metrics: list[str],
    *,
    labels: dict[str, str] | None = None,
    line: dict[str, float] | None = None,
    line_label: str = "reference group",
    columns: int = 4,
    title: str | None = None,
    outline_reference: bool = True,
) -> go.Figure:
    """Horizontal bars of each metric by group, with 95% error bars and a reference line.

    Parameters
    ----------
    rows : DataFrame
        One row per group: ``group``, ``n``, ``small``, ``reference`` and, per metric, the value
        and optionally ``<metric>_low`` / ``<metric>_high``.
    metrics : list of str
        One panel per metric; panels share the group axis.
    labels : dict, optional
        Display names of the metrics.
    line : dict of str to float, optional
        Value of the dashed line per metric; default the reference group's value.
    line_label : str
        What the dashed line is (hover text).
    columns : int
        Panels per row.
    title : str, optional
    outline_reference : bool
        Outline the reference group's bars (off where the line is not the reference group).

    Returns
    -------
    plotly.graph_objects.Figure
        Small groups are drawn in grey, the reference group with a dark outline.
    """
    metrics = [m for m in metrics if m in rows]
    n_cols = max(1, min(columns, len(metrics)))
    n_rows = max(1, math.ceil(len(metrics) / n_cols))
    groups = [str(g) for g in rows["group"]]
    panel_height = max(200, 24 * len(groups) + 70)
    fig = make_subplots(rows=n_rows, cols=n_cols, shared_yaxes=True,
                        subplot_titles=[_label(m, labels) for m in metrics],
                        vertical_spacing=min(0.3, 70 / (panel_height * n_rows)),
                        horizontal_spacing=0.03)
    colors = group_colors(groups)
    small = rows["small"].astype(bool).to_numpy() if "small" in rows else np.zeros(len(rows), bool)
    is_ref = (rows["reference"].astype(bool).to_numpy() if "reference" in rows
              else np.zeros(len(rows), bool))
    top = 1.0
    shapes: list[dict[str, Any]] = []
    nan_column = pd.Series([np.nan] * len(rows))
    for k, m in enumerate(metrics):
        r, c = k // n_cols + 1, k % n_cols + 1
        values = np.array([as_float(v) for v in rows[m]])
        low = np.array([as_float(v) for v in rows.get(f"{m}_low", nan_column)])
        high = np.array([as_float(v) for v in rows.get(f"{m}_high", nan_column)])
        plus = np.where(np.isnan(high), 0.0, np.clip(high - values, 0, None))
        minus = np.where(np.isnan(low), 0.0, np.clip(values - low, 0, None))
        finite = np.concatenate([values[~np.isnan(values)], high[~np.isnan(high)]])
        if finite.size:
            top = max(top, float(finite.max()))
        ref_value = (line or {}).get(m)
        if ref_value is None and is_ref.any():
            ref_value = values[int(np.argmax(is_ref))]
        hover = []
        for g, v, lo, hi, n, s, ref in zip(groups, values, low, high, rows["n"], small, is_ref,
                                           strict=True):
            if np.isnan(v):
                hover.append(f"<b>{g}</b><br>{_label(m, labels)}: undefined")
                continue
            text = f"<b>{g}</b><br>{_label(m, labels)}: {v:.3f}"
            if not (np.isnan(lo) or np.isnan(hi)):
                text += f" [{lo:.3f}, {hi:.3f}]"
            text += f"<br>n = {int(n):,}"
            if ref_value is not None and not np.isnan(ref_value):
                text += f"<br>{line_label}: {ref_value:.3f}"
            hover.append(text + ("<br>small group" if s else "") +
                         ("<br>reference group" if ref else ""))
        fig.add_trace(go.Bar(
            y=groups, x=np.nan_to_num(values, nan=0.0), orientation="h",
            marker=dict(color=[SMALL_COLOR if s else colors[g]
                               for g, s in zip(groups, small, strict=True)],
                        line=dict(color=["#111827" if ref and outline_reference
                                         else "rgba(0,0,0,0)" for ref in is_ref], width=2)),
            error_x=dict(type="data", array=plus, arrayminus=minus, visible=True,
                         color="#374151", thickness=1.2, width=3),
            hovertext=hover, hoverinfo="text", showlegend=False, name=_label(m, labels),
        ), row=r, col=c)
        if ref_value is not None and not np.isnan(ref_value):
            suffix = "" if k == 0 else str(k + 1)
            shapes.append(dict(type="line", xref=f"x{suffix}", yref=f"y{suffix} domain",
                               x0=float(ref_value), x1=float(ref_value), y0=0, y1=1,
                               line=dict(color="#111827", dash="dash", width=1.2)))
    fig.update_xaxes(range=[0, 1.0 if top <= 1.0 else top * 1.05], gridcolor="#e5e7eb",
                     tickformat=".1f")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(**LAYOUT, height=panel_height * n_rows + 60, bargap=0.3, shapes=shapes,
                      title=dict(text=title) if title else None)
    fig.update_layout(margin=dict(l=10, r=20, t=40, b=30))
    return fig


def thin_curve(frame: pd.DataFrame, max_points: int = MAX_CURVE_POINTS) -> pd.DataFrame:
    """At most ``max_points`` evenly spaced rows of a curve, first and last kept."""
    if len(frame) <= max_points:
        return frame
    idx = np.unique(np.linspace(0, len(frame) - 1, max_points).round().astype(int))
    return frame.iloc[idx]


def roc_curves(roc: pd.DataFrame, *, small: set[str] | None = None,
               auc: dict[str, float] | None = None,
               max_points: int = MAX_CURVE_POINTS) -> go.Figure:
    """ROC curve of each group.

    Parameters
    ----------
    roc : DataFrame
        :meth:`fairlens.Audit.roc` (``group, fpr, tpr``).
    small : set of str, optional
        Groups below the minimum size (dotted, hidden until clicked in the legend).
    auc : dict, optional
        AUC per group, shown in the legend.
    max_points : int
        Points per curve sent to the browser.
    """
    fig = go.Figure()
    groups = list(dict.fromkeys(roc["group"].astype(str)))
    colors = group_colors(groups)
    for g in groups:
        part = thin_curve(roc[roc["group"].astype(str) == g], max_points)
        name = g + (f" (AUC {auc[g]:.3f})" if auc and g in auc and not np.isnan(auc[g]) else "")
        fig.add_trace(go.Scatter(
            x=part["fpr"], y=part["tpr"], mode="lines", name=name,
            line=dict(color=colors[g], width=2, dash="dot" if small and g in small else "solid"),
            visible="legendonly" if small and g in small else True,
            hovertemplate=f"<b>{g}</b><br>FPR %{{x:.3f}}<br>TPR %{{y:.3f}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance",
                             line=dict(color="#9ca3af", dash="dash", width=1), hoverinfo="skip"))
    fig.update_layout(**LAYOUT, height=420, title=dict(text="ROC curve by group"),
                      xaxis=dict(title="False-positive rate", range=[0, 1], gridcolor="#e5e7eb"),
                      yaxis=dict(title="True-positive rate", range=[0, 1.02],
                                 gridcolor="#e5e7eb"),
                      legend=dict(orientation="v", x=1.02, y=0.5))
    return fig


def calibration_frame(audit: Any, grouping: str | None = None, model: str | None = None, *,
                      max_values: int = 20) -> pd.DataFrame | None:
    """Observed positive rate against mean score per score bin, for every group.

    The numbers are :meth:`fairlens.Audit.calibration`'s; this name is kept for the pages.
    """
    return audit.calibration(grouping, model, max_values=max_values)


def calibration_curves(frame: pd.DataFrame, *, probability: bool = True,
                       small: set[str] | None = None, score_label: str = "Mean score") -> go.Figure:
    """Calibration curve of each group (observed positive rate against score).

    Parameters
    ----------
    frame : DataFrame
        :func:`calibration_frame`.
    probability : bool
        Draw the diagonal of perfect calibration (scores that are probabilities).
    small : set of str, optional
        Groups below the minimum size (dotted, hidden until clicked in the legend).
    score_label : str
        Title of the x axis.
    """
    fig = go.Figure()
    groups = list(dict.fromkeys(frame["group"].astype(str)))
    colors = group_colors(groups)
    for g in groups:
        part = frame[frame["group"].astype(str) == g]
        fig.add_trace(go.Scatter(
            x=part["mean_score"], y=part["observed"], mode="lines+markers", name=g,
            line=dict(color=colors[g], width=2, dash="dot" if small and g in small else "solid"),
            visible="legendonly" if small and g in small else True,
            customdata=np.asarray(part["weight"]),
            hovertemplate=(f"<b>{g}</b><br>score %{{x:.3f}}<br>observed positive rate "
                           "%{y:.3f}<br>n = %{customdata:,.0f}<extra></extra>")))
    if probability:
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                                 line=dict(color="#9ca3af", dash="dash", width=1),
                                 hoverinfo="skip"))
    fig.update_layout(**LAYOUT, height=420, title=dict(text="Calibration by group"),
                      xaxis=dict(title=score_label, gridcolor="#e5e7eb",
                                 range=[0, 1] if probability else None),
                      yaxis=dict(title="Observed positive rate", range=[0, 1.02],
                                 gridcolor="#e5e7eb"),
                      legend=dict(orientation="v", x=1.02, y=0.5))
    return fig


def model_scatter(compare: pd.DataFrame, metric: str, grouping: str, *,
                  label: str | None = None) -> go.Figure | None:
    """Majority-group against minority-group performance, one point per model.

    Parameters
    ----------
    compare : DataFrame
        :meth:`fairlens.Audit.compare_models`.
    metric : str
    grouping : str
    label : str, optional
        Display name of the metric.

    Returns
    -------
    plotly.graph_objects.Figure or None
        None when the comparison has no majority/minority columns for this grouping.
    """
    x_col, y_col = f"{metric} majority [{grouping}]", f"{metric} minority [{grouping}]"
    if x_col not in compare or y_col not in compare:
        return None
    name = label or metric
    x = compare[x_col].astype(float).to_numpy()
    y = compare[y_col].astype(float).to_numpy()
    finite = np.concatenate([x[~np.isnan(x)], y[~np.isnan(y)]])
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    pad = max(0.02, (hi - lo) * 0.15)
    lo, hi = lo - pad, hi + pad
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="equal performance",
                             line=dict(color="#9ca3af", dash="dash", width=1), hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="markers+text", text=compare["model"].astype(str), name="models",
        textposition="top center", marker=dict(size=13, color=PALETTE[0]),
        hovertemplate=(f"<b>%{{text}}</b><br>{name} majority %{{x:.3f}}<br>{name} minority "
                       "(mean of other groups) %{y:.3f}<extra></extra>")))
    fig.update_layout(**LAYOUT, height=420, showlegend=False,
                      title=dict(text=f"{name}: largest group vs the other groups ({grouping})"),
                      xaxis=dict(title=f"{name} of the largest group", range=[lo, hi],
                                 gridcolor="#e5e7eb"),
                      yaxis=dict(title=f"{name}, mean of the other groups", range=[lo, hi],
                                 gridcolor="#e5e7eb"))
    return fig


# --- how the app shows a figure (the report draws its own) ---

CHART_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "displayModeBar": "hover",
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}
"""Plotly's ``config`` for every chart on a page: the toolbar only while the pointer is over
the chart, without the logo and the selection tools."""
TOOLBAR_ROOM_PX = 34
"""Height of the band at the top of a chart where plotly's toolbar appears on hover: titles
start below it (:func:`leave_room_for_toolbar`)."""


def leave_room_for_toolbar(fig: go.Figure) -> go.Figure:
    """Move a figure's title (and its subplot titles, with the top margin) below the band
    where plotly's toolbar appears, so that the toolbar never covers them. Changes ``fig``
    in place and returns it."""
    layout = fig.layout
    title = layout.title.text if layout.title is not None else None
    top = layout.margin.t if layout.margin is not None and layout.margin.t is not None else 50
    annotations = [a for a in (layout.annotations or ()) if a.yref == "paper" and
                   a.y is not None and a.y >= 1]
    need = top
    if title:
        fig.update_layout(title=dict(yref="container", y=1, yanchor="top",
                                     pad=dict(t=TOOLBAR_ROOM_PX)))
        need = max(top, TOOLBAR_ROOM_PX + 30 + (22 if annotations else 0))
    elif annotations:
        need = max(top, TOOLBAR_ROOM_PX + 22)
    if need != top:
        fig.update_layout(margin=dict(t=need))
    return fig

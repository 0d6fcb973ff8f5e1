"""Plotly figures of label-issue results (no streamlit): group rates, before/after, quality.

Each builder takes frames that :mod:`fairlens.labels` computed and returns a
:class:`plotly.graph_objects.Figure`; nothing here computes a rate or a test.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fairlens.plots import LAYOUT as _BASE_LAYOUT
from fairlens.plots import PALETTE, SMALL_COLOR

SIGNIFICANT_COLOR = "#dc2626"
LOWER_COLOR = "#0d9488"
# The shared figure style, with room for the longer titles of these charts.
LAYOUT: dict[str, Any] = {**_BASE_LAYOUT, "margin": dict(l=50, r=30, t=60, b=50)}
VARIANT_STYLE: dict[str, tuple[str, str, str]] = {
    "before": ("Original labels", "#0f172a", "circle"),
    "exclusion": ("Suspected errors excluded", PALETTE[1], "diamond"),
    "relabel": ("Suspected errors relabelled", PALETTE[2], "square"),
    "review": ("Reviewed corrections", PALETTE[3], "star"),
}
MAX_HISTOGRAM_ROWS = 200_000


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def issue_rate_bars(rows: pd.DataFrame, *, overall: float | None = None,
                    title: str | None = None) -> go.Figure:
    """Label-issue rate per group as horizontal bars with 95% Wilson intervals.

    Parameters
    ----------
    rows : DataFrame
        The rows of one grouping of :attr:`fairlens.labels.LabelIssues.by_group`.
    overall : float, optional
        Overall issue rate, drawn as a dashed line.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Red bars: significantly higher than the reference group, teal bars: significantly lower
        (BH q < 0.05); grey bars: groups below the minimum size; the reference group has a dark
        outline.
    """
    rows = rows.reset_index(drop=True)
    groups = [str(g) for g in rows["group"]]
    rate = np.array([_num(v) for v in rows["rate"]])
    low = np.array([_num(v) for v in rows["rate_low"]])
    high = np.array([_num(v) for v in rows["rate_high"]])
    small = rows["small"].astype(bool).to_numpy()
    sig = rows["significant"].astype(bool).to_numpy()
    ref = rows["reference"].astype(bool).to_numpy()
    higher = rows["difference_to_reference"].to_numpy(dtype=float) > 0
    colors = [SMALL_COLOR if s else (SIGNIFICANT_COLOR if h else LOWER_COLOR) if g
              else PALETTE[0] for s, g, h in zip(small, sig, higher, strict=True)]
    hover = []
    for _, r in rows.iterrows():
        q = _num(r["q_value"])
        test = ("reference group" if r["reference"] else
                "below the minimum size: not tested" if r["small"] else
                f"vs reference: q = {q:.3g}{' (significant)' if r['significant'] else ''}")
        hover.append(
            f"<b>{r['group']}</b><br>n = {int(r['n']):,}<br>flagged = {int(r['n_issues']):,}"
            f"<br>rate = {_num(r['rate']):.2%} [{_num(r['rate_low']):.2%}, "
            f"{_num(r['rate_high']):.2%}]<br>mean label quality = "
            f"{_num(r['mean_quality']):.3f}<br>{test}")
    fig = go.Figure(go.Bar(
        x=rate, y=groups, orientation="h", marker=dict(
            color=colors, line=dict(color=["#0f172a" if r else "rgba(0,0,0,0)" for r in ref],
                                    width=2)),
        error_x=dict(type="data", symmetric=False,
                     array=np.where(np.isnan(high), 0, np.clip(high - rate, 0, None)),
                     arrayminus=np.where(np.isnan(low), 0, np.clip(rate - low, 0, None)),
                     color="#334155", thickness=1.5, width=4),
        hovertext=hover, hoverinfo="text", name="label-issue rate"))
    label_x = np.where(np.isnan(high), rate, np.fmax(high, rate))
    fig.add_trace(go.Scatter(
        x=label_x, y=groups, mode="text", textposition="middle right", cliponaxis=False,
        text=[f"  {v:.1%}{' *' if s else ''}" for v, s in zip(rate, sig, strict=True)],
        textfont=dict(color="#334155"), hoverinfo="skip", showlegend=False))
    if overall is not None and not math.isnan(overall):
        fig.add_vline(x=overall, line=dict(color="#64748b", dash="dash"),
                      annotation_text=f"all rows {overall:.1%}", annotation_position="top")
    top = float(np.nanmax(np.concatenate([high, rate, [overall or 0]]))) if len(rate) else 1
    fig.update_layout(**LAYOUT, height=max(220, 38 * len(groups) + 110), showlegend=False,
                      title=title, bargap=0.35)
    fig.update_xaxes(title="Share of rows flagged as probable label errors", tickformat=".0%",
                     range=[0, max(top * 1.3, 0.01)], rangemode="tozero")
    fig.update_yaxes(autorange="reversed", title=None)
    return fig


def fairness_comparison_chart(table: pd.DataFrame, grouping: str, *,
                              variants: list[str] | None = None) -> go.Figure:
    """Key disparities of one grouping in each audit: points with 95% intervals.

    Parameters
    ----------
    table : DataFrame
        :attr:`fairlens.labels.LabelFairness.table`.
    grouping : str
    variants : list of str, optional
        Audits to draw (default every one in the table).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    part = table[table["grouping"] == grouping].reset_index(drop=True)
    variants = variants or [v for v in VARIANT_STYLE if v in part.columns]
    labels = part["label"].astype(str).tolist()
    fig = go.Figure()
    n = len(variants)
    for i, variant in enumerate(variants):
        name, color, symbol = VARIANT_STYLE[variant]
        values = part[variant].to_numpy(dtype=float)
        low = part.get(f"{variant}_low", pd.Series(np.nan, index=part.index)).to_numpy(float)
        high = part.get(f"{variant}_high", pd.Series(np.nan, index=part.index)).to_numpy(float)
        offset = (i - (n - 1) / 2) * 0.18
        y = np.arange(len(labels)) + offset
        fig.add_trace(go.Scatter(
            x=values, y=y, mode="markers", name=name,
            marker=dict(color=color, symbol=symbol, size=10, line=dict(color="white", width=1)),
            error_x=dict(type="data", symmetric=False,
                         array=np.where(np.isnan(high), 0, np.clip(high - values, 0, None)),
                         arrayminus=np.where(np.isnan(low), 0, np.clip(values - low, 0, None)),
                         color=color, thickness=1.2, width=3),
            customdata=np.column_stack([labels, low, high]),
            hovertemplate="<b>%{customdata[0]}</b><br>" + name +
                          ": %{x:.3f} [%{customdata[1]:.3f}, %{customdata[2]:.3f}]"
                          "<extra></extra>"))
    fig.update_layout(**LAYOUT, height=max(260, 70 * len(labels) + 120),
                      legend=dict(orientation="h", y=-0.12, x=0),
                      title=f"Disparities by {grouping}: original vs corrected labels")
    fig.update_yaxes(tickvals=list(range(len(labels))), ticktext=labels, autorange="reversed",
                     showgrid=False)
    fig.update_xaxes(title="Value (95% interval)", zeroline=True)
    return fig


def quality_histogram(quality: np.ndarray, issues: np.ndarray, *,
                      seed: int = 0) -> go.Figure:
    """Distribution of label-quality scores, flagged rows against the rest.

    Above 200,000 rows a seeded random subsample of that size is drawn (the shapes do not
    change; the counts on the axis are then of the subsample, which the title says).
    """
    quality = np.asarray(quality, dtype=float)
    issues = np.asarray(issues, dtype=bool)
    title = "Label quality of every row"
    if len(quality) > MAX_HISTOGRAM_ROWS:
        pick = np.random.default_rng(seed).choice(len(quality), MAX_HISTOGRAM_ROWS,
                                                  replace=False)
        quality, issues = quality[pick], issues[pick]
        title += f" (random sample of {MAX_HISTOGRAM_ROWS:,} rows)"
    fig = go.Figure()
    bins = dict(start=0.0, end=1.0, size=0.02)
    fig.add_trace(go.Histogram(x=quality[~issues], xbins=bins, name="not flagged",
                               marker_color=PALETTE[0], opacity=0.75))
    fig.add_trace(go.Histogram(x=quality[issues], xbins=bins, name="flagged",
                               marker_color=SIGNIFICANT_COLOR, opacity=0.85))
    fig.update_layout(**LAYOUT, barmode="overlay", height=320, title=title,
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right",
                                  yanchor="bottom"))
    fig.update_xaxes(title="Label quality (lower: more likely mislabeled)", range=[0, 1])
    fig.update_yaxes(title="Rows (log scale)", type="log", dtick=1)
    return fig

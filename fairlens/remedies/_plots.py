"""Figures of the remedies (plotly; no streamlit): the trade-off scatter and learning curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fairlens.plots import LAYOUT, PALETTE, group_colors

_METHOD_COLORS = {"original": "#111827", "unweighted": "#6b7280", "thresholds": PALETTE[0],
                  "reweigh": PALETTE[1], "expgrad": PALETTE[2], "fis": PALETTE[3],
                  "febs": PALETTE[4]}
_MEASURE_WORDS = {"equalized_odds_difference": "equalized-odds difference",
                  "demographic_parity_difference": "demographic-parity difference",
                  "equal_opportunity_difference": "equal-opportunity difference"}


def _err(value: pd.Series, low: pd.Series, high: pd.Series) -> tuple[list, list]:
    plus = (high - value).clip(lower=0).fillna(0).tolist()
    minus = (value - low).clip(lower=0).fillna(0).tolist()
    return plus, minus


def tradeoff_figure(points: pd.DataFrame, *, measure: str, attribute: str) -> go.Figure:
    """Held-out accuracy against the disparity, one point per remedy and setting, with 95%
    intervals on both axes; the Pareto front (no other point is both more accurate and
    fairer) is joined by a line and its points are outlined.

    Parameters
    ----------
    points : DataFrame
        :attr:`fairlens.remedies.TradeOff.points`.
    measure : str
        The disparity on the x axis (audit-JSON name).
    attribute : str
    """
    fig = go.Figure()
    front = points[points["pareto"]].sort_values("disparity")
    if len(front) >= 2:
        fig.add_trace(go.Scatter(x=front["disparity"], y=front["accuracy"], mode="lines",
                                 name="Pareto front", hoverinfo="skip",
                                 line=dict(color="#9ca3af", width=2, dash="dot")))
    for _, row in points.iterrows():
        color = _METHOD_COLORS.get(row["method"], PALETTE[5])
        xp, xm = _err(pd.Series([row["disparity"]]), pd.Series([row["disparity_low"]]),
                      pd.Series([row["disparity_high"]]))
        yp, ym = _err(pd.Series([row["accuracy"]]), pd.Series([row["accuracy_low"]]),
                      pd.Series([row["accuracy_high"]]))
        symbol = "diamond" if row["method"] in ("original", "unweighted") else "circle"
        fig.add_trace(go.Scatter(
            x=[row["disparity"]], y=[row["accuracy"]], mode="markers",
            name=row["label"] + (" (Pareto)" if row["pareto"] else ""),
            marker=dict(size=14 if row["pareto"] else 11, color=color, symbol=symbol,
                        line=dict(color="#111827" if row["pareto"] else "white",
                                  width=2 if row["pareto"] else 1)),
            error_x=dict(type="data", array=xp, arrayminus=xm, color=color, thickness=1),
            error_y=dict(type="data", array=yp, arrayminus=ym, color=color, thickness=1),
            hovertemplate=(f"<b>{row['label']}</b><br>accuracy %{{y:.3f}} "
                           f"[{row['accuracy_low']:.3f}, {row['accuracy_high']:.3f}]<br>"
                           f"disparity %{{x:.3f}} [{row['disparity_low']:.3f}, "
                           f"{row['disparity_high']:.3f}]<extra></extra>")))
    words = _MEASURE_WORDS.get(measure, measure)
    fig.update_layout(**LAYOUT, height=480,
                      title=dict(text=f"Accuracy vs {words} ({attribute}), held-out rows"),
                      xaxis=dict(title=f"{words} ({attribute}) - lower is fairer",
                                 gridcolor="#e5e7eb", rangemode="tozero"),
                      yaxis=dict(title="accuracy - higher is better", gridcolor="#e5e7eb"),
                      legend=dict(orientation="v", x=1.02, y=1, font=dict(size=11)))
    return fig


def learning_curve_figure(curves: pd.DataFrame, *, metric: str, attribute: str,
                          include_small: bool = False) -> go.Figure:
    """Held-out metric of each group against its number of training rows (log scale), with
    intervals. Groups below the minimum group size (whose intervals span most of the axis)
    are left out unless ``include_small``; when shown they are dashed."""
    fig = go.Figure()
    if not include_small and (~curves["small"]).any():
        curves = curves[~curves.groupby("group")["small"].transform("last")]
    groups = list(dict.fromkeys(curves["group"]))
    colors = group_colors(groups)
    for g in groups:
        part = curves[curves["group"] == g].sort_values("n_train")
        small = bool(part["small"].iloc[-1])
        plus, minus = _err(part["metric"], part["low"], part["high"])
        fig.add_trace(go.Scatter(
            x=part["n_train"], y=part["metric"], mode="lines+markers", name=str(g),
            line=dict(color=colors[g], dash="dash" if small else "solid"),
            error_y=dict(type="data", array=plus, arrayminus=minus, thickness=1),
            hovertemplate=f"<b>{g}</b><br>training rows %{{x:,}}<br>{metric} %{{y:.3f}}"
                          "<extra></extra>"))
    fig.update_layout(**LAYOUT, height=420,
                      title=dict(text=f"Held-out {metric} by {attribute} as training data grows"),
                      xaxis=dict(title="training rows of the group (log scale)", type="log",
                                 gridcolor="#e5e7eb"),
                      yaxis=dict(title=metric, gridcolor="#e5e7eb"))
    if np.isfinite(curves["metric"].astype(float)).any():
        fig.update_yaxes(rangemode="normal")
    return fig

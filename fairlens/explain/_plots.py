"""Figures of an explanation: importances, the gap waterfall, dependence by group (plotly)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fairlens.plots import LAYOUT, group_colors

MAX_DEPENDENCE_GROUPS = 8


def importance_bars(explanation, *, attribute: str | None = None, top: int = 15) -> go.Figure:
    """Mean |SHAP| per feature: overall, or one bar per group of ``attribute`` side by side."""
    feats = list(explanation.importance.index[:top])[::-1]
    fig = go.Figure()
    if attribute and attribute in explanation.importance_by_group:
        table = explanation.importance_by_group[attribute]
        colors = group_colors([str(g) for g in table.index])
        for g, row in table.iterrows():
            fig.add_bar(y=feats, x=[row[f] for f in feats], name=str(g), orientation="h",
                        marker_color=colors[str(g)])
        fig.update_layout(barmode="group", legend_title_text=attribute)
    else:
        fig.add_bar(y=feats, x=[explanation.importance[f] for f in feats], orientation="h",
                    marker_color="#2563eb", name="all rows")
    fig.update_layout(**LAYOUT, height=max(300, 28 * len(feats) + 120),
                      xaxis_title=f"mean |SHAP value| ({explanation.model.output})")
    return fig


def gap_waterfall(gap, *, top: int = 12) -> go.Figure:
    """Waterfall from group b's mean output to group a's: one step per feature."""
    items = sorted(gap.contributions.items(), key=lambda kv: -abs(kv[1]))
    shown, rest = items[:top], items[top:]
    names = [gap.group_b + " (mean)"] + [f for f, _ in shown]
    values = [gap.mean_b] + [v for _, v in shown]
    measures = ["absolute"] + ["relative"] * len(shown)
    if rest:
        names.append(f"{len(rest)} other features")
        values.append(float(sum(v for _, v in rest)))
        measures.append("relative")
    names.append(gap.group_a + " (mean)")
    values.append(gap.mean_a)
    measures.append("total")
    fig = go.Figure(go.Waterfall(
        x=names, y=values, measure=measures, orientation="v",
        increasing={"marker": {"color": "#dc2626"}}, decreasing={"marker": {"color": "#2563eb"}},
        totals={"marker": {"color": "#4b5563"}},
        text=[f"{v:+.3f}" if m == "relative" else f"{v:.3f}" for v, m in zip(values, measures,
                                                                           strict=True)],
        textposition="outside"))
    fig.update_layout(**LAYOUT, height=420, showlegend=False,
                      yaxis_title=f"mean {gap.output}",
                      title=f"{gap.attribute}: {gap.group_a} minus {gap.group_b} = "
                            f"{gap.gap:+.4f}")
    return fig


def dependence_plot(explanation, feature: str, *, attribute: str | None = None) -> go.Figure:
    """SHAP value of ``feature`` against its value, one colour per group."""
    data = explanation.dependence(feature, attribute)
    fig = go.Figure()
    numeric = pd.api.types.is_numeric_dtype(data["value"])
    groups = (data["group"].value_counts().index.tolist()[:MAX_DEPENDENCE_GROUPS]
              if "group" in data else ["all rows"])
    colors = group_colors(groups)
    rng = np.random.default_rng(0)
    for g in groups:
        part = data[data["group"] == g] if "group" in data else data
        x = part["value"] if numeric else part["value"].astype(str)
        if numeric and x.nunique() < 30:  # jitter discrete values so the points separate
            x = x + rng.uniform(-0.15, 0.15, len(x)) * (np.nanstd(data["value"]) / 10 or 0.1)
        fig.add_scatter(x=x, y=part["shap"], mode="markers", name=str(g),
                        marker=dict(color=colors[g], size=5, opacity=0.6))
    fig.update_layout(**LAYOUT, height=420, xaxis_title=feature,
                      yaxis_title=f"SHAP value of {feature}",
                      legend_title_text=attribute or explanation.attribute or "")
    return fig


def row_bars(row) -> go.Figure:
    """One row's SHAP values next to its LIME weights (same features)."""
    table = row.table().iloc[::-1]
    fig = go.Figure()
    fig.add_bar(y=table["feature"], x=table["shap"], orientation="h", name="SHAP value",
                marker_color="#2563eb")
    fig.add_bar(y=table["feature"], x=table["lime_weight"], orientation="h",
                name="LIME weight", marker_color="#ea580c")
    fig.update_layout(**LAYOUT, barmode="group", height=max(300, 40 * len(table) + 100))
    return fig

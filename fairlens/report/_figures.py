"""Charts of the report: interactive plotly for HTML, static matplotlib PNGs for PDF.

Both draw the same :class:`~fairlens.report._content.Figure` requests. Per-group bars reuse
:func:`fairlens.plots.group_metric_bars`, the app's own figure.
"""

from __future__ import annotations

import html
import io
import math
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from fairlens.plots import LAYOUT, as_float, group_metric_bars
from fairlens.report._content import Figure
from fairlens.wording import measure_label

BLUE, GREY, DARK = "#2563eb", "#cbd5e1", "#111827"


def _errors(values: list[Any], low: list[Any] | None, high: list[Any] | None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    v = np.array([as_float(x) for x in values])
    lo = np.array([as_float(x) for x in (low or [None] * len(v))])
    hi = np.array([as_float(x) for x in (high or [None] * len(v))])
    minus = np.where(np.isnan(lo), 0.0, np.clip(v - lo, 0, None))
    plus = np.where(np.isnan(hi), 0.0, np.clip(hi - v, 0, None))
    return v, minus, plus


# --- plotly (HTML) ---------------------------------------------------------------------------


def plotly_figure(fig: Figure) -> Any:
    """A plotly figure for ``fig``; text from the data is HTML-escaped for plotly's labels."""
    import plotly.graph_objects as go

    if fig.kind == "group_bars":
        rows = pd.DataFrame(fig.data["rows"])
        rows["group"] = [html.escape(str(g)) for g in rows["group"]]
        out = group_metric_bars(rows, fig.data["metrics"],
                                      labels={m: measure_label(m) for m in fig.data["metrics"]})
        return out
    if fig.kind == "disparities":
        rows = fig.data["rows"]
        names = [html.escape(str(r["label"])) for r in rows]
        v, minus, plus = _errors([r["value"] for r in rows], [r["low"] for r in rows],
                                 [r["high"] for r in rows])
        out = go.Figure(go.Scatter(
            x=v, y=names, mode="markers", marker=dict(color=BLUE, size=9),
            error_x=dict(type="data", array=plus, arrayminus=minus, color="#374151"),
            hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
        out.add_vline(x=0, line=dict(color=DARK, dash="dash", width=1))
        out.update_yaxes(autorange="reversed", automargin=True)
        out.update_layout(**LAYOUT)
        out.update_layout(height=max(220, 34 * len(rows) + 80), xaxis_title="value",
                          margin=dict(l=10, r=20, t=20, b=40))
        return out
    labels = [html.escape(str(x)) for x in fig.data["labels"]]
    v, minus, plus = _errors(fig.data["values"], fig.data.get("low"), fig.data.get("high"))
    out = go.Figure(go.Bar(
        x=np.nan_to_num(v), y=labels, orientation="h", marker=dict(color=BLUE),
        error_x=dict(type="data", array=plus, arrayminus=minus, color="#374151"),
        hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    line = fig.data.get("line")
    if line is not None and not math.isnan(as_float(line)):
        out.add_vline(x=float(line), line=dict(color=DARK, dash="dash", width=1.2))
    out.update_yaxes(autorange="reversed", automargin=True)
    out.update_layout(**LAYOUT)
    out.update_layout(height=max(220, 30 * len(labels) + 80),
                      xaxis_title=fig.data.get("xlabel", ""),
                      margin=dict(l=10, r=20, t=20, b=40))
    return out


# --- matplotlib (PDF) ------------------------------------------------------------------------


GROUP_LABEL_WIDTH = 28
"""Longest group label (characters) beside a per-group chart of the PDF."""
MEASURE_LABEL_WIDTH = 40
"""Longest label beside the other charts of the PDF."""
_PART_WIDTHS = (14, 11, 8, 5)
_MIN_PREFIX = 4
_SEP = " x "


def _unique_prefix(value: str, others: list[str]) -> str | None:
    """The shortest prefix of ``value`` (at least a few characters) that starts no other
    value, or None when there is none shorter than ``value``."""
    for n in range(_MIN_PREFIX, len(value)):
        prefix = value[:n]
        if prefix.endswith((" ", "-")):
            continue
        if not any(o != value and o.startswith(prefix) for o in others):
            return prefix + "."
    return None


def _abbreviated(names: list[str], width: int) -> tuple[list[str], dict[str, str]] | None:
    """Intersection names (``a x b x c``) with their long parts cut to a distinct prefix
    (the same cut for a value wherever it occurs), when that makes every label fit."""
    parts = [n.split(_SEP) for n in names]
    if len({len(p) for p in parts}) != 1 or len(parts[0]) < 2:
        return None
    positions = [sorted({p[k] for p in parts}) for k in range(len(parts[0]))]
    for part_width in _PART_WIDTHS:
        short: list[dict[str, str]] = []
        for values in positions:
            cut = {}
            for v in values:
                prefix = _unique_prefix(v, values) if len(v) > part_width else None
                cut[v] = prefix if prefix and len(prefix) < len(v) else v
            if len(set(cut.values())) < len(cut):
                return None
            short.append(cut)
        labels = [_SEP.join(short[k][v] for k, v in enumerate(p)) for p in parts]
        if all(len(label) <= width for label in labels):
            legend = {a: v for cut in short for v, a in cut.items() if a != v}
            return labels, legend
    return None


def short_labels(names: list[str], width: int = GROUP_LABEL_WIDTH
                 ) -> tuple[list[str], dict[str, str]]:
    """Axis labels that fit ``width`` characters and stay distinct, and the legend of the
    abbreviations they use (abbreviation -> full name; empty when nothing was shortened).

    Intersections get their long parts cut to a distinct prefix (``Afri. x Female x Grea.``
    with ``Afri. = African-American``); other long names wrap onto two lines; names that
    still do not fit are numbered, and the legend gives each number's name.
    """
    names = [str(n) for n in names]
    if all(len(n) <= width for n in names):
        return names, {}
    cut = _abbreviated(names, width)
    if cut is not None:
        return cut
    wrapped = [textwrap.wrap(n, width, break_on_hyphens=False) or [n] for n in names]
    labels = ["\n".join(lines) for lines in wrapped]
    if all(len(lines) <= 2 for lines in wrapped) and len(set(labels)) == len(labels):
        return labels, {}
    numbered = [n if len(n) <= width else f"({i}) {n[:width - 9]}..."
                for i, n in enumerate(names, start=1)]
    legend = {f"({i})": n for i, n in enumerate(names, start=1) if len(n) > width}
    return numbered, legend


def figure_labels(fig: Figure) -> tuple[list[str], dict[str, str]]:
    """The axis labels of ``fig`` in the PDF, and the legend of their abbreviations."""
    if fig.kind == "group_bars":
        return short_labels([str(r["group"]) for r in fig.data["rows"]], GROUP_LABEL_WIDTH)
    if fig.kind == "disparities":
        return short_labels([str(r["label"]) for r in fig.data["rows"]], MEASURE_LABEL_WIDTH)
    return short_labels([str(x) for x in fig.data["labels"]], MEASURE_LABEL_WIDTH)


def legend_text(legend: dict[str, str]) -> str:
    """The legend of a chart's abbreviated labels, as one line under it."""
    return "Abbreviations: " + "; ".join(f"{a} = {full}" for a, full in legend.items()) + "."


def matplotlib_png(fig: Figure, *, width_in: float = 7.0, dpi: int = 150) -> tuple[bytes, float]:
    """``fig`` drawn with matplotlib (Agg): PNG bytes and the aspect ratio height / width.

    Text from the data is drawn as plain text (matplotlib's mathtext is switched off for it).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "axes.spines.top": False,
                         "axes.spines.right": False})
    if fig.kind == "group_bars":
        rows = fig.data["rows"]
        metrics = fig.data["metrics"]
        names, _ = figure_labels(fig)
        n = len(rows)
        lines = max(label.count("\n") + 1 for label in names) if names else 1
        height = max(1.6, (0.22 + 0.12 * (lines - 1)) * n + 0.9)
        f, axes = plt.subplots(1, len(metrics), figsize=(width_in, height), sharey=True,
                               squeeze=False)
        y = np.arange(n)
        for ax, m in zip(axes[0], metrics, strict=True):
            v, minus, plus = _errors([r.get(m) for r in rows], [r.get(f"{m}_low") for r in rows],
                                     [r.get(f"{m}_high") for r in rows])
            colors = [GREY if r.get("small") else BLUE for r in rows]
            ax.barh(y, np.nan_to_num(v), xerr=[minus, plus], color=colors,
                    edgecolor=[DARK if r.get("reference") else "none" for r in rows],
                    error_kw=dict(ecolor="#374151", lw=0.8, capsize=1.5), height=0.65)
            ref = [r.get(m) for r in rows if r.get("reference")]
            if ref and not math.isnan(as_float(ref[0])):
                ax.axvline(as_float(ref[0]), color=DARK, ls="--", lw=0.8)
            ax.set_title(measure_label(m), fontsize=8)
            ax.set_xlim(0, 1)
            ax.grid(axis="x", color="#e5e7eb", lw=0.5)
        axes[0][0].set_yticks(y, names)
        for t in axes[0][0].get_yticklabels():
            t.set_usetex(False)
        axes[0][0].invert_yaxis()
    else:
        if fig.kind == "disparities":
            rows = fig.data["rows"]
            v, minus, plus = _errors([r["value"] for r in rows], [r["low"] for r in rows],
                                     [r["high"] for r in rows])
        else:
            v, minus, plus = _errors(fig.data["values"], fig.data.get("low"),
                                     fig.data.get("high"))
        names, _ = figure_labels(fig)
        lines = max(label.count("\n") + 1 for label in names) if names else 1
        height = max(1.5, (0.28 + 0.14 * (lines - 1)) * len(names) + 0.8)
        f, ax = plt.subplots(figsize=(width_in, height))
        y = np.arange(len(names))
        if fig.kind == "disparities":
            ax.errorbar(v, y, xerr=[minus, plus], fmt="o", color=BLUE, ecolor="#374151",
                        ms=4, lw=0.9, capsize=2)
            ax.axvline(0, color=DARK, ls="--", lw=0.8)
        else:
            ax.barh(y, np.nan_to_num(v), xerr=[minus, plus], color=BLUE, height=0.6,
                    error_kw=dict(ecolor="#374151", lw=0.8, capsize=2))
            line = fig.data.get("line")
            if line is not None and not math.isnan(as_float(line)):
                ax.axvline(as_float(line), color=DARK, ls="--", lw=0.9)
            ax.set_xlabel(str(fig.data.get("xlabel", "")))
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.grid(axis="x", color="#e5e7eb", lw=0.5)
    for text in f.findobj(match=lambda o: hasattr(o, "set_parse_math")):
        text.set_parse_math(False)
    f.tight_layout()
    buffer = io.BytesIO()
    f.savefig(buffer, format="png", dpi=dpi)
    w, h = f.get_size_inches()
    plt.close(f)
    return buffer.getvalue(), float(h / w)

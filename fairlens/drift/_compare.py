"""Several models side by side: rankings by the overall metric, by ES and by harmony, and the
majority-vs-minority performance curve across models.

Sources: "Accuracy on the Curve" (across models, a minority group's performance is a non-linear,
often moon-shaped function of the majority group's performance) and "The Flaw of Averages"
(report harmony beside the average). The "models" are the score columns of one audit, or the
windows of a :class:`~fairlens.drift.Drift` (the same model at different times).

For every pair (the largest group, another group at or above the minimum size) each model is a
point ``(M_majority, M_minority)``. Across the models two least-squares curves are fitted,
``y = a + b x`` and ``y = a + b x + c x^2``; the better one is the one with the lower AIC
(``n ln(RSS / n) + 2k``, ``k`` coefficients), with the adjusted R^2 of both shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from fairlens._json import json_safe
from fairlens.auditing import Audit, AuditOptions, audit_spec
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.wording import fmt, measure_label

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from fairlens.drift._result import Drift

SCHEMA = "fairlens.models/1"
MIN_POINTS = {"linear": 3, "quadratic": 4}
"""Fewest models for a fit with a defined adjusted R^2 (n > k)."""
CLEAR_AIC = 2.0
"""An AIC difference below this is no clear preference (Burnham and Anderson's rule)."""

MSG_ONE_MODEL = ("A comparison needs at least two models: map two or more score (or predicted "
                 "label) columns, one per model, or compare the windows of a drift analysis.")
MSG_METRIC = ("{metric!r} has no ES or harmony in this audit; choose one of {choices} (metrics "
              "where higher is better).")
MSG_GROUPING = "Unknown grouping {grouping!r}; the groupings are {choices}."


@dataclass
class CurveFit:
    """A least-squares curve of minority on majority performance across models.

    Attributes
    ----------
    kind : {"linear", "quadratic"}
    coefficients : list of float
        ``[a, b]`` or ``[a, b, c]`` of ``a + b x (+ c x^2)``; empty when there are too few
        models.
    n : int
        Points (models) fitted.
    rss, r2, adj_r2, aic : float
        Residual sum of squares, R^2, adjusted R^2 and AIC (NaN when undefined).
    """

    kind: str
    coefficients: list[float]
    n: int
    rss: float
    r2: float
    adj_r2: float
    aic: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The curve at ``x`` (NaN without coefficients)."""
        x = np.asarray(x, dtype=np.float64)
        if not self.coefficients:
            return np.full(x.shape, np.nan)
        return sum(c * x ** i for i, c in enumerate(self.coefficients))

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return json_safe({"kind": self.kind, "coefficients": self.coefficients, "n": self.n,
                          "rss": self.rss, "r2": self.r2, "adj_r2": self.adj_r2,
                          "aic": self.aic})


def fit_curve(x: np.ndarray, y: np.ndarray, kind: str) -> CurveFit:
    """Least-squares fit of ``y`` on ``x`` (``kind`` ``"linear"`` or ``"quadratic"``).

    Points with a NaN coordinate are left out. With fewer than :data:`MIN_POINTS` points the
    fit has no coefficients and NaN statistics.
    """
    if kind not in MIN_POINTS:
        raise FairLensInputError(f"kind must be 'linear' or 'quadratic'; got {kind!r}.")
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    n, k = len(x), 2 if kind == "linear" else 3
    if n < MIN_POINTS[kind] or np.ptp(x) == 0:
        return CurveFit(kind, [], n, math.nan, math.nan, math.nan, math.nan)
    design = np.vander(x, k, increasing=True)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    rss = float(np.sum((y - design @ coef) ** 2))
    tss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - rss / tss if tss > 0 else math.nan
    adj = 1.0 - (1.0 - r2) * (n - 1) / (n - k) if tss > 0 else math.nan
    # An exact fit has RSS 0 and AIC -inf; a floor keeps the comparison finite.
    aic = n * math.log(max(rss, 1e-300) / n) + 2 * k
    return CurveFit(kind, [float(c) for c in coef], n, rss, r2, adj, aic)


@dataclass
class PairFit:
    """The majority-vs-minority curve of one pair of groups across the models."""

    grouping: str
    majority: str
    minority: str
    linear: CurveFit
    quadratic: CurveFit

    @property
    def better(self) -> str | None:
        """``"linear"`` or ``"quadratic"`` (lower AIC), None when either fit is undefined."""
        if math.isnan(self.linear.aic) or math.isnan(self.quadratic.aic):
            return None
        return "quadratic" if self.quadratic.aic < self.linear.aic else "linear"

    @property
    def clear(self) -> bool:
        """True when one fit is clearly better (AIC apart by at least :data:`CLEAR_AIC`)."""
        return self.better is not None and abs(self.delta_aic) >= CLEAR_AIC

    @property
    def delta_aic(self) -> float:
        """AIC of the linear fit minus that of the quadratic one (positive: quadratic better)."""
        return self.linear.aic - self.quadratic.aic

    def sentence(self, metric: str, what: str = "models") -> str:
        """Which curve fits better and by how much, for a person (``what``: "models" or
        "windows"). AIC values within :data:`CLEAR_AIC` of each other are called as good."""
        name = measure_label(metric)
        head = (f"{name} of {self.minority} against {self.majority} ({self.grouping}), "
                f"{self.linear.n} {what}")
        if self.better is None:
            need = MIN_POINTS["quadratic"]
            return f"{head}: too few {what} to compare a line with a curve (at least {need})."
        worse = "linear" if self.better == "quadratic" else "quadratic"
        fits = {"linear": self.linear, "quadratic": self.quadratic}
        r2 = (f"adjusted R\u00b2 {fmt(fits[self.better].adj_r2)} for the {self.better} fit, "
              f"{fmt(fits[worse].adj_r2)} for the {worse} one")
        gap = fmt(abs(self.delta_aic), 2)
        if abs(self.delta_aic) < CLEAR_AIC:
            return (f"{head}: a line and a curve fit about as well (their AIC differ by {gap}, "
                    f"less than {fmt(CLEAR_AIC, 0)}; {r2}).")
        return f"{head}: the {self.better} fit is better (AIC lower by {gap}; {r2})."

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return json_safe({"grouping": self.grouping, "majority": self.majority,
                          "minority": self.minority, "linear": self.linear.to_dict(),
                          "quadratic": self.quadratic.to_dict(), "better": self.better,
                          "delta_aic": self.delta_aic})


@dataclass
class ModelComparison:
    """Models ranked side by side and the majority-vs-minority curves.

    Attributes
    ----------
    metric : str
        The compared metric (one where higher is better: AUC, accuracy ...).
    source : {"models", "windows"}
        Score columns of one audit, or the windows of a drift analysis.
    ranking : DataFrame
        One row per model: ``model``, ``n``, ``overall``, then ``es``, ``harmony`` per
        grouping (columns ``es [grouping]``, ``harmony [grouping]``) and the ranks
        ``rank_overall``, ``rank_es``, ``rank_harmony`` (first grouping; 1 is best).
    points : DataFrame
        One row per (model, pair): ``model, grouping, majority, minority, x, y, n_minority``.
    fits : list of PairFit
    warnings : list of str
    """

    SCHEMA: ClassVar[str] = SCHEMA

    metric: str
    source: str
    ranking: pd.DataFrame
    points: pd.DataFrame
    fits: list[PairFit]
    warnings: list[str] = field(default_factory=list)

    def fit(self, grouping: str, minority: str) -> PairFit:
        """The curve of one pair."""
        for f in self.fits:
            if f.grouping == grouping and f.minority == minority:
                return f
        raise FairLensInputError(f"No pair {minority!r} in {grouping!r}.")

    def tables(self) -> dict[str, pd.DataFrame]:
        """``ranking``, ``points`` and ``fits``."""
        rows = [{"grouping": f.grouping, "majority": f.majority, "minority": f.minority,
                 "n_models": f.linear.n, "linear_adj_r2": f.linear.adj_r2,
                 "quadratic_adj_r2": f.quadratic.adj_r2, "linear_aic": f.linear.aic,
                 "quadratic_aic": f.quadratic.aic, "better": f.better,
                 "delta_aic": f.delta_aic} for f in self.fits]
        return {"ranking": self.ranking.copy(), "points": self.points.copy(),
                "fits": pd.DataFrame(rows)}

    def summary_lines(self) -> list[str]:
        """The comparison in words, one string per line."""
        name = measure_label(self.metric)
        what = "windows" if self.source == "windows" else "models"
        lines = [f"{len(self.ranking)} {what} compared on {name}."]
        ranking = self.ranking
        for col, label in (("rank_overall", f"overall {name}"), ("rank_es", f"ES-{name}"),
                           ("rank_harmony", "harmony")):
            if col in ranking and ranking[col].notna().any():
                best = ranking.sort_values(col).iloc[0]
                lines.append(f"Best by {label}: {best['model']}.")
        lines.extend(f.sentence(self.metric, what) for f in self.fits)
        lines.extend(f"Warning: {w}" for w in self.warnings)
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``fairlens.models/1``)."""
        return json_safe({"schema": SCHEMA, "metric": self.metric, "source": self.source,
                          "ranking": self.ranking.to_dict("records"),
                          "points": self.points.to_dict("records"),
                          "fits": [f.to_dict() for f in self.fits],
                          "warnings": list(self.warnings)})

    def figure(self, grouping: str | None = None) -> go.Figure:
        """Majority-vs-minority scatter with both fitted curves (plotly), for one grouping."""
        import plotly.graph_objects as go

        grouping = grouping or (self.fits[0].grouping if self.fits else None)
        fig = go.Figure(layout=white_layout())
        fits = [f for f in self.fits if f.grouping == grouping]
        palette = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"]
        points = self.points[self.points["grouping"] == grouping]
        for i, f in enumerate(fits):
            color = palette[i % len(palette)]
            part = points[points["minority"] == f.minority]
            fig.add_trace(go.Scatter(
                x=part["x"], y=part["y"], mode="markers", name=f"{f.minority}",
                marker=dict(color=color, size=9), text=part["model"],
                hovertemplate="%{text}<br>majority %{x:.3f}<br>minority %{y:.3f}<extra></extra>"))
            xs = part["x"].dropna()
            if len(xs) >= 2:
                grid = np.linspace(xs.min(), xs.max(), 60)
                for fitted, dash in ((f.linear, "dot"), (f.quadratic, "solid")):
                    if fitted.coefficients:
                        best = " (better)" if f.clear and f.better == fitted.kind else ""
                        fig.add_trace(go.Scatter(
                            x=grid, y=fitted.predict(grid), mode="lines",
                            line=dict(color=color, dash=dash, width=1.6),
                            name=f"{f.minority}: {fitted.kind}{best}", hoverinfo="skip"))
        both = pd.concat([points["x"], points["y"]]).dropna()
        if len(both):
            lo, hi = float(both.min()), float(both.max())
            fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="equal",
                                     line=dict(color="#9ca3af", dash="dash", width=1),
                                     hoverinfo="skip"))
        majority = fits[0].majority if fits else "largest group"
        fig.update_layout(height=420, margin=dict(l=10, r=10, t=30, b=40),
                          xaxis_title=f"{measure_label(self.metric)} of {majority} (majority)",
                          yaxis_title=f"{measure_label(self.metric)} of the other group")
        return fig


def white_layout() -> dict[str, Any]:
    """:data:`fairlens.plots.LAYOUT` with the white theme set directly instead of through the
    ``plotly_white`` template, which plotly copies and validates for every figure (a tenth of
    a second each; the Over time page draws several per slider move)."""
    from fairlens.plots import LAYOUT

    axis = dict(gridcolor="#EBF0F8", linecolor="#EBF0F8", zerolinecolor="#EBF0F8",
                ticks="", automargin=True)
    return {**{k: v for k, v in LAYOUT.items() if k != "template"}, "template": {},
            "plot_bgcolor": "white", "paper_bgcolor": "white", "xaxis": axis,
            "yaxis": dict(axis), "colorway": ["#636efa", "#EF553B", "#00cc96", "#ab63fa"]}


def _default_metric(audit: Audit) -> str:
    metrics = list(dict.fromkeys(audit.equity["metric"])) if len(audit.equity) else []
    if not metrics:
        raise FairLensInputError("This audit has no metric where higher is better (AUC, "
                                 "accuracy or a per-sample metric) to compare models on.")
    return "auc" if "auc" in metrics else metrics[0]


def _entries(source: Audit | Drift) -> tuple[str, list[tuple[str, int, Any]]]:
    """``(kind, [(name, n, ModelResult)])`` of the models or windows of ``source``."""
    if isinstance(source, Audit):
        return "models", [(name, source.n_rows, r) for name, r in source.models.items()]
    return "windows", [(w.label, w.n, w.audit.primary) for w in source.windows]


def model_comparison(source: Audit | Drift, *, metric: str | None = None,
                     grouping: str | None = None,
                     groups: list[str] | None = None) -> ModelComparison:
    """Compare the models of an audit (its score columns) or the windows of a drift analysis.

    Parameters
    ----------
    source : Audit or Drift
        An audit with two or more models, or a :class:`~fairlens.drift.Drift` (each window
        is a point).
    metric : str, optional
        A metric where higher is better (default: AUC when available, else accuracy).
    grouping : str, optional
        Only this grouping (default: every grouping).
    groups : list of str, optional
        Only these groups as the minority of a pair (default: every group at or above the
        minimum size); the majority is always the largest group.

    Raises
    ------
    FairLensInputError
        With fewer than two models, or an unknown metric or grouping.
    """
    kind, entries = _entries(source)
    if len(entries) < 2:
        raise FairLensInputError(MSG_ONE_MODEL)
    first_audit = source if isinstance(source, Audit) else source.windows[0].audit
    metric = metric or _default_metric(first_audit)
    known = list(dict.fromkeys(first_audit.equity["metric"])) if len(first_audit.equity) else []
    if metric not in known:
        raise FairLensInputError(MSG_METRIC.format(metric=metric, choices=", ".join(known)))
    names = [g.name for g in entries[0][2].groupings]
    if grouping is not None and grouping not in names:
        raise FairLensInputError(MSG_GROUPING.format(grouping=grouping, choices=", ".join(names)))
    wanted = [grouping] if grouping else names
    rows, points, warnings = [], [], []
    majority: dict[str, str] = {}
    for name, n, result in entries:
        row: dict[str, Any] = {"model": name, "n": n, "overall": result.overall.get(metric)}
        for g in result.groupings:
            if g.name not in wanted:
                continue
            e = g.equity.get(metric, {})
            row[f"es [{g.name}]"] = e.get("es", math.nan)
            row[f"harmony [{g.name}]"] = e.get("harmony", math.nan)
            labels = [g.label(i) for i in range(len(g.labels))]
            if g.name not in majority:  # the largest group of the first model or window
                majority[g.name] = labels[int(np.argmax(g.n))]
            if majority[g.name] not in labels:
                continue
            top = labels.index(majority[g.name])
            values = g.metrics[metric]
            for i, label in enumerate(labels):
                if i != top and g.include[i] and (groups is None or label in groups):
                    points.append({"model": name, "grouping": g.name,
                                   "majority": majority[g.name], "minority": label,
                                   "x": float(values[top]), "y": float(values[i]),
                                   "n_minority": int(g.n[i])})
        rows.append(row)
    ranking = pd.DataFrame(rows)
    first = wanted[0]
    for col, key in (("rank_overall", "overall"), ("rank_es", f"es [{first}]"),
                     ("rank_harmony", f"harmony [{first}]")):
        if key in ranking:
            ranking[col] = ranking[key].rank(ascending=False, method="min")
    point_frame = pd.DataFrame(points, columns=["model", "grouping", "majority", "minority",
                                                "x", "y", "n_minority"])
    fits = []
    for (g_name, minority), part in point_frame.groupby(["grouping", "minority"], sort=False):
        fits.append(PairFit(g_name, majority[g_name], str(minority),
                            fit_curve(part["x"], part["y"], "linear"),
                            fit_curve(part["x"], part["y"], "quadratic")))
    if any(f.better is None for f in fits):
        warnings.append(f"Some pairs have fewer than {MIN_POINTS['quadratic']} models with a "
                        f"defined {measure_label(metric)}: their curves are not compared.")
    return ModelComparison(metric=metric, source=kind, ranking=ranking, points=point_frame,
                           fits=fits, warnings=warnings)


def compare_spec(frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions | None = None,
                 metric: str | None = None, grouping: str | None = None) -> ModelComparison:
    """Audit ``frame`` (two or more score columns in ``spec``) and compare its models."""
    return model_comparison(audit_spec(frame, spec, options=options), metric=metric,
                            grouping=grouping)

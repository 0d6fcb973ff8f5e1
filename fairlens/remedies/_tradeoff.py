"""The trade-off view: every remedy and setting as held-out accuracy vs disparity, with the
Pareto front."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens import registry
from fairlens._json import json_safe
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.remedies._api import Method, remedy_spec, resolve_method
from fairlens.remedies._base import Remedy
from fairlens.remedies._common import (
    DEFAULT_CONSTRAINT,
    DEFAULT_TOLERANCE,
    MEASURE,
    TRADEOFF_SCHEMA,
    Progress,
)
from fairlens.remedies._methods import METHODS
from fairlens.remedies._result import RemedyResult
from fairlens.wording import fmt_ci, names


def pareto_mask(accuracy: np.ndarray, disparity: np.ndarray) -> np.ndarray:
    """True for the points no other point beats on both axes (higher accuracy, lower
    disparity; ties are kept)."""
    acc = np.asarray(accuracy, dtype=float)
    gap = np.asarray(disparity, dtype=float)
    keep = np.zeros(len(acc), dtype=bool)
    for i in range(len(acc)):
        if math.isnan(acc[i]) or math.isnan(gap[i]):
            continue
        better = (acc >= acc[i]) & (gap <= gap[i]) & ((acc > acc[i]) | (gap < gap[i]))
        keep[i] = not np.any(better)
    return keep


def _point(label: str, method: str, setting: str, audit, attribute: str, measure: str
           ) -> dict[str, Any]:
    acc = float(audit.overall["accuracy"])
    lo, hi = audit.primary.overall_ci.get("accuracy", (np.nan, np.nan))
    table = audit.disparities
    row = table[(table["grouping"] == attribute) & (table["measure"] == measure)]
    if len(row):
        gap, glo, ghi = (float(row[c].iloc[0]) for c in ("value", "low", "high"))
    else:
        gap = glo = ghi = float("nan")
    return {"label": label, "method": method, "setting": setting, "accuracy": acc,
            "accuracy_low": float(lo), "accuracy_high": float(hi), "disparity": gap,
            "disparity_low": glo, "disparity_high": ghi}


@dataclass
class TradeOff:
    """All remedies and settings as points of held-out accuracy vs disparity.

    Attributes
    ----------
    points : DataFrame
        ``label, method, setting, accuracy, accuracy_low/high, disparity, disparity_low/high,
        pareto`` (one row per remedy and setting, plus the original predictions and the
        learners retrained without fairness weights).
    results : dict of str to RemedyResult
        By point label.
    sentences : list of str
        One per remedy (its default setting).
    errors : dict of str to str
        Remedies that could not run, with the reason (the others still ran).
    constraint, attribute, measure : str
    """

    points: pd.DataFrame
    results: dict[str, RemedyResult]
    sentences: list[str]
    errors: dict[str, str]
    constraint: str
    attribute: str
    measure: str
    tolerance: float
    split: dict[str, Any] = field(default_factory=dict)

    SCHEMA: ClassVar[str] = TRADEOFF_SCHEMA

    @property
    def warnings(self) -> list[str]:
        """The remedies that could not run, each with its reason."""
        return [f"{name}: {message}" for name, message in self.errors.items()]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``points``: one row per remedy and setting."""
        return {"points": self.points}

    def summary_lines(self) -> list[str]:
        """Plain text: every point with its intervals, the sentences, what could not run."""
        lines = [f"FairLens remedy trade-off: {self.measure} ({self.attribute}) against "
                 f"held-out accuracy, constraint {self.constraint}, tolerance "
                 f"{self.tolerance:g}", ""]
        for p in self.points.itertuples():
            lines.append(f"  {p.label:<58} accuracy "
                         f"{fmt_ci(p.accuracy, p.accuracy_low, p.accuracy_high)}, disparity "
                         f"{fmt_ci(p.disparity, p.disparity_low, p.disparity_high)}"
                         + (" (Pareto front)" if p.pareto else ""))
        if self.sentences:
            lines += [""] + list(self.sentences)
        if self.warnings:
            lines += ["", "not run:"] + [f"  - {w}" for w in self.warnings]
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON document (schema ``fairlens.remedy_tradeoff/1``)."""
        return {"schema": TRADEOFF_SCHEMA, "constraint": self.constraint,
                "attribute": self.attribute, "measure": self.measure,
                "tolerance": self.tolerance, "split": self.split,
                "points": json_safe(self.points.to_dict(orient="records")),
                "sentences": list(self.sentences), "errors": dict(self.errors),
                "remedies": {k: r.to_dict() for k, r in self.results.items()}}


_SKIPPED = {"features": "needs feature columns (map them on the Data page / --features)",
            "score": "needs a score column"}


def _skip_reason(remedy: Remedy, spec: AuditSpec) -> str | None:
    """Why ``remedy`` cannot run on ``spec`` without trying (the columns it needs)."""
    if "features" in remedy.needs and not spec.features:
        return _SKIPPED["features"]
    if "score" in remedy.needs and not spec.score:
        return _SKIPPED["score"]
    return None


def _remedies(methods: Sequence[Method], keywords: dict[str, Any]) -> list[tuple[Method, Remedy]]:
    """Each method as given (a name or an object) with its configured remedy."""
    given = list(dict.fromkeys(methods))
    known = registry.names("remedy")
    bad = [m for m in given if not isinstance(m, Remedy) and m not in known]
    if bad:
        raise FairLensInputError(f"Unknown remedies {names(map(str, bad))}; choose from "
                                 f"{', '.join(known)}.")
    options = {k: v for k, v in keywords.items()
               if k not in ("constraint", "test_size", "seed", "attribute", "output_dir")}
    return [(m, resolve_method(m, options)) for m in given]


def compare_remedies(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    methods: Sequence[Method] = METHODS,
    tolerances: Sequence[float] = (),
    options: AuditOptions | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> TradeOff:
    """Run several remedies on the same split and collect them as trade-off points.

    The remedies run through :func:`fairlens.registry.run_isolated`: one that fails is
    recorded in ``errors`` with its message and the others go on.

    Parameters
    ----------
    frame, spec
        As for :func:`remedy_spec`.
    methods : sequence of str or Remedy
        Remedies to run (names or configured objects); those that need features (or a
        score) are skipped, with the reason in ``errors``, when the mapping has none.
    tolerances : sequence of float
        Further tolerances to try for the remedies that take one (thresholds, expgrad): each
        is one more point.
    options : AuditOptions, optional
        The audits' options, as for :func:`remedy_spec`.
    progress : callable, optional
        ``progress(done, total, message)``, once per remedy run.
    **settings
        ``constraint``, ``tolerance``, ``test_size``, ``seed``, ``attribute`` and the older
        keywords, as for :func:`remedy_spec`; the same split is used for every remedy.

    Returns
    -------
    TradeOff
    """
    tolerance = float(settings.pop("tolerance", DEFAULT_TOLERANCE))
    constraint = settings.get("constraint", DEFAULT_CONSTRAINT)
    runs: list[tuple[Method, Remedy, float, str]] = []
    for m, remedy in _remedies(methods, settings):
        runs.append((m, remedy, tolerance, "default"))
        if remedy.sweeps_tolerance:
            runs += [(m, remedy, float(t), "extra") for t in dict.fromkeys(tolerances)
                     if float(t) != tolerance]
    order: list[tuple[str, Remedy, float, str]] = []

    def jobs():
        for i, (m, remedy, tol, kind) in enumerate(runs):
            if progress is not None:
                progress(i, len(runs), f"{remedy.title} (tolerance {tol:g})")
            reason = _skip_reason(remedy, spec)
            label = f"{remedy.title} (tolerance {tol:g})" if remedy.sweeps_tolerance else \
                remedy.title
            order.append((reason or label, remedy, tol, "skip" if reason else kind))
            if reason is None:
                yield label, partial(remedy_spec, frame, spec, method=m, options=options,
                                     tolerance=tol, **settings)

    outcome = registry.run_isolated(jobs())
    results: dict[str, RemedyResult] = {}
    errors: dict[str, str] = {}
    points: list[dict[str, Any]] = []
    sentences: list[str] = []
    attribute = settings.get("attribute") or (spec.sensitive[0] if spec.sensitive else "")
    measure = MEASURE.get(constraint, "")
    split_doc: dict[str, Any] = {}
    for label, remedy, tol, kind in order:
        if kind == "skip":
            errors[remedy.name] = label
            continue
        if label in outcome.errors:
            errors[label] = outcome.errors[label]
            continue
        res = results[label] = outcome.results[label]
        attribute = res.attribute
        split_doc = res.split.to_dict()
        if not points:
            points.append(_point("Original predictions", "original", "", res.before,
                                 attribute, measure))
        points.append(_point(label, remedy.name, f"tolerance {tol:g}" if remedy.sweeps_tolerance
                             else "", res.after, attribute, measure))
        if res.baseline is not None:
            base_label = remedy.baseline_label()
            if not any(p["label"] == base_label for p in points):
                points.append(_point(base_label, "unweighted", "", res.baseline, attribute,
                                     measure))
        if kind == "default":
            sentences.append(res.sentence)
    if progress is not None:
        progress(len(runs), len(runs), "Done")
    table = pd.DataFrame(points, columns=["label", "method", "setting", "accuracy",
                                          "accuracy_low", "accuracy_high", "disparity",
                                          "disparity_low", "disparity_high"])
    table["pareto"] = pareto_mask(table["accuracy"].to_numpy(), table["disparity"].to_numpy())
    return TradeOff(points=table, results=results, sentences=sentences, errors=errors,
                    constraint=constraint, attribute=attribute, measure=measure,
                    tolerance=tolerance, split=split_doc)

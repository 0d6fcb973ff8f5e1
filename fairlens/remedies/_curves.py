"""Data-collection advice: per-group learning curves by subsampling the fitting rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens._json import json_safe
from fairlens.auditing import AuditOptions, audit_spec
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.remedies._common import (
    DEFAULT_TEST_SIZE,
    SCORE_COLUMN,
    Progress,
    make_split,
    positive_of,
    score_spec,
)
from fairlens.remedies._models import feature_frame, fit_pipeline
from fairlens.wording import names

CURVES_SCHEMA = "fairlens.learning_curves/1"
FLAT = 0.002
"""A gain per doubling of the training rows at or below this counts as a flat curve."""


@dataclass
class LearningCurves:
    """Per-group performance of a retrained model as its training data grows.

    Attributes
    ----------
    curves : DataFrame
        ``fraction, group, n_train, metric, low, high`` per training size and group
        (held-out metric with its interval).
    advice : DataFrame
        Per group: ``n_train`` (all fitting rows), ``metric`` at full size, ``gain_per_doubling``
        (slope of the metric against log2 of the group's training rows, by least squares over
        the curve) and ``rank`` (1 = more data helps most).
    sentences : list of str
    metric, attribute, learner : str
    """

    curves: pd.DataFrame
    advice: pd.DataFrame
    sentences: list[str]
    metric: str
    attribute: str
    learner: str
    warnings: list[str] = field(default_factory=list)

    SCHEMA: ClassVar[str] = CURVES_SCHEMA

    def tables(self) -> dict[str, pd.DataFrame]:
        """``curves`` and ``advice``."""
        return {"curves": self.curves, "advice": self.advice}

    def summary_lines(self) -> list[str]:
        """Plain text: what the curves advise, and the warnings."""
        lines = [f"FairLens learning curves: {self.metric} by {self.attribute} "
                 f"({self.learner}, retrained on growing shares of the fitting rows)", ""]
        lines += list(self.sentences) or ["No group's curve could be estimated."]
        if self.warnings:
            lines += ["", "warnings:"] + [f"  - {w}" for w in self.warnings]
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON document (schema ``fairlens.learning_curves/1``)."""
        return {"schema": CURVES_SCHEMA, "metric": self.metric, "attribute": self.attribute,
                "learner": self.learner, "curves": json_safe(self.curves.to_dict(orient="records")),
                "advice": json_safe(self.advice.to_dict(orient="records")),
                "sentences": list(self.sentences), "warnings": list(self.warnings)}


def learning_curves(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    attribute: str | None = None,
    fractions: Sequence[float] = (0.1, 0.2, 0.35, 0.6, 1.0),
    metric: str = "auc",
    learner: str = "logistic",
    test_size: float = DEFAULT_TEST_SIZE,
    seed: int | None = None,
    options: AuditOptions | None = None,
    min_group_size: int | None = None,
    progress: Progress | None = None,
) -> LearningCurves:
    """Per-group learning curves: retrain on growing subsamples of the fitting rows
    (stratified by group and label) and audit each model on the same held-out rows.

    The group whose metric climbs fastest with the logarithm of its own training rows is the
    one where collecting more data is predicted to help most (Adaptive Sampling for Equitable
    Datasets); a flat curve means more of the same data will not close its gap.

    Parameters
    ----------
    frame, spec
        Predictions file and mapping with feature columns (``spec.features``).
    attribute : str, optional
        Default ``spec.sensitive[0]``.
    fractions : sequence of float
        Shares of the fitting rows to train on (each in (0, 1]).
    metric : {"auc", "accuracy", "balanced_accuracy", "tpr", ...}
        A per-group metric of the audit (higher is better).
    learner : {"logistic", "hist_gradient_boosting"}
    test_size, seed
        Split and seed (default ``options.seed``, 0).
    options : AuditOptions, optional
        The audits' minimum group size (the smallest group that gets advice) and level; the
        curves' intervals are Wilson intervals (no bootstrap).
    min_group_size : int, optional
        Overrides ``options.min_group_size``.

    Returns
    -------
    LearningCurves
    """
    if not spec.features:
        raise FairLensInputError("Learning curves retrain a model and need feature columns; "
                                 "map them (CLI: --features A,B,C).")
    attribute = attribute or spec.sensitive[0]
    if seed is None:
        seed = options.seed if options is not None else 0
    audits = replace(AuditOptions.resolve(options, seed=int(seed), min_group_size=min_group_size),
                     bootstrap=0, ci="wilson", reference=None, threshold=None)
    min_group_size = audits.min_group_size
    fracs = sorted({float(f) for f in fractions})
    if not fracs or fracs[0] <= 0 or fracs[-1] > 1:
        raise FairLensInputError(f"fractions must lie in (0, 1]; got {list(fractions)}.")
    frame = frame.reset_index(drop=True)
    y_all, _ = positive_of(frame, spec)
    split = make_split(frame, spec, test_size=test_size, seed=seed, attribute=attribute)
    fit_part = frame.iloc[split.fit].reset_index(drop=True)
    test_part = frame.iloc[split.test].reset_index(drop=True)
    y_fit = y_all[split.fit]
    rng = np.random.default_rng(seed)
    strata = fit_part[attribute].astype(str) + "|" + pd.Series(y_fit).astype(str)
    rank_in_stratum = np.empty(len(fit_part))
    for idx in strata.groupby(strata).indices.values():
        perm = rng.permutation(len(idx))
        rank_in_stratum[idx] = (perm + 0.5) / len(idx)
    x_test = feature_frame(test_part, spec.features)
    sspec = replace(score_spec(spec), sensitive=[attribute])
    rows = []
    warnings: list[str] = []
    for k, f in enumerate(fracs):
        if progress is not None:
            progress(k, len(fracs), f"Training on {f:.0%} of the fitting rows")
        take = rank_in_stratum <= f
        if len(np.unique(y_fit[take])) < 2:
            warnings.append(f"{f:.0%} of the fitting rows hold one label only; skipped.")
            continue
        model = fit_pipeline(fit_part[take], spec.features, y_fit[take], learner=learner,
                             seed=seed)
        proba = model.predict_proba(x_test)[:, 1]
        audit = audit_spec(test_part.assign(**{SCORE_COLUMN: proba}), sspec, options=audits)
        groups = audit.by_group
        groups = groups[groups["grouping"] == attribute]
        counts = fit_part.loc[take, attribute].astype(str).value_counts()
        for _, r in groups.iterrows():
            rows.append({"fraction": f, "group": str(r["group"]),
                         "n_train": int(counts.get(str(r["group"]), 0)),
                         "metric": r.get(metric, np.nan),
                         "low": r.get(f"{metric}_low", np.nan),
                         "high": r.get(f"{metric}_high", np.nan),
                         "n_test": int(r["n"]), "small": bool(r["small"])})
    if progress is not None:
        progress(len(fracs), len(fracs), "Done")
    curves = pd.DataFrame(rows)
    advice_rows = []
    for g, part in curves.groupby("group", sort=False):
        ok = part.dropna(subset=["metric"])
        ok = ok[ok["n_train"] > 0]
        slope = float("nan")
        if len(ok) >= 2 and ok["n_train"].nunique() >= 2:
            slope = float(np.polyfit(np.log2(ok["n_train"]), ok["metric"], 1)[0])
        last = part.iloc[-1]
        advice_rows.append({"group": g, "n_train": int(last["n_train"]),
                            "metric": float(last["metric"]), "gain_per_doubling": slope,
                            "small": bool(last["small"]) or int(last["n_train"]) < min_group_size})
    advice = pd.DataFrame(advice_rows)
    sentences = []
    if len(advice):
        usable = advice[~advice["small"] & advice["gain_per_doubling"].notna()]
        ranked = usable.sort_values("gain_per_doubling", ascending=False)
        advice["rank"] = advice["group"].map({g: i + 1 for i, g in
                                              enumerate(ranked["group"])})
        helps = ranked[ranked["gain_per_doubling"] > FLAT]
        for _, r in helps.head(3).iterrows():
            sentences.append(
                f"{attribute} = {r['group']}: {metric} {r['metric']:.3f} with {r['n_train']:,} "
                f"training rows; doubling them is predicted to add "
                f"{r['gain_per_doubling']:+.3f}.")
        flat = ranked[ranked["gain_per_doubling"] <= FLAT]
        if len(flat):
            sentences.append(f"More of the same data is not predicted to raise the {metric} of "
                             f"{names(flat['group'])} (flat curve); a gap there "
                             "needs other features or better labels, not more rows.")
        skipped = advice[advice["small"]]["group"].tolist()
        if skipped:
            sentences.append(f"Too few rows to tell for {names(skipped)}.")
    return LearningCurves(curves=curves, advice=advice, sentences=sentences, metric=metric,
                          attribute=attribute, learner=learner, warnings=warnings)

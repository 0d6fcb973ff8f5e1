"""The :class:`Audit` result: tables for people, a JSON document for machines."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens._json import json_safe as _clean
from fairlens.auditing._four_fifths import four_fifths_rule
from fairlens.auditing._intervals import METHODS as INTERVAL_METHODS
from fairlens.auditing._intervals import RULE as INTERVAL_RULE
from fairlens.auditing._options import AuditOptions
from fairlens.auditing._statistics import Statistics
from fairlens.auditing._summary import ModelResult, Replicates, summarize
from fairlens.auditing._text import summary_lines
from fairlens.data import AuditSpec
from fairlens.metrics._rates import safe_divide
from fairlens.metrics._scores import calibration_curve, roc_points

SCHEMA = "fairlens.audit/1"
OVERALL_ORDER = (
    "n", "base_rate", "selection_rate", "accuracy", "balanced_accuracy", "tpr", "fpr", "tnr",
    "fnr", "ppv", "npv", "fdr", "false_omission_rate", "f1", "auc", "brier", "ece",
)


def _ordered(metrics: dict[str, Any]) -> list[str]:
    known = [m for m in OVERALL_ORDER if m in metrics]
    return known + sorted(m for m in metrics if m not in known)


@dataclass
class Audit:
    """Result of :func:`fairlens.audit`.

    Attributes
    ----------
    spec : AuditSpec
    statistics : Statistics
        The count tables (no rows); reuse them with :meth:`at_threshold`.
    options : AuditOptions
    replicates : dict of str to Replicates
        Bootstrap replicates per model (reused by :meth:`at_threshold` for AUC/calibration).
    models : dict of str to ModelResult
        One entry per score/prediction column; the first is the primary model.
    warnings : list of str
    """

    SCHEMA: ClassVar[str] = SCHEMA
    """Schema name of :meth:`to_dict`'s document."""

    spec: AuditSpec
    statistics: Statistics
    options: AuditOptions
    models: dict[str, ModelResult]
    warnings: list[str]
    replicates: dict[str, Replicates] = field(default_factory=dict, repr=False)

    @classmethod
    def from_statistics(cls, spec: AuditSpec, stats: Statistics, options: AuditOptions,
                        reuse: dict[str, Replicates] | None = None) -> Audit:
        """Summarise statistics into an audit (no pass over rows)."""
        models, warnings, replicates = summarize(stats, options, reuse)
        return cls(spec, stats, options, models, list(dict.fromkeys(stats.warnings + warnings)),
                   replicates)

    @property
    def primary(self) -> ModelResult:
        """The first model's results."""
        return next(iter(self.models.values()))

    @property
    def n_rows(self) -> int:
        """Rows audited."""
        return self.statistics.n_rows

    @property
    def threshold(self) -> float:
        """Decision threshold (``y_hat = 1`` when ``score >= threshold``)."""
        return self.statistics.threshold

    def at_threshold(self, threshold: float) -> Audit:
        """The audit at another threshold, computed from the tables alone (no rows)."""
        stats = self.statistics.at_threshold(threshold)
        spec = replace(self.spec, threshold=stats.threshold)
        return Audit.from_statistics(spec, stats, self.options, self.replicates or None)

    @property
    def overall(self) -> dict[str, float]:
        """Overall metrics of the primary model (``n`` included)."""
        return {"n": self.n_rows, **self.primary.overall}

    def by_group_frame(self, model: str | None = None) -> pd.DataFrame:
        """One row per group of every grouping: n, flags, metrics, CIs and test results."""
        result = self.models[model] if model else self.primary
        rows = []
        for g in result.groupings:
            for i in range(len(g.labels)):
                row: dict[str, Any] = {"model": result.name, "grouping": g.name,
                                       "group": g.label(i)}
                for a, v in zip(g.attributes, g.labels[i], strict=True):
                    row[a] = v
                row.update(n=int(g.n[i]), small=not bool(g.include[i]),
                           reference=i == g.reference)
                for m in _ordered(g.metrics):
                    row[m] = g.metrics[m][i]
                    if m in g.ci:
                        row[f"{m}_low"], row[f"{m}_high"] = g.ci[m][0][i], g.ci[m][1][i]
                for m in g.p_values:
                    row[f"{m}_p"] = g.p_values[m][i]
                    row[f"{m}_q"] = g.q_values[m][i]
                    row[f"{m}_significant"] = bool(g.q_values[m][i] < self.options.alpha)
                rows.append(row)
        return pd.DataFrame(rows)

    @property
    def by_group(self) -> pd.DataFrame:
        """:meth:`by_group_frame` of the primary model."""
        return self.by_group_frame()

    @property
    def disparities(self) -> pd.DataFrame:
        """One row per (grouping, measure): value and CI, for the primary model."""
        rows = []
        for g in self.primary.groupings:
            for k, v in g.disparities.items():
                lo, hi = g.disparity_ci.get(k, (np.nan, np.nan))
                rows.append({"grouping": g.name, "measure": k, "value": v, "low": lo, "high": hi,
                             "reference": g.label(g.reference)})
        return pd.DataFrame(rows)

    @property
    def equity(self) -> pd.DataFrame:
        """ES, PSD and harmony per (grouping, metric) with CIs, for the primary model."""
        rows = []
        for g in self.primary.groupings:
            for m, e in g.equity.items():
                row = {"grouping": g.name, "metric": m, "overall": e["overall"],
                       "groups_used": e["groups_used"]}
                for key in ("es", "psd_std", "psd_max", "harmony"):
                    row[key] = e[key]
                    lo, hi = e.get(f"{key}_ci", (np.nan, np.nan))
                    row[f"{key}_low"], row[f"{key}_high"] = lo, hi
                rows.append(row)
        return pd.DataFrame(rows)

    def compare_models(self) -> pd.DataFrame:
        """Models side by side: overall metrics and ES values per grouping, ranked by AUC/ES."""
        rows = []
        for name, r in self.models.items():
            row: dict[str, Any] = {"model": name, **r.overall}
            for g in r.groupings:
                for m, e in g.equity.items():
                    row[f"es_{m} [{g.name}]"] = e["es"]
                    if len(g.labels) >= 2:
                        order = np.argsort(-g.n)
                        row[f"{m} majority [{g.name}]"] = g.metrics[m][order[0]]
                        minor = [i for i in order[1:] if g.include[i]]
                        row[f"{m} minority [{g.name}]"] = (
                            np.nanmean(g.metrics[m][minor]) if minor else np.nan)
            rows.append(row)
        frame = pd.DataFrame(rows)
        key = "auc" if "auc" in frame else frame.columns[1]
        frame["rank_overall"] = frame[key].rank(ascending=False, method="min")
        es_cols = [c for c in frame.columns if c.startswith(f"es_{key}")]
        if es_cols:
            frame["rank_es"] = frame[es_cols[0]].rank(ascending=False, method="min")
        return frame

    def _score_table(self, grouping: str | None, model: str | None,
                     needs: str) -> tuple[Any, Any, np.ndarray]:
        """The score table of ``model``, the grouping and its weights per (group, y, bin).

        Raises ``ValueError`` ("<needs> score predictions.") when the predictions are no scores.
        """
        stats = self.statistics
        table = stats.models[model or next(iter(stats.models))].score_table
        if table is None:
            raise ValueError(f"{needs} score predictions.")
        g = next(x for x in stats.groupings if x.name == (grouping or stats.groupings[0].name))
        return table, g, g.marginalize(table.w, 0)

    def sweep(self, grouping: str | None = None, model: str | None = None) -> pd.DataFrame:
        """Rates at every threshold the score table distinguishes, per group.

        Returns a long frame with columns ``group, threshold, selection_rate, tpr, fpr, ppv,
        accuracy`` (``y_hat = 1`` when ``score >= threshold``), read off the score table.
        """
        table, g, w = self._score_table(grouping, model, "A threshold sweep needs")
        neg, pos = w[:, 0, :], w[:, 1, :]
        fpr, tpr = roc_points(neg, pos)
        tp = np.cumsum(pos[:, ::-1], axis=1)[:, ::-1]
        fp = np.cumsum(neg[:, ::-1], axis=1)[:, ::-1]
        total_pos = pos.sum(1, keepdims=True)
        total = w.sum(axis=(1, 2))[:, None]
        frames = []
        for i in range(g.n_groups):
            frames.append(pd.DataFrame({
                "group": " x ".join(map(str, g.labels[i])),
                "threshold": table.values,
                "selection_rate": safe_divide(tp[i] + fp[i], total[i]),
                "tpr": safe_divide(tp[i], total_pos[i]),
                "fpr": safe_divide(fp[i], neg[i].sum()),
                "ppv": safe_divide(tp[i], tp[i] + fp[i]),
                "accuracy": safe_divide(tp[i] + (neg[i].sum() - fp[i]), total[i]),
            }))
        return pd.concat(frames, ignore_index=True)

    def roc(self, grouping: str | None = None, model: str | None = None) -> pd.DataFrame:
        """ROC points per group (long frame: group, fpr, tpr)."""
        _, g, w = self._score_table(grouping, model, "ROC curves need")
        fpr, tpr = roc_points(w[:, 0, :], w[:, 1, :])
        return pd.concat([
            pd.DataFrame({"group": " x ".join(map(str, g.labels[i])), "fpr": fpr[i],
                          "tpr": tpr[i]}) for i in range(g.n_groups)], ignore_index=True)

    def calibration(self, grouping: str | None = None, model: str | None = None, *,
                    max_values: int = 20) -> pd.DataFrame | None:
        """Observed positive rate against mean score per score bin, for every group.

        Probability scores use the calibration table (10 equal-width bins); scores with at most
        ``max_values`` distinct values (e.g. a 1-10 risk decile) get one point per value.

        Returns
        -------
        DataFrame or None
            ``group, mean_score, observed, weight`` (empty bins dropped); None when there are no
            scores to calibrate (predicted labels, raw scores with many values, multiclass).
        """
        stats = self.statistics
        if stats.task != "binary":
            return None
        mstats = stats.models[model or next(iter(stats.models))]
        g = next((x for x in stats.groupings
                  if x.name == (grouping or stats.groupings[0].name)), None)
        if g is None:
            return None
        table = mstats.score_table
        if table is not None and table.exact and len(table.values) <= max_values:
            w = g.marginalize(table.w, 0)
            score_sum = w * np.asarray(table.values, dtype=float)
        else:
            cal = next((f for f in mstats.families if f.name == "calibration"), None)
            if cal is None:
                return None
            w = g.marginalize(cal.arrays["w"], 0)
            score_sum = g.marginalize(cal.arrays["score_sum"], 0)
        mean_score, observed, weight = calibration_curve(w, score_sum)
        frames = []
        for i in range(g.n_groups):
            keep = weight[i] > 0
            frames.append(pd.DataFrame({
                "group": " x ".join(map(str, g.labels[i])),
                "mean_score": mean_score[i][keep],
                "observed": observed[i][keep],
                "weight": weight[i][keep],
            }))
        return pd.concat(frames, ignore_index=True)

    # --- the result convention: tables, text, JSON ------------------------------------------

    def tables(self) -> dict[str, pd.DataFrame]:
        """The audit as tables, by name.

        ``overall`` (one row per model), ``groups`` (:attr:`by_group`), ``disparities``,
        ``equity`` (ES and PSD) and, when there are several models, ``models``
        (:meth:`compare_models`).
        """
        out = {
            "overall": pd.DataFrame([{"model": name, "n": self.n_rows, **r.overall}
                                     for name, r in self.models.items()]),
            "groups": self.by_group,
            "disparities": self.disparities,
            "equity": self.equity,
        }
        if len(self.models) > 1:
            out["models"] = self.compare_models()
        return out

    def summary_lines(self) -> list[str]:
        """The plain-text summary that ``fairlens audit`` prints, one string per line."""
        return summary_lines(self)

    def _model_dict(self, r: ModelResult) -> dict[str, Any]:
        overall = {"n": self.n_rows}
        overall.update({m: _clean(r.overall[m]) for m in _ordered(r.overall)})
        out: dict[str, Any] = {
            "overall": overall,
            "overall_ci": {m: [_clean(lo), _clean(hi)] for m, (lo, hi) in r.overall_ci.items()},
            "overall_interval_method": dict(r.overall_ci_method),
            "groups": [], "disparities": {}, "equity_scaled": {},
            "performance_scaled_disparity": {}, "harmony": {}, "null_reasons": {},
        }
        for g in r.groupings:
            ref = g.reference
            for i in range(len(g.labels)):
                entry: dict[str, Any] = {
                    "grouping": g.name,
                    "attributes": {a: _clean(v) for a, v in zip(g.attributes, g.labels[i],
                                                                strict=True)},
                    "n": int(g.n[i]),
                    "small": not bool(g.include[i]),
                    "is_reference": i == ref,
                }
                entry.update({m: _clean(g.metrics[m][i]) for m in _ordered(g.metrics)})
                entry["ci"] = {m: [_clean(lo[i]), _clean(hi[i])] for m, (lo, hi) in g.ci.items()}
                entry["interval_method"] = {m: g.ci_method[m][i] for m in g.ci
                                            if m in g.ci_method}
                entry["difference_to_reference"] = {
                    m: _clean(v[i] - v[ref]) for m, v in g.metrics.items()}
                entry["ratio_to_reference"] = {
                    m: _clean(safe_divide(v[i], v[ref])) for m, v in g.metrics.items()}
                entry["p_value"] = {m: _clean(p[i]) for m, p in g.p_values.items()}
                entry["q_value"] = {m: _clean(q[i]) for m, q in g.q_values.items()}
                entry["significant"] = sorted(
                    m for m, q in g.q_values.items() if q[i] < self.options.alpha)
                out["groups"].append(entry)
            disp: dict[str, Any] = {k: _clean(v) for k, v in g.disparities.items()}
            disp["ci"] = {k: [_clean(lo), _clean(hi)] for k, (lo, hi) in g.disparity_ci.items()}
            disp["reference"] = g.label(ref)
            disp["reference_rule"] = g.reference_rule
            if "selection_rate" in g.metrics:
                disp["four_fifths_rule"] = four_fifths_rule(
                    [g.label(i) for i in range(len(g.labels))], g.metrics["selection_rate"],
                    g.n, g.include, self.spec.favorable)
            out["disparities"][g.name] = disp
            out["equity_scaled"][g.name] = {m: _clean(e["es"]) for m, e in g.equity.items()}
            out["equity_scaled"][g.name]["ci"] = {
                m: [_clean(x) for x in e.get("es_ci", (np.nan, np.nan))]
                for m, e in g.equity.items()}
            out["harmony"][g.name] = {m: _clean(e["harmony"]) for m, e in g.equity.items()}
            out["harmony"][g.name]["ci"] = {
                m: [_clean(x) for x in e.get("harmony_ci", (np.nan, np.nan))]
                for m, e in g.equity.items()}
            out["performance_scaled_disparity"][g.name] = {
                m: {"std": _clean(e["psd_std"]), "max_min": _clean(e["psd_max"]),
                    "std_ci": [_clean(x) for x in e.get("psd_std_ci", (np.nan, np.nan))],
                    "max_min_ci": [_clean(x) for x in e.get("psd_max_ci", (np.nan, np.nan))]}
                for m, e in g.equity.items()}
            for section, reasons in g.null_reasons.items():
                out["null_reasons"].setdefault(section, {})[g.name] = dict(reasons)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``fairlens.audit/1``, see the README)."""
        primary = self._model_dict(self.primary)
        doc: dict[str, Any] = {
            "schema": SCHEMA,
            "task": self.statistics.task,
            "n_rows": self.n_rows,
            "threshold": self.threshold,
            "model": self.primary.name,
            "spec": self.spec.to_dict(),
            "settings": {
                "reference": self.options.reference,
                "min_group_size": self.options.min_group_size,
                "bootstrap": self.options.bootstrap,
                "ci": self.options.ci,
                "confidence_level": self.options.level,
                "seed": self.options.seed,
                "alpha": self.options.alpha,
            },
            "interval_rule": INTERVAL_RULE,
            "interval_methods": _methods_used(primary),
            "warnings": list(self.warnings),
            **primary,
        }
        if len(self.models) > 1:
            doc["models"] = {name: self._model_dict(r) for name, r in self.models.items()}
        unexplained = _unexplained_nulls(primary)
        if unexplained:
            doc["warnings"].append(
                f"Null because undefined (empty denominators): {', '.join(unexplained[:10])}"
                f"{' ...' if len(unexplained) > 10 else ''}.")
        return doc


def _methods_used(model_doc: dict[str, Any]) -> dict[str, str]:
    """The interval methods a document uses, with what each means."""
    used = set(model_doc.get("overall_interval_method", {}).values())
    for g in model_doc["groups"]:
        used.update(g.get("interval_method", {}).values())
    return {k: v for k, v in INTERVAL_METHODS.items() if k in used}


def _unexplained_nulls(model_doc: dict[str, Any]) -> list[str]:
    """Null values that no other warning explains, named.

    Undefined group metrics, disparities and ES/PSD with too few groups and intervals left
    out have their own warnings; p- and q-values are null by design for the reference group
    and for groups below the minimum size (documented).
    """
    out = [f"overall {m}" for m, v in model_doc["overall"].items() if v is None]
    seen: set[tuple[str, str]] = set()
    refs = {g["grouping"]: g for g in model_doc["groups"] if g["is_reference"]}
    for g in model_doc["groups"]:
        ref = refs.get(g["grouping"])
        for m, ratio in g["ratio_to_reference"].items():
            if (ratio is None and g.get(m) is not None and ref is not None
                    and ref.get(m) == 0 and (g["grouping"], m) not in seen):
                seen.add((g["grouping"], m))
                out.append(f"ratio to the reference of {m} in {g['grouping']} (the reference "
                           f"group's {m} is 0)")
    reasons = model_doc.get("null_reasons", {})
    for grouping, disp in model_doc["disparities"].items():
        for k, v in disp.items():
            if v is None and k not in reasons.get("disparities", {}).get(grouping, {}):
                out.append(f"{k} of {grouping}")
    for section, label in (("equity_scaled", "ES"), ("harmony", "harmony")):
        for grouping, values in model_doc[section].items():
            for m, v in values.items():
                if m != "ci" and v is None and m not in reasons.get(section, {}).get(
                        grouping, {}):
                    out.append(f"{label} of {m} for {grouping}")
    for grouping, values in model_doc["performance_scaled_disparity"].items():
        for m, entry in values.items():
            if (entry["std"] is None or entry["max_min"] is None) and m not in reasons.get(
                    "performance_scaled_disparity", {}).get(grouping, {}):
                out.append(f"PSD of {m} for {grouping}")
    return out

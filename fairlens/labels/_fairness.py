"""Label-aware fairness: the audit before and after removing or correcting suspected label errors.

Every number comes from :func:`fairlens.audit_spec` run on the original rows, on the rows
without the flagged ones, on the rows with flagged labels replaced by the suggested label, and
(optionally) with the analyst's reviewed corrections. This module only chooses, compares and
words them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from fairlens.auditing import DEFAULT_MIN_GROUP_SIZE, Audit, CIMethod, audit_spec
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.labels import _errors as E
from fairlens.labels._issues import LabelIssues

VARIANTS: dict[str, str] = {
    "before": "Original labels",
    "exclusion": "Suspected errors excluded",
    "relabel": "Suspected errors relabelled",
    "review": "Reviewed corrections",
}
"""The audits compared, in display order."""

DISPARITY_MEASURES: dict[str, str] = {
    "demographic_parity_difference": "Demographic parity difference",
    "equalized_odds_difference": "Equalized odds difference",
    "equal_opportunity_difference": "Equal opportunity difference",
    "accuracy_difference": "Accuracy difference",
    "auc_difference": "AUC difference",
}
EQUITY_MEASURES: dict[str, str] = {
    "es_auc": "ES-AUC",
    "es_accuracy": "ES-accuracy",
    "psd_std_auc": "PSD (std) of AUC",
    "psd_std_accuracy": "PSD (std) of accuracy",
}
HEADLINE = ("equalized_odds_difference", "accuracy_difference", "es_auc")
ROBUST_ABS_TOLERANCE = 0.01
ROBUST_REL_TOLERANCE = 0.10


@dataclass
class LabelFairness:
    """The audit with the original labels next to label-corrected versions.

    Attributes
    ----------
    audits : dict of str to Audit
        ``before``, ``exclusion``, ``relabel`` and, with reviewed corrections, ``review``.
    changed_rows : dict of str to int
        Rows removed (``exclusion``) or relabelled (``relabel``, ``review``).
    table : DataFrame
        One row per (grouping, measure): the value and 95% interval in each audit, the change,
        and ``robust``: True when the excluded and relabelled values both stay inside the
        original interval or within 0.01 of the original value (see
        :func:`comparison_table`).
    sentences : list of str
        The verdict in words (Markdown), one per grouping plus a summary.
    ranking : DataFrame or None
        With several models: each model's overall metric and rank in every audit.
    warnings : list of str
    """

    audits: dict[str, Audit]
    changed_rows: dict[str, int]
    table: pd.DataFrame
    sentences: list[str]
    ranking: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def variants(self) -> list[str]:
        """The audits present, in display order."""
        return [v for v in VARIANTS if v in self.audits]

    @property
    def robust_share(self) -> tuple[int, int]:
        """(robust measures, measures compared)."""
        judged = self.table["robust"].dropna()
        return int(judged.astype(bool).sum()), int(len(judged))

    def to_dict(self) -> dict[str, Any]:
        """The ``fairness_*`` parts of the ``fairlens.labels/1`` JSON document."""
        out: dict[str, Any] = {}
        names = {"before": "fairness_before", "exclusion": "fairness_after_exclusion",
                 "relabel": "fairness_after_relabel", "review": "fairness_after_review"}
        for variant, audit in self.audits.items():
            out[names[variant]] = audit_part(audit, self.changed_rows.get(variant, 0))
        out["fairness_comparison"] = [
            {k: _json(v) for k, v in row.items()} for row in self.table.to_dict("records")]
        out["fairness_verdict"] = list(self.sentences)
        if self.ranking is not None:
            out["model_ranking"] = [{k: _json(v) for k, v in row.items()}
                                    for row in self.ranking.to_dict("records")]
        return out


def _json(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def audit_part(audit: Audit, changed: int = 0) -> dict[str, Any]:
    """The disparities, ES and PSD parts of an audit's JSON document."""
    doc = audit.to_dict()
    return {"n_rows": doc["n_rows"], "rows_changed": int(changed),
            "disparities": doc["disparities"], "equity_scaled": doc["equity_scaled"],
            "performance_scaled_disparity": doc["performance_scaled_disparity"]}


# --- corrected frames --------------------------------------------------------------------------


def audit_columns(frame: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """The columns an audit under ``spec`` reads (label, attributes, predictions, weight)."""
    cols = [spec.label, *spec.sensitive, *spec.score, *spec.pred, *spec.metric, spec.weight]
    if spec.proba_prefix:
        cols += [c for c in frame.columns
                 if str(c).startswith(spec.proba_prefix) and len(str(c)) > len(spec.proba_prefix)]
    return [c for c in dict.fromkeys(cols) if c is not None and c in frame.columns]


def class_values(frame: pd.DataFrame, issues: LabelIssues,
                 warnings: list[str] | None = None) -> dict[int, Any]:
    """For each class index, the value that stands for it in the label column.

    A value found in the column for that class where there is one; otherwise the class name
    converted to the column's type. Classes that cannot be written are left out (with a
    warning).
    """
    spec = issues.spec
    if spec is None:
        raise FairLensInputError("Relabelling needs the frame and mapping the issues came from.")
    column = frame[spec.label]
    out: dict[int, Any] = {}
    first = pd.Series(np.arange(len(issues.labels))).groupby(issues.labels).first()
    for k, name in enumerate(issues.classes):
        if k in first.index:
            out[k] = column.iloc[int(first.loc[k])]
            continue
        value: Any = name
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            try:
                number = float(name)
                value = int(number) if pd.api.types.is_integer_dtype(column) and \
                    number.is_integer() else number
            except (TypeError, ValueError):
                if warnings is not None:
                    warnings.append(E.RELABEL_UNKNOWN_VALUE.format(cls=name))
                continue
        out[k] = value
    return out


def relabelled(frame: pd.DataFrame, issues: LabelIssues, rows: np.ndarray,
               new_classes: np.ndarray, warnings: list[str] | None = None) -> pd.Series:
    """The label column with ``rows`` set to the classes ``new_classes`` (class indices)."""
    spec = issues.spec
    if spec is None or spec.label is None:
        raise FairLensInputError("Relabelling needs the frame and mapping the issues came from.")
    values = class_values(frame, issues, warnings)
    column = frame[spec.label].reset_index(drop=True)
    keep = np.array([int(k) in values for k in new_classes], dtype=bool)
    rows, new_classes = np.asarray(rows)[keep], np.asarray(new_classes)[keep]
    if not len(rows):
        return column
    new_values = pd.Series([values[int(k)] for k in new_classes], index=rows)
    if new_values.dtype != column.dtype:
        try:
            new_values = new_values.astype(column.dtype)
        except (TypeError, ValueError):
            column = column.astype(object)
    column = column.copy()
    column.iloc[rows] = new_values.to_numpy()
    return column


def class_index(issues: LabelIssues, value: Any) -> int | None:
    """The class index of a label value (compared as text and as number), or None."""
    text = str(value).strip()
    for k, c in enumerate(issues.classes):
        if str(c).strip() == text:
            return k
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    for k, c in enumerate(issues.classes):
        try:
            if float(c) == number:
                return k
        except (TypeError, ValueError):
            continue
    return None


# --- the comparison ----------------------------------------------------------------------------


def _measures(audit: Audit) -> dict[tuple[str, str], tuple[float, float, float]]:
    out: dict[tuple[str, str], tuple[float, float, float]] = {}
    disp = audit.disparities
    for _, r in disp.iterrows():
        if r["measure"] in DISPARITY_MEASURES:
            out[(r["grouping"], r["measure"])] = (float(r["value"]), float(r["low"]),
                                                  float(r["high"]))
    eq = audit.equity
    for _, r in eq.iterrows():
        for key in ("es", "psd_std"):
            name = f"{key}_{r['metric']}"
            if name in EQUITY_MEASURES:
                out[(r["grouping"], name)] = (float(r[key]), float(r.get(f"{key}_low", np.nan)),
                                              float(r.get(f"{key}_high", np.nan)))
    return out


def _inside(value: float, low: float, high: float, before: float) -> bool | None:
    """True when ``value`` is within the interval, or within 0.01 of ``before`` (negligible)."""
    if math.isnan(value) or math.isnan(before):
        return None
    if abs(value - before) <= ROBUST_ABS_TOLERANCE:
        return True
    if math.isnan(low) or math.isnan(high):
        return bool(abs(value - before) <= max(ROBUST_ABS_TOLERANCE,
                                               ROBUST_REL_TOLERANCE * abs(before)))
    return bool(low - 1e-12 <= value <= high + 1e-12)


def comparison_table(audits: dict[str, Audit]) -> pd.DataFrame:
    """Key disparities, ES and PSD in every audit side by side, with the robustness verdict.

    Parameters
    ----------
    audits : dict of str to Audit
        ``before`` and any of ``exclusion``, ``relabel``, ``review`` (see :data:`VARIANTS`).

    Returns
    -------
    DataFrame
        One row per (grouping, measure): ``<variant>``, ``<variant>_low``, ``<variant>_high``
        for every audit, ``change_<variant>`` against ``before``, and ``robust``: True when the
        excluded and relabelled values both stay inside the original 95% interval or within
        0.01 of the original value (None without those audits or when undefined).
    """
    values = {v: _measures(a) for v, a in audits.items()}
    keys = list(values["before"])
    labels = {**DISPARITY_MEASURES, **EQUITY_MEASURES}
    order = list(labels)
    groupings = list(dict.fromkeys(g for g, _ in keys))
    keys.sort(key=lambda k: (groupings.index(k[0]), order.index(k[1])))
    rows = []
    for grouping, measure in keys:
        row: dict[str, Any] = {"grouping": grouping, "measure": measure,
                               "label": labels[measure]}
        for variant, found in values.items():
            v, lo, hi = found.get((grouping, measure), (np.nan, np.nan, np.nan))
            row[variant], row[f"{variant}_low"], row[f"{variant}_high"] = v, lo, hi
        before, lo, hi = row["before"], row["before_low"], row["before_high"]
        verdicts = []
        for variant in ("exclusion", "relabel", "review"):
            if variant in values:
                row[f"change_{variant}"] = row[variant] - before
        for variant in ("exclusion", "relabel"):
            if variant in values:
                verdicts.append(_inside(row[variant], lo, hi, before))
        known = [v for v in verdicts if v is not None]
        row["robust"] = (all(known) if known else None)
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(value: float, digits: int = 2) -> str:
    return "undefined" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _ci(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return ""
    return f" [{low:.2f}, {high:.2f}]"


def _has_ci(row: pd.Series) -> bool:
    return not (math.isnan(row["before_low"]) or math.isnan(row["before_high"]))


def _bound_phrase(row: pd.Series) -> str:
    if _has_ci(row):
        return "outside the original 95% interval"
    return "by more than 0.01 and 10% of its value (no interval: the bootstrap is off)"


def _moved_sentence(row: pd.Series) -> str:
    """Which corrections move a measure outside its interval, and in which direction."""
    higher_is_fairer = str(row["measure"]).startswith("es_")
    moves = []
    for verb, key in (("excluding", "exclusion"), ("relabelling", "relabel")):
        if key in row and _inside(row[key], row["before_low"], row["before_high"],
                                  row["before"]) is False:
            grows = (row[key] < row["before"]) if higher_is_fairer else \
                (row[key] > row["before"])
            moves.append((verb, grows))
    if not moves:
        return "No verdict."
    who = " and ".join(v for v, _ in moves).capitalize()
    verb = "move" if len(moves) > 1 else "moves"
    if all(g for _, g in moves):
        return (f"{who} them {verb} it {_bound_phrase(row)} towards **more** disparity: the "
                "suspected label errors may be **hiding** part of it.")
    if not any(g for _, g in moves):
        return (f"{who} them {verb} it {_bound_phrase(row)} towards **less** disparity: this "
                "disparity is **sensitive to label noise**; part of it may come from label errors "
                "rather than from the model.")
    return (f"Excluding and relabelling move it {_bound_phrase(row)} in opposite directions: "
            "the disparity depends on how the suspected errors are handled; review them before "
            "drawing conclusions.")


def verdict_sentences(table: pd.DataFrame, changed: dict[str, int]) -> list[str]:
    """One sentence per grouping on its headline disparity, and a summary (Markdown)."""
    out = []
    if table.empty:
        return out
    for grouping, part in table.groupby("grouping", sort=False):
        pick = next((part[part["measure"] == m].iloc[0] for m in HEADLINE
                     if (part["measure"] == m).any()), part.iloc[0])
        label = str(pick["label"])
        name = label if label.startswith(("ES", "PSD", "AUC")) else label.lower()
        text = (f"**{grouping}**: {name} **{_fmt(pick['before'])}**"
                f"{_ci(pick['before_low'], pick['before_high'])} with the original labels")
        parts = []
        if "exclusion" in pick:
            parts.append(f"**{_fmt(pick['exclusion'])}** with the "
                         f"{changed.get('exclusion', 0):,} suspected errors excluded")
        if "relabel" in pick:
            parts.append(f"**{_fmt(pick['relabel'])}** with them relabelled")
        if parts:
            text += "; " + " and ".join(parts)
        text += ". "
        robust = pick["robust"]
        if robust is None or (isinstance(robust, float) and math.isnan(robust)):
            text += "It is undefined in some of the audits, so no verdict."
        elif bool(robust):
            where = ("inside the original 95% interval (or within 0.01 of the original value)"
                     if _has_ci(pick) else "within 0.01 or 10% of the original value (no "
                     "interval: the bootstrap is off)")
            text += (f"Both stay {where}: this disparity is **robust** to the suspected label "
                     "errors.")
        else:
            text += _moved_sentence(pick)
        out.append(text)
    robust, total = (int(table["robust"].dropna().astype(bool).sum()),
                     int(table["robust"].notna().sum()))
    if total:
        has_ci = bool(table["before_low"].notna().any())
        where = ("stay inside their original 95% interval (or within 0.01)" if has_ci else
                 "change by at most 0.01 or 10% of their value")
        out.append(f"Over all attributes, {robust} of {total} key disparity and equity measures "
                   f"{where} when the suspected label errors are excluded or relabelled.")
    return out


def model_ranking(audits: dict[str, Audit]) -> pd.DataFrame | None:
    """Each model's overall metric and rank in every audit (None with a single model)."""
    if len(audits["before"].models) < 2:
        return None
    frames = []
    for variant, audit in audits.items():
        cmp = audit.compare_models()
        key = "auc" if "auc" in cmp else "accuracy" if "accuracy" in cmp else cmp.columns[1]
        part = pd.DataFrame({"model": cmp["model"], f"{variant}_{key}": cmp[key],
                             f"{variant}_rank": cmp[key].rank(ascending=False,
                                                              method="min").astype(int)})
        frames.append(part.set_index("model"))
    table = pd.concat(frames, axis=1).reset_index()
    ranks = [c for c in table.columns if c.endswith("_rank")]
    table["rank_changes"] = (table[ranks].nunique(axis=1) > 1)
    return table


def _corrected(slim: pd.DataFrame, issues: LabelIssues, spec: AuditSpec,
               corrections: dict[int, Any], settings: dict[str, Any],
               warnings: list[str]) -> tuple[Audit, int]:
    rows, classes = [], []
    for row, value in sorted(corrections.items()):
        k = class_index(issues, value)
        if k is None:
            warnings.append(E.CORRECTED_LABEL_UNKNOWN.format(value=value, classes=issues.classes))
            continue
        if 0 <= int(row) < len(slim) and k != issues.labels[int(row)]:
            rows.append(int(row))
            classes.append(k)
    reviewed = slim.copy()
    reviewed[spec.label] = relabelled(slim, issues, np.array(rows, dtype=np.int64),
                                      np.array(classes, dtype=np.int64), warnings)
    return audit_spec(reviewed, spec, **settings), len(rows)


def _check_audit_inputs(frame: pd.DataFrame, issues: LabelIssues,
                        spec: AuditSpec | None) -> AuditSpec:
    spec = spec or issues.spec
    if spec is None:
        raise FairLensInputError("The label-aware audit needs the audit's mapping (spec=).")
    if not spec.prediction_kinds:
        raise FairLensInputError(E.NO_PREDICTIONS_FOR_AUDIT)
    if not spec.sensitive:
        raise FairLensInputError(
            "The fairness audit needs at least one sensitive attribute (sensitive=).")
    if len(frame) != issues.n_rows:
        raise FairLensInputError(
            f"The frame has {len(frame)} rows but the label issues were found in "
            f"{issues.n_rows}; pass the same data.")
    return replace(spec, features=[])


def corrected_audit(
    frame: pd.DataFrame,
    issues: LabelIssues,
    corrections: dict[int, Any],
    *,
    spec: AuditSpec | None = None,
    reference: Any = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    bootstrap: int = 1000,
    ci: CIMethod = "bootstrap",
    seed: int = 0,
    level: float = 0.95,
) -> tuple[Audit, int, list[str]]:
    """The audit with reviewed corrections applied to the label column.

    Parameters
    ----------
    frame : DataFrame
        The data the issues were found in.
    issues : LabelIssues
    corrections : dict of int to label value
        Row -> correct label (:meth:`fairlens.labels.ReviewLog.corrections`).
    spec, reference, min_group_size, bootstrap, ci, seed, level
        As in :func:`label_aware_fairness`.

    Returns
    -------
    (Audit, int, list of str)
        The audit, the number of labels changed, and warnings.
    """
    spec = _check_audit_inputs(frame, issues, spec)
    warnings: list[str] = []
    slim = frame[audit_columns(frame, spec)].reset_index(drop=True)
    settings = dict(reference=reference, min_group_size=min_group_size, bootstrap=bootstrap,
                    ci=ci, seed=seed, level=level)
    audit, changed = _corrected(slim, issues, spec, corrections, settings, warnings)
    return audit, changed, warnings


def label_aware_fairness(
    frame: pd.DataFrame,
    issues: LabelIssues,
    *,
    spec: AuditSpec | None = None,
    corrections: dict[int, Any] | None = None,
    reference: Any = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    bootstrap: int = 1000,
    ci: CIMethod = "bootstrap",
    seed: int = 0,
    level: float = 0.95,
) -> LabelFairness:
    """The audit with the original labels, without the flagged rows, and with them relabelled.

    Parameters
    ----------
    frame : DataFrame
        The data the issues were found in (same rows, same order).
    issues : LabelIssues
        From :func:`fairlens.labels.label_issues` / :func:`label_issues_spec`.
    spec : AuditSpec, optional
        The audit's mapping; default ``issues.spec``. It needs predictions and sensitive
        attributes.
    corrections : dict of int to label value, optional
        Reviewed corrections (row -> correct label), e.g.
        :meth:`fairlens.labels.ReviewLog.corrections`; adds the ``review`` audit.
    reference, min_group_size, bootstrap, ci, seed, level
        Audit settings (see :func:`fairlens.audit`); the same for every audit.

    Returns
    -------
    LabelFairness

    Raises
    ------
    FairLensInputError
        When the mapping has no predictions or no sensitive attribute.
    """
    spec = _check_audit_inputs(frame, issues, spec)
    warnings: list[str] = []
    slim = frame[audit_columns(frame, spec)].reset_index(drop=True)
    settings = dict(reference=reference, min_group_size=min_group_size, bootstrap=bootstrap,
                    ci=ci, seed=seed, level=level)
    mask = issues.mask
    flagged = np.flatnonzero(mask)
    audits: dict[str, Audit] = {"before": audit_spec(slim, spec, **settings)}
    if (~mask).sum() == 0:
        raise FairLensInputError("Every row is flagged; there is nothing left to audit.")
    audits["exclusion"] = audit_spec(slim.loc[~mask].reset_index(drop=True), spec, **settings)
    relabel = slim.copy()
    relabel[spec.label] = relabelled(slim, issues, flagged, issues.suggested[flagged], warnings)
    audits["relabel"] = audit_spec(relabel, spec, **settings)
    changed = {"before": 0, "exclusion": int(len(flagged)), "relabel": int(len(flagged))}
    if corrections:
        audits["review"], changed["review"] = _corrected(slim, issues, spec, corrections,
                                                         settings, warnings)
    table = comparison_table(audits)
    ranking = model_ranking(audits)
    if issues.source == "score" and issues.score_column in spec.score:
        warnings.append(E.SAME_MODEL.format(what=f"score column {issues.score_column!r}"))
    elif issues.source == "proba" and spec.proba_prefix:
        warnings.append(E.SAME_MODEL.format(what=f"columns {spec.proba_prefix!r}*"))
    warnings.append(E.EXCLUSION_HARD_ROWS)
    if ranking is not None and issues.source in ("score", "proba"):
        warnings.append(
            "Relabelling uses the suggestions of the model whose probabilities found the errors, "
            "so on relabelled data that model is favoured; compare rankings after exclusion or "
            "after your reviewed corrections.")
    return LabelFairness(audits=audits, changed_rows=changed, table=table,
                         sentences=verdict_sentences(table, changed), ranking=ranking,
                         warnings=list(dict.fromkeys(warnings)))

"""Label-aware fairness: the audit before and after removing or correcting suspected label errors.

Every number comes from :func:`fairlens.audit_spec` run on the original rows, on the rows
without the flagged ones, on the rows with flagged labels replaced by the suggested label, and
(optionally) with the analyst's reviewed corrections. This module only chooses, compares and
words them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens._json import json_safe
from fairlens.auditing import Audit, AuditOptions, audit_spec
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.labels import _errors as E
from fairlens.labels._issues import SCHEMA, LabelIssues
from fairlens.wording import labels as W

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

    SCHEMA: ClassVar[str] = SCHEMA

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

    def tables(self) -> dict[str, pd.DataFrame]:
        """The before/after comparison and, with several models, the model ranking."""
        out = {"fairness_comparison": self.table}
        if self.ranking is not None:
            out["model_ranking"] = self.ranking
        return out

    def summary_lines(self) -> list[str]:
        """The verdict as plain text."""
        return W.listed_lines("label-aware fairness", self.sentences, plain=True)

    def to_dict(self) -> dict[str, Any]:
        """The ``fairness_*`` parts of the ``fairlens.labels/1`` JSON document (JSON-safe)."""
        out: dict[str, Any] = {}
        for variant, audit in self.audits.items():
            out[FAIRNESS_KEYS[variant]] = fairness_part(audit, self.changed_rows.get(variant, 0))
        out["fairness_comparison"] = self.table.to_dict("records")
        out["fairness_verdict"] = list(self.sentences)
        if self.ranking is not None:
            out["model_ranking"] = self.ranking.to_dict("records")
        return json_safe(out)


FAIRNESS_KEYS = {"before": "fairness_before", "exclusion": "fairness_after_exclusion",
                 "relabel": "fairness_after_relabel", "review": "fairness_after_review"}
"""The key of each audit in the JSON document."""


def fairness_part(audit: Audit, changed: int = 0) -> dict[str, Any]:
    """The disparities, ES and PSD of one audit: a ``fairness_*`` part of the JSON document."""
    doc = audit.to_dict()
    return {"n_rows": doc["n_rows"], "rows_changed": int(changed),
            "disparities": doc["disparities"], "equity_scaled": doc["equity_scaled"],
            "performance_scaled_disparity": doc["performance_scaled_disparity"]}


# --- corrected frames --------------------------------------------------------------------------


def audit_columns(frame: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """The columns an audit under ``spec`` reads (label, attributes, predictions, weight)."""
    return spec.columns(frame.columns)


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


def _has_ci(row: pd.Series) -> bool:
    return not (math.isnan(row["before_low"]) or math.isnan(row["before_high"]))


def _moves(row: pd.Series) -> list[tuple[str, bool]]:
    """The corrections that move a measure out of its interval, and whether towards more
    disparity (``(verb, grows)``)."""
    higher_is_fairer = str(row["measure"]).startswith("es_")
    moves = []
    for verb, key in (("excluding", "exclusion"), ("relabelling", "relabel")):
        if key in row and _inside(row[key], row["before_low"], row["before_high"],
                                  row["before"]) is False:
            grows = (row[key] < row["before"]) if higher_is_fairer else \
                (row[key] > row["before"])
            moves.append((verb, grows))
    return moves


def _robust(value: Any) -> bool | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value)


def verdict_sentences(table: pd.DataFrame, changed: dict[str, int], *,
                      esc: Callable[[Any], str] = str) -> list[str]:
    """One sentence per grouping on its headline disparity, and a summary (Markdown).

    This function picks the headline measure and judges it; the words are
    :mod:`fairlens.wording.labels`'. ``esc`` renders the grouping names (a page passes
    :func:`fairlens.wording.md`).
    """
    out = []
    if table.empty:
        return out
    for grouping, part in table.groupby("grouping", sort=False):
        pick = next((part[part["measure"] == m].iloc[0] for m in HEADLINE
                     if (part["measure"] == m).any()), part.iloc[0])
        out.append(W.grouping_verdict(esc(grouping), pick, changed, _robust(pick["robust"]),
                                      _moves(pick), _has_ci(pick)))
    robust, total = (int(table["robust"].dropna().astype(bool).sum()),
                     int(table["robust"].notna().sum()))
    if total:
        out.append(W.overall_verdict(robust, total, bool(table["before_low"].notna().any())))
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
               corrections: dict[int, Any], options: AuditOptions,
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
    return audit_spec(reviewed, spec, options=options), len(rows)


def _audit_inputs(frame: pd.DataFrame, issues: LabelIssues, spec: AuditSpec | None,
                  options: AuditOptions | None, keywords: dict[str, Any]
                  ) -> tuple[AuditSpec, pd.DataFrame, AuditOptions]:
    """The audit's mapping, the columns it reads and its options (old keywords applied)."""
    spec = spec or issues.spec
    if spec is None:
        raise FairLensInputError("The label-aware audit needs the audit's mapping (spec=).")
    if not spec.prediction_kinds:
        raise FairLensInputError(E.NO_PREDICTIONS_FOR_AUDIT)
    if not spec.sensitive:
        raise FairLensInputError(
            "The fairness audit needs at least one sensitive attribute (sensitive=).")
    frame = issues.analysed_frame(frame)
    if len(frame) != issues.n_rows:
        raise FairLensInputError(
            f"The frame has {len(frame)} rows but the label issues were found in "
            f"{issues.n_rows}; pass the same data.")
    spec = replace(spec, features=[])
    slim = frame[audit_columns(frame, spec)].reset_index(drop=True)
    return spec, slim, AuditOptions.resolve(options, **keywords)


def corrected_audit(
    frame: pd.DataFrame,
    issues: LabelIssues,
    corrections: dict[int, Any],
    *,
    spec: AuditSpec | None = None,
    options: AuditOptions | None = None,
    **keywords: Any,
) -> tuple[Audit, int, list[str]]:
    """The audit with reviewed corrections applied to the label column.

    Parameters
    ----------
    frame : DataFrame
        The data the issues were found in.
    issues : LabelIssues
    corrections : dict of int to label value
        Row -> correct label (:meth:`fairlens.labels.ReviewLog.corrections`).
    spec, options, **keywords
        As in :func:`label_aware_fairness`.

    Returns
    -------
    (Audit, int, list of str)
        The audit, the number of labels changed, and warnings.
    """
    spec, slim, options = _audit_inputs(frame, issues, spec, options, keywords)
    warnings: list[str] = []
    audit, changed = _corrected(slim, issues, spec, corrections, options, warnings)
    return audit, changed, warnings


def _source_warnings(issues: LabelIssues, spec: AuditSpec, several_models: bool) -> list[str]:
    """What the user must know about the probabilities that found the errors."""
    out = []
    if issues.source == "score" and issues.score_column in spec.score:
        out.append(E.SAME_MODEL.format(what=f"the score column {issues.score_column}"))
    elif issues.source == "proba" and spec.proba_prefix:
        out.append(E.SAME_MODEL.format(what=f"the columns {spec.proba_prefix}*"))
    out.append(E.EXCLUSION_HARD_ROWS)
    if several_models and issues.source in ("score", "proba"):
        out.append(W.RELABEL_FAVOURS_MODEL)
    return out


def label_aware_fairness(
    frame: pd.DataFrame,
    issues: LabelIssues,
    *,
    spec: AuditSpec | None = None,
    corrections: dict[int, Any] | None = None,
    options: AuditOptions | None = None,
    **keywords: Any,
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
    options : AuditOptions, optional
        The audit's settings (see :func:`fairlens.audit_spec`); the same for every audit.
    **keywords
        Single fields of :class:`~fairlens.AuditOptions` (``reference``,
        ``min_group_size``, ``bootstrap``, ``ci``, ``seed``, ``level``), the older form.

    Returns
    -------
    LabelFairness

    Raises
    ------
    FairLensInputError
        When the mapping has no predictions or no sensitive attribute.
    """
    spec, slim, options = _audit_inputs(frame, issues, spec, options, keywords)
    warnings: list[str] = []
    mask = issues.mask
    flagged = np.flatnonzero(mask)
    audits: dict[str, Audit] = {"before": audit_spec(slim, spec, options=options)}
    if (~mask).sum() == 0:
        raise FairLensInputError("Every row is flagged; there is nothing left to audit.")
    audits["exclusion"] = audit_spec(slim.loc[~mask].reset_index(drop=True), spec,
                                     options=options)
    relabel = slim.copy()
    relabel[spec.label] = relabelled(slim, issues, flagged, issues.suggested[flagged], warnings)
    audits["relabel"] = audit_spec(relabel, spec, options=options)
    changed = {"before": 0, "exclusion": int(len(flagged)), "relabel": int(len(flagged))}
    if corrections:
        audits["review"], changed["review"] = _corrected(slim, issues, spec, corrections,
                                                         options, warnings)
    table = comparison_table(audits)
    ranking = model_ranking(audits)
    warnings.extend(_source_warnings(issues, spec, ranking is not None))
    return LabelFairness(audits=audits, changed_rows=changed, table=table,
                         sentences=verdict_sentences(table, changed), ranking=ranking,
                         warnings=list(dict.fromkeys(warnings)))

"""What every remedy shares: the :class:`Remedy` base class and :func:`evaluate`, which fits
one remedy on part of the rows and audits it, before and after, on the held-out rest.

The audits are :func:`fairlens.auditing.audit_spec` with exactly the options given, so the
numbers before and after come from the same audit code (and settings) as everywhere else.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens.auditing import Audit, AuditOptions, audit_spec
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.registry import Analysis
from fairlens.remedies._common import (
    DEFAULT_CONSTRAINT,
    DEFAULT_TEST_SIZE,
    DEFAULT_TOLERANCE,
    MEASURE,
    MSG_ATTRIBUTE,
    MSG_NO_FEATURES,
    MSG_NO_SCORE,
    MSG_TASK,
    PREDICTION_COLUMN,
    SCORE_COLUMN,
    Progress,
    disparity_of,
    label_values,
    make_split,
    positive_of,
    prediction_spec,
)
from fairlens.remedies._effect import paired_difference
from fairlens.remedies._result import RemedyResult
from fairlens.wording import names
from fairlens.wording.remedies import expected_gap_clause, retrained_sentence, sentence_for


@dataclass
class FitContext:
    """Everything a remedy needs to fit on one part of the rows and predict the other."""

    fit_part: pd.DataFrame
    test_part: pd.DataFrame
    y_fit: np.ndarray
    y_test: np.ndarray
    spec: AuditSpec
    classes: list[Any]
    attribute: str
    constraint: str
    tolerance: float
    seed: int
    audits: AuditOptions
    progress: Progress | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Fitted:
    """What a remedy produced: the remedied held-out rows (as a frame and spec the audit
    reads), its artefacts, the predictions table, and optionally a model, a baseline frame
    (the learner without fairness) and the check of the constraint on the fitting rows."""

    after_frame: pd.DataFrame
    after_spec: AuditSpec
    artefacts: dict[str, Any]
    predictions: pd.DataFrame
    model: Any = None
    baseline_frame: pd.DataFrame | None = None
    fit_check: dict[str, Any] = field(default_factory=dict)


class Remedy(Analysis):
    """Base of every remedy (family ``"remedy"``), scikit-learn style: ``__init__`` stores
    the method's parameters, :meth:`fit_predict` fits on the fitting rows and predicts the
    held-out ones, :meth:`run` is the registry's entry point.

    Class attributes beyond :class:`fairlens.registry.Analysis`: ``detail`` (a few words for
    choosers), ``plural`` (the title is a plural subject in sentences) and
    ``sweeps_tolerance`` (the trade-off view tries further tolerances) and
    ``takes_constraint`` (the remedy targets the constraint within the tolerance; the others
    only have the constraint's disparity measured, and their results have no tolerance).
    """

    abstract = True
    family = "remedy"
    needs: ClassVar[tuple[str, ...]] = ("label", "binary", "prediction", "features")
    detail: ClassVar[str] = ""
    plural: ClassVar[bool] = False
    sweeps_tolerance: ClassVar[bool] = False
    takes_constraint: ClassVar[bool] = False

    @classmethod
    def param_names(cls) -> list[str]:
        """The constructor's parameters (scikit-learn's ``_get_param_names``)."""
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values()
                if p.name != "self" and p.kind is p.KEYWORD_ONLY]

    @classmethod
    def from_keywords(cls, keywords: dict[str, Any]) -> Remedy:
        """An instance configured with the keywords among ``keywords`` that it takes (the
        others belong to other remedies or to the audits)."""
        names = cls.param_names()
        return cls(**{k: v for k, v in keywords.items() if k in names})

    def get_params(self) -> dict[str, Any]:
        """The parameters, by name."""
        return {name: getattr(self, name) for name in self.param_names()}

    def changed_params(self) -> dict[str, Any]:
        """The parameters that differ from the constructor's defaults."""
        signature = inspect.signature(type(self).__init__)
        return {k: v for k, v in self.get_params().items()
                if signature.parameters[k].default != v}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.changed_params().items())
        return f"{type(self).__name__}({args})"

    def baseline_label(self) -> str:
        """How the trade-off view names this remedy's learner trained without fairness."""
        return UNWEIGHTED_LABEL

    def sentence_extra(self, after: Audit, baseline: Audit | None, attribute: str) -> str:
        """A clause added to the result's sentence (empty by default)."""
        return ""

    def fit_predict(self, ctx: FitContext) -> Fitted:
        """Fit on ``ctx.fit_part`` and remedy the predictions of ``ctx.test_part``."""
        raise NotImplementedError

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> RemedyResult:
        """:func:`evaluate` this remedy with the audit's ``options`` (the same as
        ``remedy_spec(frame, spec, method=self, options=options)``)."""
        return evaluate(frame, spec, self, options=options, seed=options.seed,
                        settings={**audit_settings(options), **self.changed_params()})


UNWEIGHTED_LABEL = "Retrained without fairness"


# --- evaluation ---------------------------------------------------------------------------------

def audit_settings(options: AuditOptions) -> dict[str, Any]:
    """The audit options a result records in its settings (those the CLI always passed)."""
    out: dict[str, Any] = {"bootstrap": options.bootstrap,
                           "min_group_size": options.min_group_size}
    if options.reference is not None:
        out["reference"] = options.reference
    return out


def validate(frame: pd.DataFrame, spec: AuditSpec, remedy: Remedy,
             attribute: str | None) -> str:
    """The attribute the remedy acts on, after checking that ``spec`` can be remedied."""
    if spec.task != "binary" or not (spec.score or spec.pred):
        raise FairLensInputError(MSG_TASK.format(task=spec.task if spec.task != "binary"
                                                 else "label-only"))
    if not spec.label:
        raise FairLensInputError("Remedies need the true label; map the label column.")
    if not spec.sensitive:
        raise FairLensInputError("Remedies need a sensitive attribute; map one (CLI: "
                                 "--sensitive COL).")
    if "score" in remedy.needs and not spec.score:
        raise FairLensInputError(MSG_NO_SCORE)
    if "features" in remedy.needs and not spec.features:
        raise FairLensInputError(MSG_NO_FEATURES.format(method=remedy.name))
    attribute = attribute or spec.sensitive[0]
    if attribute not in spec.sensitive:
        raise FairLensInputError(MSG_ATTRIBUTE.format(value=attribute,
                                                      choices=", ".join(spec.sensitive)))
    leak = [f for f in spec.features if f in (spec.label, *spec.score, *spec.pred)]
    if leak:
        raise FairLensInputError(f"Feature column(s) {names(leak)} are the label or the "
                                 "predictions; remove them from the features.")
    return str(attribute)


def evaluate(frame: pd.DataFrame, spec: AuditSpec, remedy: Remedy, *,
             options: AuditOptions, constraint: str = DEFAULT_CONSTRAINT,
             tolerance: float = DEFAULT_TOLERANCE, test_size: float = DEFAULT_TEST_SIZE,
             seed: int = 0,
             attribute: str | None = None, output_dir: str | Path | None = None,
             progress: Progress | None = None, settings: dict[str, Any] | None = None
             ) -> RemedyResult:
    """Fit ``remedy`` on part of the rows and audit it, before and after, on the rest.

    ``options`` are the audits' options, used as they are (``options.threshold``, when set,
    is the original predictions' threshold). ``settings`` are recorded in the result next to
    the attribute, the held-out share and the seed. See :func:`fairlens.remedies.remedy_spec`
    for the other parameters.
    """
    if options.threshold is not None:
        spec = replace(spec, threshold=options.threshold)
        options = replace(options, threshold=None)
    attribute = validate(frame, spec, remedy, attribute)
    frame = frame.reset_index(drop=True)
    y_all, classes = positive_of(frame, spec)
    split = make_split(frame, spec, test_size=test_size, seed=seed, attribute=attribute)
    fit_part = frame.iloc[split.fit].reset_index(drop=True)
    test_part = frame.iloc[split.test].reset_index(drop=True)
    ctx = FitContext(fit_part=fit_part, test_part=test_part, y_fit=y_all[split.fit],
                     y_test=y_all[split.test], spec=spec, classes=classes,
                     attribute=attribute, constraint=constraint, tolerance=tolerance,
                     seed=int(seed), audits=options, progress=progress)
    if spec.weight:
        ctx.warnings.append(f"The sample-weight column {spec.weight} weighs the audits; the "
                            "remedies are fitted without it.")
    steps = 4
    tick = progress or (lambda done, total, message: None)
    tick(0, steps, "Auditing the original predictions on the held-out rows")
    before = audit_spec(test_part, spec, options=options)
    tick(1, steps, f"Fitting {remedy.title} on {len(fit_part):,} rows")
    out = remedy.fit_predict(ctx)
    out.predictions.insert(0, "row", split.test)
    tick(3, steps, "Auditing the remedied predictions on the held-out rows")
    after = audit_spec(out.after_frame, out.after_spec, options=options)
    baseline = None
    beyond: dict[str, Any] = {}
    if out.baseline_frame is not None:
        baseline = audit_spec(out.baseline_frame, out.after_spec, options=options)
        beyond = beyond_retraining(out, ctx, after, baseline)
    sentence = headline(remedy, constraint, attribute, before, after, baseline, out.fit_check,
                        tolerance, len(test_part), beyond)
    result = RemedyResult(
        method=remedy.name, constraint=constraint,
        tolerance=tolerance if remedy.takes_constraint else None, attribute=attribute,
        split=split, before=before, after=after, artefacts=out.artefacts,
        predictions=out.predictions, model=out.model, sentence=sentence,
        warnings=list(dict.fromkeys(ctx.warnings)),
        settings={"attribute": attribute, "test_size": float(test_size), "seed": int(seed),
                  **(settings or {})},
        baseline=baseline, fit_check=out.fit_check, takes_constraint=remedy.takes_constraint,
        beyond_retraining=beyond)
    if output_dir:
        result.save(output_dir)
    tick(steps, steps, "Done")
    return result


def _decisions(frame: pd.DataFrame, spec: AuditSpec, classes: list[Any]) -> np.ndarray:
    """The 0/1 decisions of a remedied frame (its score at 0.5, or its predicted label)."""
    if spec.score:
        return (pd.to_numeric(frame[spec.score[0]]).to_numpy() >= spec.threshold).astype(int)
    return (frame[spec.pred[0]].to_numpy() == classes[1]).astype(int)


def beyond_retraining(out: Fitted, ctx: FitContext, after: Audit, baseline: Audit
                      ) -> dict[str, Any]:
    """The gap of the remedy minus that of the learner retrained without fairness on the same
    held-out rows, with a paired bootstrap interval (empty when the audits are weighted or
    the recomputed gaps are not the audits')."""
    if ctx.spec.weight:
        return {}
    measure = MEASURE[ctx.constraint]
    effect = paired_difference(
        ctx.y_test, ctx.test_part[ctx.attribute].to_numpy(),
        _decisions(out.after_frame, out.after_spec, ctx.classes),
        _decisions(out.baseline_frame, out.after_spec, ctx.classes),
        constraint=ctx.constraint, min_group_size=ctx.audits.min_group_size, seed=ctx.seed)
    same = all(abs(effect[k] - disparity_of(audit, ctx.attribute, measure)) < 1e-9
               for k, audit in (("with_method", after), ("without", baseline)))
    return {"measure": measure, **effect} if same else {}


def headline(remedy: Remedy, constraint: str, attribute: str, before: Audit, after: Audit,
             baseline: Audit | None, fit_check: dict[str, Any], tolerance: float,
             n_test: int, beyond: dict[str, Any] | None = None) -> str:
    """The result's sentence, from the held-out audits: a remedy that retrains is compared
    with the same learner retrained without fairness (what the method added beyond
    retraining); the others with the original predictions."""
    measure = MEASURE[constraint]
    extra = [remedy.sentence_extra(after, baseline, attribute)]
    cross = fit_check.get("cross_fit") if fit_check else None
    if cross:
        extra.append(expected_gap_clause(measure, cross["expected_gap"], tolerance,
                                         cross.get("noise")))
    extra_text = "; ".join(e for e in extra if e)
    gaps = (disparity_of(before, attribute, measure), disparity_of(after, attribute, measure))
    accs = (float(before.overall["accuracy"]), float(after.overall["accuracy"]))
    if "features" not in remedy.needs:
        return sentence_for(remedy.title, measure, attribute, *gaps, *accs, n_test, extra_text,
                            plural=remedy.plural)
    base_gap = None if baseline is None else disparity_of(baseline, attribute, measure)
    base_acc = None if baseline is None else float(baseline.overall["accuracy"])
    interval = (beyond["low"], beyond["high"]) if beyond else None
    return retrained_sentence(remedy.title, measure, attribute, gaps[0], gaps[1], base_gap,
                              accs[0], accs[1], base_acc, n_test, extra_text,
                              plural=remedy.plural, interval=interval)


# --- helpers of the remedies --------------------------------------------------------------------

def original_decisions(frame: pd.DataFrame, spec: AuditSpec, classes: list[Any]) -> np.ndarray:
    """The original model's 0/1 decisions (score >= threshold, or the predicted label)."""
    if spec.score:
        return (pd.to_numeric(frame[spec.score[0]]).to_numpy() >= spec.threshold).astype(int)
    col = frame[spec.pred[0]]
    return (col.astype(str).str.strip() == str(classes[1]).strip()).to_numpy().astype(int)


def decisions_frame(part: pd.DataFrame, decisions: np.ndarray, classes: list[Any]
                    ) -> pd.DataFrame:
    """``part`` with the remedy's 0/1 decisions in the label's own values."""
    return part.assign(**{PREDICTION_COLUMN: label_values(decisions, classes)})


def score_frame(part: pd.DataFrame, proba: np.ndarray) -> pd.DataFrame:
    """``part`` with a retrained model's probability scores."""
    return part.assign(**{SCORE_COLUMN: np.clip(proba, 0.0, 1.0)})


def predictions_table(ctx: FitContext, **columns: Any) -> pd.DataFrame:
    """The held-out rows' label, attributes and original predictions, plus ``columns``."""
    spec = ctx.spec
    keep = list(dict.fromkeys([spec.label, *spec.sensitive, *spec.score, *spec.pred]))
    out = ctx.test_part[keep].copy()
    for k, v in columns.items():
        out[k] = v
    return out


def _reference_for(reference: Any, attribute: str) -> Any:
    if isinstance(reference, dict):
        return {attribute: reference[attribute]} if reference.get(attribute) is not None \
            else None
    return reference


def check_fit(frame: pd.DataFrame, spec: AuditSpec, ctx: FitContext, *, expected: bool,
              rows: str = "fit", min_group_size: int = 1, constrained: bool = True
              ) -> dict[str, Any]:
    """The constraint's disparity on the fitting (or held-out) rows, without bootstrap; on
    the fitting rows every group counts (the remedy constrains them all), on held-out rows
    groups below the audit's minimum size are left out as in the after audit. With
    ``constrained=False`` (a remedy that takes no constraint) the disparity is only
    measured: no tolerance, no "holds"."""
    opts = replace(ctx.audits, bootstrap=0, ci="wilson", min_group_size=min_group_size,
                   reference=_reference_for(ctx.audits.reference, ctx.attribute))
    audit = audit_spec(frame, replace(spec, sensitive=[ctx.attribute]), options=opts)
    measure = MEASURE[ctx.constraint]
    value = disparity_of(audit, ctx.attribute, measure)
    out = {"rows": rows, "kind": "expected (randomized decisions in expectation)" if expected
           else "realised decisions", "measure": measure, "value": value}
    if constrained:
        out.update({"tolerance": ctx.tolerance, "holds": bool(value <= ctx.tolerance + 1e-9)})
    out.update({"accuracy": float(audit.overall["accuracy"]),
                "balanced_accuracy": float(audit.overall["balanced_accuracy"])})
    return out


def expected_frame(part: pd.DataFrame, spec: AuditSpec, p: np.ndarray,
                   classes: list[Any]) -> tuple[pd.DataFrame, AuditSpec]:
    """Each row twice, decided positive with weight ``p`` and negative with ``1 - p``: the
    weighted audit of this frame gives the rates of randomized decisions in expectation."""
    pos = part.assign(**{PREDICTION_COLUMN: label_values(np.ones(len(part)), classes),
                         "__remedy_weight": p})
    neg = part.assign(**{PREDICTION_COLUMN: label_values(np.zeros(len(part)), classes),
                         "__remedy_weight": 1.0 - p})
    both = pd.concat([pos, neg], ignore_index=True)
    both = both[both["__remedy_weight"] > 0].reset_index(drop=True)
    return both, replace(prediction_spec(spec), weight="__remedy_weight")

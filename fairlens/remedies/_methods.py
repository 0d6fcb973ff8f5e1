"""The remedies, each a registered :class:`~fairlens.remedies._base.Remedy`: group thresholds,
reweighing, fairlearn's exponentiated gradient, and FIS / FEBS loss scaling with torch."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens._validation import check_int
from fairlens.auditing import Audit
from fairlens.data import prepare
from fairlens.registry import register
from fairlens.remedies._base import (
    FitContext,
    Fitted,
    Remedy,
    check_fit,
    decisions_frame,
    expected_frame,
    original_decisions,
    predictions_table,
    score_frame,
)
from fairlens.remedies._common import prediction_spec, score_spec
from fairlens.remedies._crossfit import DEFAULT_FOLDS, CrossFit, cross_fit
from fairlens.remedies._models import (
    feature_frame,
    fit_expgrad,
    fit_pipeline,
    preprocessor,
    reweighing_weights,
)
from fairlens.remedies._thresholds import GroupThresholdOptimizer
from fairlens.remedies._torch import FairLossClassifier
from fairlens.wording import names
from fairlens.wording import remedies as threshold_wording
from fairlens.wording.remedies import es_clause, training_progress

_SKOPS = "skops"


def _model_note(what: str) -> dict[str, str]:
    return {"format": _SKOPS, "object": f"sklearn Pipeline (preprocessing + {what})"}


def _prepared(ctx: FitContext) -> tuple[Any, np.ndarray, np.ndarray]:
    """The fitted preprocessor and the preprocessed fitting and held-out features."""
    features = ctx.spec.features
    prep = preprocessor(ctx.fit_part, features)
    x_fit = prep.fit_transform(feature_frame(ctx.fit_part, features))
    return prep, x_fit, prep.transform(feature_frame(ctx.test_part, features))


def _scored(ctx: FitContext, proba: np.ndarray, fit_proba: np.ndarray,
            baseline: np.ndarray | None, artefacts: dict[str, Any], model: Any) -> Fitted:
    """The outcome of a remedy that retrains a probability model (decision at 0.5)."""
    fit_check = check_fit(score_frame(ctx.fit_part, fit_proba), score_spec(ctx.spec), ctx,
                          expected=False, constrained=False)
    return Fitted(
        after_frame=score_frame(ctx.test_part, proba), after_spec=score_spec(ctx.spec),
        artefacts=artefacts, model=model, fit_check=fit_check,
        predictions=predictions_table(ctx, remedy_score=proba,
                                      remedy_decision=(proba >= 0.5).astype(int)),
        baseline_frame=None if baseline is None else score_frame(ctx.test_part, baseline))


@register
class GroupThresholds(Remedy):
    """Group-specific (randomized) thresholds on the existing score, solved exactly from the
    score tables (no retraining).

    Parameters
    ----------
    objective : {"accuracy", "balanced_accuracy"}
        What the thresholds maximise on the fitting rows.
    folds : int, default 5
        Cross-fitting folds: the number of score bins and the fitting tolerance (at most the
        asked one) are chosen so that the gap holds on fitting rows left out of the fit
        (:func:`fairlens.remedies.cross_fit`), which keeps a rule on a continuous score from
        fitting the noise of its rows. 0 or 1: solved exactly at the tolerance on every score
        (fits the fitting rows best, holds least on new rows).
    """

    name = "thresholds"
    title = "Group-specific thresholds"
    detail = "post-processing, no retraining"
    needs = ("label", "binary", "score")
    plural = True
    sweeps_tolerance = True
    takes_constraint = True

    def __init__(self, *, objective: str = "accuracy", folds: int = DEFAULT_FOLDS) -> None:
        self.objective = objective
        self.folds = folds

    def _cross_fit(self, ctx: FitContext) -> CrossFit | None:
        """The grid and fitting tolerance chosen by cross-fitting (None with ``folds`` < 2)."""
        folds = check_int("folds", self.folds, low=0)
        if folds < 2:
            return None
        spec = ctx.spec
        single = replace(spec, sensitive=[ctx.attribute], score=spec.score[:1], features=[],
                         weight=None)
        prepared = prepare(ctx.fit_part, single)
        attr = prepared.attributes[0]
        held = prepare(ctx.test_part, single)
        index = {str(g): i for i, g in enumerate(attr.categories)}
        held_attr = held.attributes[0]
        held_codes = np.array([index.get(str(g), -1) for g in held_attr.categories],
                              dtype=np.int64)[held_attr.codes]
        return cross_fit(prepared.scores[spec.score[0]], prepared.y, attr.codes,
                         list(attr.categories),
                         original_decisions(ctx.fit_part, spec, ctx.classes),
                         constraint=ctx.constraint, tolerance=ctx.tolerance,
                         objective=self.objective, folds=folds, seed=ctx.seed,
                         min_group_size=ctx.audits.min_group_size,
                         held_out=(held_codes, held.y))

    def fit_predict(self, ctx: FitContext) -> Fitted:
        spec, attribute, warnings = ctx.spec, ctx.attribute, ctx.warnings
        chosen = self._cross_fit(ctx)
        if chosen is None:
            opt = GroupThresholdOptimizer(constraint=ctx.constraint, tolerance=ctx.tolerance,
                                          objective=self.objective)
        else:
            opt = GroupThresholdOptimizer(constraint=ctx.constraint,
                                          tolerance=chosen.fit_tolerance,
                                          objective=self.objective, max_bins=chosen.max_bins)
        opt.fit(ctx.fit_part, spec, attribute)
        warnings.extend(opt.notes_)
        if chosen is not None and not chosen.holds:
            warnings.append(threshold_wording.not_held_warning(chosen, ctx.tolerance))
        score = pd.to_numeric(ctx.test_part[spec.score[0]]).to_numpy(dtype=float)
        groups = ctx.test_part[attribute].to_numpy()
        original = original_decisions(ctx.test_part, spec, ctx.classes)
        p = opt.proba(score, groups)
        unseen = sorted({str(g) for g, q in zip(groups, p, strict=True) if np.isnan(q)})
        if unseen:
            warnings.append(f"Group(s) {names(unseen)} of {attribute} have no rows in the "
                            "fitting part; their held-out rows keep the original decisions.")
        decisions = opt.predict(score, groups, seed=ctx.seed, fallback=original)
        least = ctx.audits.min_group_size
        small = [str(g) for g, n in zip(opt.groups_, opt.weights_.sum(axis=(1, 2)), strict=True)
                 if n < least]
        if small:
            warnings.append(f"Thresholds of the small group(s) {names(small)} were fitted on "
                            f"fewer than {least} rows and are uncertain.")
        if np.any((p > 0) & (p < 1)):
            warnings.append("Some decisions are randomized (a share of one score value of a "
                            "group is selected at random, seeded): that is what lets equalized "
                            "odds hold with few distinct scores.")
        fit_scores = pd.to_numeric(ctx.fit_part[spec.score[0]]).to_numpy(dtype=float)
        p_fit = opt.proba(fit_scores, ctx.fit_part[attribute].to_numpy())
        expected, espec = expected_frame(ctx.fit_part, spec, np.nan_to_num(p_fit), ctx.classes)
        fit_check = check_fit(expected, espec, ctx, expected=True)
        if chosen is not None:
            fit_check["fit_tolerance"] = chosen.fit_tolerance
            fit_check["cross_fit"] = chosen.to_dict()
        fit_check["objective"] = self.objective
        fit_check["objective_value"] = opt.objective_value_
        held, hspec = expected_frame(ctx.test_part, spec, np.where(np.isnan(p), original, p),
                                     ctx.classes)
        fit_check["held_out_expected"] = check_fit(held, hspec, ctx, expected=True,
                                                   rows="held-out", min_group_size=least)
        artefacts = {"kind": "group_thresholds", "attribute": attribute, "score": spec.score[0],
                     "score_kind": spec.score_kind, "original_threshold": spec.threshold,
                     "objective": self.objective, "constraint": ctx.constraint,
                     "tolerance": ctx.tolerance,
                     "rule": "for a row of group g with score s, find the last step with "
                             "score_at_least <= s and predict positive with probability "
                             "p_positive (seeded draw)",
                     "groups": opt.describe(), "notes": list(opt.notes_),
                     "cross_fit": None if chosen is None else chosen.to_dict()}
        return Fitted(after_frame=decisions_frame(ctx.test_part, decisions, ctx.classes),
                      after_spec=prediction_spec(spec), artefacts=artefacts,
                      predictions=predictions_table(ctx, p_positive=p,
                                                    original_decision=original,
                                                    remedy_decision=decisions),
                      fit_check=fit_check)


@register
class Reweighing(Remedy):
    """Kamiran-Calders weights ``P(A) P(Y) / P(A, Y)`` and a retrained scikit-learn model.

    Parameters
    ----------
    learner : {"logistic", "hist_gradient_boosting"}
    baseline : bool, default True
        Also train the learner without the weights (the fair comparison).
    """

    name = "reweigh"
    title = "Reweighing (Kamiran-Calders) and retraining"
    detail = "scikit-learn"

    def __init__(self, *, learner: str = "logistic", baseline: bool = True) -> None:
        self.learner = learner
        self.baseline = baseline

    def baseline_label(self) -> str:
        return f"Retrained without fairness ({self.learner}, scikit-learn)"

    def fit_predict(self, ctx: FitContext) -> Fitted:
        spec, learner = ctx.spec, self.learner
        weights, table = reweighing_weights(ctx.y_fit, ctx.fit_part[ctx.attribute].to_numpy())
        model = fit_pipeline(ctx.fit_part, spec.features, ctx.y_fit, learner=learner,
                             seed=ctx.seed, sample_weight=weights)
        x_test = feature_frame(ctx.test_part, spec.features)
        base = None
        if self.baseline:
            base = fit_pipeline(ctx.fit_part, spec.features, ctx.y_fit, learner=learner,
                                seed=ctx.seed).predict_proba(x_test)[:, 1]
        artefacts = {"kind": "reweighing", "attribute": ctx.attribute, "formula":
                     "w(a, y) = P(A = a) P(Y = y) / P(A = a, Y = y), on the fitting rows",
                     "weights": table.to_dict(orient="records"), "learner": learner,
                     "features": list(spec.features), "decision": "remedy_score >= 0.5",
                     "model": _model_note(learner)}
        fit_proba = model.predict_proba(feature_frame(ctx.fit_part, spec.features))[:, 1]
        return _scored(ctx, model.predict_proba(x_test)[:, 1], fit_proba, base, artefacts,
                       model)


@register
class Reductions(Remedy):
    """fairlearn's ExponentiatedGradient around a logistic regression.

    Parameters
    ----------
    eps : float, default 0.01
    max_iter : int, default 50
    baseline : bool, default True
        Also train the logistic regression without the constraint.
    """

    name = "expgrad"
    title = "Exponentiated gradient (fairlearn reductions)"
    detail = "retraining"
    sweeps_tolerance = True
    takes_constraint = True

    def __init__(self, *, eps: float = 0.01, max_iter: int = 50, baseline: bool = True) -> None:
        self.eps = eps
        self.max_iter = max_iter
        self.baseline = baseline

    def baseline_label(self) -> str:
        return "Retrained without fairness (logistic, scikit-learn)"

    def fit_predict(self, ctx: FitContext) -> Fitted:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        prep, x_fit, x_test = _prepared(ctx)
        eps, max_iter = float(self.eps), int(self.max_iter)
        model = fit_expgrad(x_fit, ctx.y_fit, ctx.fit_part[ctx.attribute].to_numpy(),
                            constraint=ctx.constraint, tolerance=ctx.tolerance, eps=eps,
                            max_iter=max_iter, seed=ctx.seed)
        decisions = np.asarray(model.predict(x_test, random_state=ctx.seed)).astype(int)
        fit_dec = np.asarray(model.predict(x_fit, random_state=ctx.seed)).astype(int)
        fit_check = check_fit(decisions_frame(ctx.fit_part, fit_dec, ctx.classes),
                              prediction_spec(ctx.spec), ctx, expected=False)
        base = None
        if self.baseline:
            plain = LogisticRegression(max_iter=1000).fit(x_fit, ctx.y_fit)
            base = decisions_frame(ctx.test_part, plain.predict(x_test).astype(int),
                                   ctx.classes)
        artefacts = {"kind": "exponentiated_gradient", "attribute": ctx.attribute,
                     "library": "fairlearn.reductions.ExponentiatedGradient",
                     "constraint": ctx.constraint, "difference_bound": ctx.tolerance,
                     "eps": eps, "max_iter": max_iter,
                     "n_predictors": int(len(model.predictors_)),
                     "predictor_weights": np.asarray(model.weights_, dtype=float).tolist(),
                     "base_estimator": "LogisticRegression",
                     "features": list(ctx.spec.features),
                     "decision": "randomized over the predictors (seeded)",
                     "model": _model_note("fairlearn ExponentiatedGradient")}
        return Fitted(after_frame=decisions_frame(ctx.test_part, decisions, ctx.classes),
                      after_spec=prediction_spec(ctx.spec), artefacts=artefacts,
                      predictions=predictions_table(
                          ctx, p_positive=model._pmf_predict(x_test)[:, 1],
                          remedy_decision=decisions),
                      model=Pipeline([("prep", prep), ("model", model)]),
                      baseline_frame=base, fit_check=fit_check)


class LossScaling(Remedy):
    """A torch model (MLP or logistic) trained with a fairness-scaled cross-entropy.

    The parameters are those of :class:`~fairlens.remedies.FairLossClassifier` (without
    ``scaling``, ``seed`` and ``progress``, which the remedy sets), plus ``baseline``: also
    train the same model without scaling (the fair comparison).
    """

    abstract = True
    detail = "torch"
    scaling: ClassVar[str]
    short: ClassVar[str] = "the scaling"
    _SCALING_PARAMS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, architecture: str = "mlp", hidden: tuple[int, ...] = (64,),
                 epochs: int = 30, batch_size: int = 256, lr: float | None = None,
                 weight_decay: float = 1e-4, fis_coef: float = 0.5,
                 fis_temperature: float = 1.0, febs_gamma: float = 1.0, device: str = "auto",
                 n_threads: int | None = 1, baseline: bool = True) -> None:
        params = dict(locals())
        for name in self.param_names():
            setattr(self, name, params[name])

    def baseline_label(self) -> str:
        return "Retrained without fairness (torch)"

    def sentence_extra(self, after: Audit, baseline: Audit | None, attribute: str) -> str:
        if baseline is None:
            return ""
        return es_clause(attribute, _es_auc(after, attribute), _es_auc(baseline, attribute),
                         "the scaling")

    def _classifier_params(self) -> dict[str, Any]:
        params = {k: v for k, v in self.get_params().items() if k != "baseline"}
        params["hidden"] = tuple(int(h) for h in params["hidden"])
        return params

    def fit_predict(self, ctx: FitContext) -> Fitted:
        from sklearn.pipeline import Pipeline

        prep, x_fit, x_test = _prepared(ctx)
        params = self._classifier_params()
        groups_fit = ctx.fit_part[ctx.attribute].to_numpy()
        runs = [(self.scaling, "fair")] + ([("none", "baseline")] if self.baseline else [])
        total_epochs = int(params["epochs"]) * len(runs)
        done = [0]

        names_of = {"fair": f"Training with {self.short}",
                    "baseline": "Training the same model without the scaling (for comparison)"}
        fitted: dict[str, FairLossClassifier] = {}
        current: list[Any] = [None, ""]

        def relay(k: int, n: int, message: str) -> None:
            if ctx.progress is not None:
                loss = current[0].history_[-1]["loss"]
                ctx.progress(done[0] + k, total_epochs,
                             training_progress(names_of[current[1]], k, n, loss))

        for scaling, role in runs:
            clf = FairLossClassifier(scaling=scaling, seed=ctx.seed, progress=relay, **params)
            current[:] = [clf, role]
            fitted[role] = clf.fit(x_fit, ctx.y_fit, groups_fit)
            done[0] += int(clf.epochs)
        clf = fitted["fair"]
        settings = {k: getattr(clf, k) for k in ("architecture", "hidden", "epochs",
                                                 "batch_size", "lr", "weight_decay")}
        settings.update({k: getattr(clf, k) for k in self._SCALING_PARAMS})
        last = clf.history_[-1]
        artefacts = {"kind": f"{self.scaling}_loss_scaling", "attribute": ctx.attribute,
                     "library": "torch", "device": clf.device_, "settings": settings,
                     "features": list(ctx.spec.features),
                     "final_group_weights": last["group_weight"],
                     "final_group_loss": last["group_loss"], "history": clf.history_,
                     "decision": "remedy_score >= 0.5",
                     "model": _model_note("the trained network as an equivalent scikit-learn "
                                          "estimator")}
        base = fitted["baseline"].predict_proba(x_test)[:, 1] if "baseline" in fitted else None
        return _scored(ctx, clf.predict_proba(x_test)[:, 1], clf.predict_proba(x_fit)[:, 1],
                       base, artefacts, Pipeline([("prep", prep), ("model", clf.to_sklearn())]))


@register
class FisScaling(LossScaling):
    """Fair identity scaling (FIS) of the training loss (parameters ``fis_coef``, the share
    of the group term ``c``, and ``fis_temperature``, the softmax temperature ``T``)."""

    name = "fis"
    title = "Fair identity scaling (FIS) of the training loss"
    short = "FIS"
    scaling = "fis"
    _SCALING_PARAMS = ("fis_coef", "fis_temperature")


@register
class FebsScaling(LossScaling):
    """Fair error-bound scaling (FEBS) of the training loss (parameter ``febs_gamma``, the
    exponent ``gamma``; 0 gives equal weights)."""

    name = "febs"
    title = "Fair error-bound scaling (FEBS) of the training loss"
    short = "FEBS"
    scaling = "febs"
    _SCALING_PARAMS = ("febs_gamma",)


def _es_auc(audit: Audit, attribute: str) -> float:
    eq = audit.equity
    row = eq[(eq["grouping"] == attribute) & (eq["metric"] == "auc")]
    return float(row["es"].iloc[0]) if len(row) else float("nan")


BUILT_IN: tuple[type[Remedy], ...] = (GroupThresholds, Reweighing, Reductions, FisScaling,
                                      FebsScaling)
"""The remedies FairLens ships (registered in this order)."""
METHODS: tuple[str, ...] = tuple(cls.name for cls in BUILT_IN)
"""Their names (the CLI's ``--method`` choices)."""

"""Entry points: :func:`remedy_spec` (one remedy) and :func:`compare_remedies` (the trade-off).

Every remedy is fitted on one part of the rows and audited, with
:func:`fairlens.auditing.audit_spec`, on the held-out part: the numbers before and after come
from the same audit code as everywhere else in FairLens.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import AuditSpec, FairLensInputError
from fairlens.remedies._common import (
    CONSTRAINTS,
    MEASURE,
    METHODS,
    MSG_ATTRIBUTE,
    MSG_CONSTRAINT,
    MSG_METHOD,
    MSG_NO_FEATURES,
    MSG_NO_SCORE,
    MSG_TASK,
    PREDICTION_COLUMN,
    SCORE_COLUMN,
    AuditOptions,
    Constraint,
    Method,
    Progress,
    RemedyResult,
    Split,
    check_choice,
    check_tolerance,
    make_split,
    positive_of,
    prediction_spec,
    score_spec,
    sentence_for,
)
from fairlens.remedies._models import (
    feature_frame,
    fit_expgrad,
    fit_pipeline,
    preprocessor,
    reweighing_weights,
)
from fairlens.remedies._thresholds import GroupThresholdOptimizer
from fairlens.remedies._torch import FairLossClassifier

_AUDIT_KEYS = ("bootstrap", "min_group_size", "reference")
_TORCH_KEYS = ("architecture", "hidden", "epochs", "batch_size", "lr", "weight_decay",
               "fis_coef", "fis_temperature", "febs_gamma", "device", "n_threads")
_KNOWN = {"attribute", "objective", "learner", "eps", "max_iter", "baseline", "output_dir",
          *_AUDIT_KEYS, *_TORCH_KEYS}


def _validate(frame: pd.DataFrame, spec: AuditSpec, method: str, options: dict[str, Any]
              ) -> str:
    unknown = sorted(set(options) - _KNOWN)
    if unknown:
        raise FairLensInputError(f"Unknown remedy option(s) {unknown}; known: {sorted(_KNOWN)}.")
    if spec.task != "binary" or not (spec.score or spec.pred):
        raise FairLensInputError(MSG_TASK.format(task=spec.task if spec.task != "binary"
                                                 else "label-only"))
    if not spec.label:
        raise FairLensInputError("Remedies need the true label; map the label column.")
    if not spec.sensitive:
        raise FairLensInputError("Remedies need a sensitive attribute; map one (CLI: "
                                 "--sensitive COL).")
    if method == "thresholds" and not spec.score:
        raise FairLensInputError(MSG_NO_SCORE)
    if method != "thresholds" and not spec.features:
        raise FairLensInputError(MSG_NO_FEATURES.format(method=method))
    attribute = options.get("attribute") or spec.sensitive[0]
    if attribute not in spec.sensitive:
        raise FairLensInputError(MSG_ATTRIBUTE.format(value=attribute,
                                                      choices=", ".join(spec.sensitive)))
    leak = [f for f in spec.features if f in (spec.label, *spec.score, *spec.pred)]
    if leak:
        raise FairLensInputError(f"Feature column(s) {leak} are the label or the predictions; "
                                 "remove them from the features.")
    return str(attribute)


def _original_decisions(frame: pd.DataFrame, spec: AuditSpec, classes: list[Any]) -> np.ndarray:
    """The original model's 0/1 decisions (score >= threshold, or the predicted label)."""
    if spec.score:
        return (pd.to_numeric(frame[spec.score[0]]).to_numpy() >= spec.threshold).astype(int)
    col = frame[spec.pred[0]]
    return (col.astype(str).str.strip() == str(classes[1]).strip()).to_numpy().astype(int)


def _decisions_frame(part: pd.DataFrame, spec: AuditSpec, decisions: np.ndarray,
                     classes: list[Any]) -> pd.DataFrame:
    from fairlens.remedies._common import label_values

    return part.assign(**{PREDICTION_COLUMN: label_values(decisions, classes)})


def _gap(audit, attribute: str, measure: str) -> float:
    table = audit.disparities
    row = table[(table["grouping"] == attribute) & (table["measure"] == measure)]
    return float(row["value"].iloc[0]) if len(row) else float("nan")


def _es_auc(audit, attribute: str) -> float:
    eq = audit.equity
    row = eq[(eq["grouping"] == attribute) & (eq["metric"] == "auc")]
    return float(row["es"].iloc[0]) if len(row) else float("nan")


def remedy_spec(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    method: Method,
    constraint: Constraint = "equalized_odds",
    tolerance: float = 0.05,
    test_size: float = 0.3,
    seed: int = 0,
    progress: Progress | None = None,
    **method_options: Any,
) -> RemedyResult:
    """Fit one remedy on part of the rows and audit it, before and after, on the rest.

    Parameters
    ----------
    frame : DataFrame
        The predictions file (label, score or predicted label, sensitive attributes, and for
        the retraining remedies the feature columns ``spec.features``).
    spec : AuditSpec
        Column roles; ``spec.sensitive[0]`` is the attribute the remedy acts on unless
        ``attribute=`` is given.
    method : {"thresholds", "reweigh", "expgrad", "fis", "febs"}
        ``thresholds``: group-specific (randomized) thresholds on the existing score, from the
        score tables (no retraining). ``reweigh``: Kamiran-Calders weights and a retrained
        scikit-learn model. ``expgrad``: fairlearn's ExponentiatedGradient around a logistic
        regression. ``fis`` / ``febs``: a torch model (MLP or logistic) trained with FIS- or
        FEBS-scaled cross-entropy.
    constraint : {"demographic_parity", "equal_opportunity", "equalized_odds"}
        The disparity to control (and to report in the sentence).
    tolerance : float, default 0.05
        Largest allowed between-group difference (thresholds, expgrad).
    test_size : float, default 0.3
        Share of the rows held out for the before/after audit (stratified by label and group).
    seed : int, default 0
        Seeds the split, randomized decisions, training and the audits' bootstrap.
    progress : callable, optional
        ``progress(done, total, message)``.
    **method_options
        ``attribute``; ``objective`` ("accuracy" or "balanced_accuracy", thresholds);
        ``learner`` ("logistic" or "hist_gradient_boosting", reweigh); ``eps``, ``max_iter``
        (expgrad); ``architecture`` ("mlp" or "logistic"), ``hidden``, ``epochs``,
        ``batch_size``, ``lr``, ``weight_decay``, ``fis_coef``, ``fis_temperature``,
        ``febs_gamma``, ``device`` (fis/febs); ``bootstrap`` (default 200),
        ``min_group_size``, ``reference`` (the audits); ``baseline`` (default True: also train
        the learner without fairness weights); ``output_dir`` (save the artefacts there).

    Returns
    -------
    RemedyResult

    Raises
    ------
    FairLensInputError
        For unusable data or options; the message says what to change.
    """
    method = check_choice(method, METHODS, MSG_METHOD)
    constraint = check_choice(constraint, CONSTRAINTS, MSG_CONSTRAINT)
    tolerance = check_tolerance(tolerance)
    opts = dict(method_options)
    attribute = _validate(frame, spec, method, opts)
    frame = frame.reset_index(drop=True)
    audits = AuditOptions(bootstrap=int(opts.get("bootstrap", 200)), seed=int(seed),
                          min_group_size=int(opts.get("min_group_size", 30)),
                          reference=opts.get("reference"))
    y_all, classes = positive_of(frame, spec)
    split = make_split(frame, spec, test_size=test_size, seed=seed, attribute=attribute)
    fit_part = frame.iloc[split.fit].reset_index(drop=True)
    test_part = frame.iloc[split.test].reset_index(drop=True)
    y_fit, y_test = y_all[split.fit], y_all[split.test]
    warnings: list[str] = []
    if spec.weight:
        warnings.append(f"The sample-weight column {spec.weight!r} weighs the audits; the "
                        "remedies are fitted without it.")
    steps = 4
    tick = progress or (lambda done, total, message: None)
    tick(0, steps, "Auditing the original predictions on the held-out rows")
    before = audits.run(test_part, spec)
    runner = _RUNNERS[method]
    tick(1, steps, f"Fitting {method} on {len(fit_part):,} rows")
    out = runner(fit_part=fit_part, test_part=test_part, y_fit=y_fit, y_test=y_test,
                 spec=spec, classes=classes, attribute=attribute, constraint=constraint,
                 tolerance=tolerance, seed=int(seed), options=opts, audits=audits,
                 progress=progress, warnings=warnings)
    out["predictions"].insert(0, "row", split.test)
    tick(3, steps, "Auditing the remedied predictions on the held-out rows")
    after = audits.run(out["after_frame"], out["after_spec"])
    baseline = None
    if out.get("baseline_frame") is not None:
        baseline = audits.run(out["baseline_frame"], out["after_spec"])
    measure = MEASURE[constraint]
    extra = ""
    if method in ("fis", "febs") and baseline is not None:
        extra = (f"ES-AUC ({attribute}) {_es_auc(baseline, attribute):.3f} without the scaling, "
                 f"{_es_auc(after, attribute):.3f} with it")
    sentence = sentence_for(method, measure, attribute, _gap(before, attribute, measure),
                            _gap(after, attribute, measure), float(before.overall["accuracy"]),
                            float(after.overall["accuracy"]), len(test_part), extra)
    settings = {"attribute": attribute, "test_size": float(test_size), "seed": int(seed),
                **{k: v for k, v in opts.items() if k != "output_dir"}}
    result = RemedyResult(
        method=method, constraint=constraint, tolerance=tolerance, attribute=attribute,
        split=split, before=before, after=after, artefacts=out["artefacts"],
        predictions=out["predictions"], model=out.get("model"), sentence=sentence,
        warnings=list(dict.fromkeys(warnings)), settings=settings, baseline=baseline,
        fit_check=out.get("fit_check", {}))
    if opts.get("output_dir"):
        result.save(opts["output_dir"])
    tick(steps, steps, "Done")
    return result


# --- the remedies -------------------------------------------------------------------------------

def _predictions(test_part: pd.DataFrame, spec: AuditSpec, attribute: str, split: np.ndarray
                 | None = None, **columns: Any) -> pd.DataFrame:
    keep = list(dict.fromkeys([spec.label, *spec.sensitive, *spec.score, *spec.pred]))
    out = test_part[keep].copy()
    for k, v in columns.items():
        out[k] = v
    return out


def _check_fit(frame: pd.DataFrame, spec: AuditSpec, attribute: str, constraint: str,
               tolerance: float, audits: AuditOptions, *, expected: bool,
               rows: str = "fit", min_group_size: int = 1) -> dict[str, Any]:
    """The constraint's disparity on the fitting (or held-out) rows, without bootstrap; on
    the fitting rows every group counts (the remedy constrains them all), on held-out rows
    groups below the audit's minimum size are left out as in the after audit."""
    opts = AuditOptions(bootstrap=0, seed=audits.seed, min_group_size=min_group_size,
                        reference=audits.reference)
    audit = opts.run(frame, replace(spec, sensitive=[attribute]))
    measure = MEASURE[constraint]
    value = _gap(audit, attribute, measure)
    return {"rows": rows, "kind": "expected (randomized decisions in expectation)" if expected
            else "realised decisions", "measure": measure, "value": value,
            "tolerance": tolerance, "holds": bool(value <= tolerance + 1e-9),
            "accuracy": float(audit.overall["accuracy"]),
            "balanced_accuracy": float(audit.overall["balanced_accuracy"])}


def _expected_frame(part: pd.DataFrame, spec: AuditSpec, p: np.ndarray,
                    classes: list[Any]) -> tuple[pd.DataFrame, AuditSpec]:
    """Each row twice, decided positive with weight ``p`` and negative with ``1 - p``: the
    weighted audit of this frame gives the rates of randomized decisions in expectation."""
    from fairlens.remedies._common import label_values

    pos = part.assign(**{PREDICTION_COLUMN: label_values(np.ones(len(part)), classes),
                         "__remedy_weight": p})
    neg = part.assign(**{PREDICTION_COLUMN: label_values(np.zeros(len(part)), classes),
                         "__remedy_weight": 1.0 - p})
    both = pd.concat([pos, neg], ignore_index=True)
    both = both[both["__remedy_weight"] > 0].reset_index(drop=True)
    return both, replace(prediction_spec(spec), weight="__remedy_weight")


def _run_thresholds(*, fit_part, test_part, y_fit, y_test, spec, classes, attribute, constraint,
                    tolerance, seed, options, audits, progress, warnings) -> dict[str, Any]:
    objective = options.get("objective", "accuracy")
    opt = GroupThresholdOptimizer(constraint=constraint, tolerance=tolerance,
                                  objective=objective).fit(fit_part, spec, attribute)
    warnings.extend(opt.notes_)
    score = pd.to_numeric(test_part[spec.score[0]]).to_numpy(dtype=float)
    groups = test_part[attribute].to_numpy()
    original = _original_decisions(test_part, spec, classes)
    p = opt.proba(score, groups)
    unseen = sorted({str(g) for g, q in zip(groups, p, strict=True) if np.isnan(q)})
    if unseen:
        warnings.append(f"Group(s) {unseen} of {attribute!r} have no rows in the fitting part; "
                        "their held-out rows keep the original decisions.")
    decisions = opt.predict(score, groups, seed=seed, fallback=original)
    small = [str(g) for g, n in zip(opt.groups_, opt.weights_.sum(axis=(1, 2)), strict=True)
             if n < audits.min_group_size]
    if small:
        warnings.append(f"Thresholds of the small group(s) {small} were fitted on fewer than "
                        f"{audits.min_group_size} rows and are uncertain.")
    if np.any((p > 0) & (p < 1)):
        warnings.append("Some decisions are randomized (a share of one score value of a group "
                        "is selected at random, seeded): that is what lets equalized odds hold "
                        "with few distinct scores.")
    fit_scores = pd.to_numeric(fit_part[spec.score[0]]).to_numpy(dtype=float)
    p_fit = opt.proba(fit_scores, fit_part[attribute].to_numpy())
    expected, espec = _expected_frame(fit_part, spec, np.nan_to_num(p_fit), classes)
    fit_check = _check_fit(expected, espec, attribute, constraint, tolerance, audits,
                           expected=True)
    fit_check["objective"] = objective
    fit_check["objective_value"] = opt.objective_value_
    p_test = np.where(np.isnan(p), original, p)
    held, hspec = _expected_frame(test_part, spec, p_test, classes)
    fit_check["held_out_expected"] = _check_fit(held, hspec, attribute, constraint, tolerance,
                                                audits, expected=True, rows="held-out",
                                                min_group_size=audits.min_group_size)
    artefacts = {"kind": "group_thresholds", "attribute": attribute, "score": spec.score[0],
                 "score_kind": spec.score_kind, "original_threshold": spec.threshold,
                 "objective": objective, "constraint": constraint, "tolerance": tolerance,
                 "rule": "for a row of group g with score s, find the last step with "
                         "score_at_least <= s and predict positive with probability "
                         "p_positive (seeded draw)",
                 "groups": opt.describe(), "notes": list(opt.notes_)}
    predictions = _predictions(test_part, spec, attribute, p_positive=p,
                               original_decision=original, remedy_decision=decisions)
    return {"after_frame": _decisions_frame(test_part, spec, decisions, classes),
            "after_spec": prediction_spec(spec), "artefacts": artefacts,
            "predictions": predictions, "fit_check": fit_check}


def _score_frame(part: pd.DataFrame, proba: np.ndarray) -> pd.DataFrame:
    return part.assign(**{SCORE_COLUMN: np.clip(proba, 0.0, 1.0)})


def _run_reweigh(*, fit_part, test_part, y_fit, y_test, spec, classes, attribute, constraint,
                 tolerance, seed, options, audits, progress, warnings) -> dict[str, Any]:
    learner = options.get("learner", "logistic")
    weights, table = reweighing_weights(y_fit, fit_part[attribute].to_numpy())
    model = fit_pipeline(fit_part, spec.features, y_fit, learner=learner, seed=seed,
                         sample_weight=weights)
    x_test = feature_frame(test_part, spec.features)
    proba = model.predict_proba(x_test)[:, 1]
    out: dict[str, Any] = {}
    if options.get("baseline", True):
        base = fit_pipeline(fit_part, spec.features, y_fit, learner=learner, seed=seed)
        out["baseline_frame"] = _score_frame(test_part, base.predict_proba(x_test)[:, 1])
    fit_proba = model.predict_proba(feature_frame(fit_part, spec.features))[:, 1]
    fit_check = _check_fit(_score_frame(fit_part, fit_proba), score_spec(spec), attribute,
                           constraint, tolerance, audits, expected=False)
    artefacts = {"kind": "reweighing", "attribute": attribute, "formula":
                 "w(a, y) = P(A = a) P(Y = y) / P(A = a, Y = y), on the fitting rows",
                 "weights": table.to_dict(orient="records"), "learner": learner,
                 "features": list(spec.features), "decision": "remedy_score >= 0.5",
                 "model": {"format": "skops", "object": "sklearn Pipeline (preprocessing + "
                           f"{learner})"}}
    predictions = _predictions(test_part, spec, attribute, remedy_score=proba,
                               remedy_decision=(proba >= 0.5).astype(int))
    out.update({"after_frame": _score_frame(test_part, proba), "after_spec": score_spec(spec),
                "artefacts": artefacts, "predictions": predictions, "model": model,
                "fit_check": fit_check})
    return out


def _run_expgrad(*, fit_part, test_part, y_fit, y_test, spec, classes, attribute, constraint,
                 tolerance, seed, options, audits, progress, warnings) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    prep = preprocessor(fit_part, spec.features)
    x_fit = prep.fit_transform(feature_frame(fit_part, spec.features))
    x_test = prep.transform(feature_frame(test_part, spec.features))
    eps = float(options.get("eps", 0.01))
    max_iter = int(options.get("max_iter", 50))
    model = fit_expgrad(x_fit, y_fit, fit_part[attribute].to_numpy(), constraint=constraint,
                        tolerance=tolerance, eps=eps, max_iter=max_iter, seed=seed)
    decisions = np.asarray(model.predict(x_test, random_state=seed)).astype(int)
    p_positive = model._pmf_predict(x_test)[:, 1]
    fit_dec = np.asarray(model.predict(x_fit, random_state=seed)).astype(int)
    fit_check = _check_fit(_decisions_frame(fit_part, spec, fit_dec, classes),
                           prediction_spec(spec), attribute, constraint, tolerance, audits,
                           expected=False)
    out: dict[str, Any] = {}
    if options.get("baseline", True):
        base = LogisticRegression(max_iter=1000).fit(x_fit, y_fit)
        out["baseline_frame"] = _decisions_frame(test_part, spec,
                                                 base.predict(x_test).astype(int), classes)
    weights = np.asarray(model.weights_, dtype=float)
    artefacts = {"kind": "exponentiated_gradient", "attribute": attribute,
                 "library": "fairlearn.reductions.ExponentiatedGradient",
                 "constraint": constraint, "difference_bound": tolerance, "eps": eps,
                 "max_iter": max_iter, "n_predictors": int(len(model.predictors_)),
                 "predictor_weights": weights.tolist(), "base_estimator": "LogisticRegression",
                 "features": list(spec.features),
                 "decision": "randomized over the predictors (seeded)",
                 "model": {"format": "skops", "object": "sklearn Pipeline (preprocessing + "
                           "fairlearn ExponentiatedGradient)"}}
    predictions = _predictions(test_part, spec, attribute, p_positive=p_positive,
                               remedy_decision=decisions)
    out.update({"after_frame": _decisions_frame(test_part, spec, decisions, classes),
                "after_spec": prediction_spec(spec), "artefacts": artefacts,
                "predictions": predictions, "model": Pipeline([("prep", prep),
                                                               ("model", model)]),
                "fit_check": fit_check})
    return out


def _run_torch(*, fit_part, test_part, y_fit, y_test, spec, classes, attribute, constraint,
               tolerance, seed, options, audits, progress, warnings, scaling: str
               ) -> dict[str, Any]:
    from sklearn.pipeline import Pipeline

    prep = preprocessor(fit_part, spec.features)
    x_fit = prep.fit_transform(feature_frame(fit_part, spec.features))
    x_test = prep.transform(feature_frame(test_part, spec.features))
    params = {k: options[k] for k in _TORCH_KEYS if k in options}
    if "hidden" in params:
        params["hidden"] = tuple(int(h) for h in params["hidden"])
    groups_fit = fit_part[attribute].to_numpy()
    want_base = options.get("baseline", True)
    runs = [(scaling, "fair")] + ([("none", "baseline")] if want_base else [])
    total_epochs = int(params.get("epochs", 30)) * len(runs)
    done = [0]

    def relay(k: int, n: int, message: str) -> None:
        if progress is not None:
            progress(done[0] + k, total_epochs, message)

    fitted = {}
    for name, role in runs:
        clf = FairLossClassifier(scaling=name, seed=seed, progress=relay, **params)
        fitted[role] = clf.fit(x_fit, y_fit, groups_fit)
        done[0] += int(clf.epochs)
    clf = fitted["fair"]
    proba = clf.predict_proba(x_test)[:, 1]
    fit_proba = clf.predict_proba(x_fit)[:, 1]
    fit_check = _check_fit(_score_frame(fit_part, fit_proba), score_spec(spec), attribute,
                           constraint, tolerance, audits, expected=False)
    out: dict[str, Any] = {}
    if "baseline" in fitted:
        out["baseline_frame"] = _score_frame(test_part,
                                             fitted["baseline"].predict_proba(x_test)[:, 1])
    settings = {k: getattr(clf, k) for k in ("architecture", "hidden", "epochs", "batch_size",
                                             "lr", "weight_decay")}
    if scaling == "fis":
        settings.update(fis_coef=clf.fis_coef, fis_temperature=clf.fis_temperature)
    else:
        settings.update(febs_gamma=clf.febs_gamma)
    last = clf.history_[-1]
    artefacts = {"kind": f"{scaling}_loss_scaling", "attribute": attribute,
                 "library": "torch", "device": clf.device_, "settings": settings,
                 "features": list(spec.features),
                 "final_group_weights": last["group_weight"],
                 "final_group_loss": last["group_loss"], "history": clf.history_,
                 "decision": "remedy_score >= 0.5",
                 "model": {"format": "skops", "object": "sklearn Pipeline (preprocessing + "
                           "the trained network as an equivalent scikit-learn estimator)"}}
    model = Pipeline([("prep", prep), ("model", clf.to_sklearn())])
    predictions = _predictions(test_part, spec, attribute, remedy_score=proba,
                               remedy_decision=(proba >= 0.5).astype(int))
    out.update({"after_frame": _score_frame(test_part, proba), "after_spec": score_spec(spec),
                "artefacts": artefacts, "predictions": predictions, "model": model,
                "fit_check": fit_check})
    return out


_RUNNERS = {
    "thresholds": _run_thresholds,
    "reweigh": _run_reweigh,
    "expgrad": _run_expgrad,
    "fis": lambda **kw: _run_torch(scaling="fis", **kw),
    "febs": lambda **kw: _run_torch(scaling="febs", **kw),
}


def split_of(frame: pd.DataFrame, spec: AuditSpec, *, test_size: float = 0.3, seed: int = 0,
             attribute: str | None = None) -> Split:
    """The split :func:`remedy_spec` uses for these arguments (to reproduce it elsewhere)."""
    return make_split(frame.reset_index(drop=True), spec, test_size=test_size, seed=seed,
                      attribute=attribute or spec.sensitive[0])


def needs_features(method: str) -> bool:
    """True for the remedies that retrain a model on the feature columns."""
    return method != "thresholds"

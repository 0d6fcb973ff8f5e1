"""Group thresholds: the constraint on the fitting rows, and fairlearn's ThresholdOptimizer as
the oracle for accuracy."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from fairlens.data import AuditSpec, FairLensInputError
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.remedies import GroupThresholdOptimizer, remedy_spec, split_of


class _ScoreAsPrediction(ClassifierMixin, BaseEstimator):
    """A prefit 'model' whose prediction is the score column itself."""

    def fit(self, x, y):
        self.fitted_ = True
        return self

    def predict(self, x):
        return np.asarray(x, dtype=float)[:, 0]


@pytest.fixture(scope="module")
def compas():
    return load_compas(), AuditSpec(**COMPAS_AUDIT)


@pytest.fixture(scope="module")
def compas_result(compas):
    frame, spec = compas
    return remedy_spec(frame, spec, method="thresholds", constraint="equalized_odds",
                       tolerance=0.05, seed=0, bootstrap=50)


def _fairlearn_expected_accuracy(frame, spec, constraint):
    from fairlearn.postprocessing import ThresholdOptimizer

    x = frame[[spec.score[0]]].to_numpy(dtype=float)
    y = frame[spec.label].to_numpy()
    a = frame["race"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = ThresholdOptimizer(estimator=_ScoreAsPrediction().fit(x, y),
                                 constraints=constraint, objective="accuracy_score",
                                 prefit=True, predict_method="predict")
        opt.fit(x, y, sensitive_features=a)
        p = opt._pmf_predict(x, sensitive_features=a)[:, 1]
    return float(np.mean(y * p + (1 - y) * (1 - p)))


def test_compas_equalized_odds_holds_on_fit_rows_and_beats_fairlearn(compas, compas_result):
    frame, spec = compas
    result = compas_result
    check = result.fit_check
    # the constraint, measured by the audit on the fitting rows (expected decisions, every group)
    assert check["measure"] == "equalized_odds_difference"
    assert check["value"] <= 0.05 + 1e-9 and check["holds"]
    fit_rows = frame.iloc[result.split.fit].reset_index(drop=True)
    fairlearn_acc = _fairlearn_expected_accuracy(fit_rows, spec, "equalized_odds")
    assert check["accuracy"] >= fairlearn_acc - 0.005
    # the LP's own objective agrees with the audit of the expected decisions
    assert check["objective_value"] == pytest.approx(check["accuracy"], abs=1e-9)
    # fairlearn enforces equality (tolerance 0): with tolerance 0 we still match it
    strict = GroupThresholdOptimizer(constraint="equalized_odds", tolerance=0.0).fit(
        fit_rows, spec, "race")
    assert strict.objective_value_ >= fairlearn_acc - 1e-6
    rates = strict.fit_rates_
    assert rates["tpr"].max() - rates["tpr"].min() <= 1e-7
    assert rates["fpr"].max() - rates["fpr"].min() <= 1e-7


def test_held_out_numbers_are_the_audits_of_the_test_rows(compas, compas_result):
    frame, spec = compas
    doc = compas_result.to_dict()
    assert doc["schema"] == "fairlens.remedy/1"
    assert doc["split"]["n_fit"] + doc["split"]["n_test"] == len(frame)
    assert doc["before"]["overall"]["n"] == doc["split"]["n_test"]
    assert doc["after"]["overall"]["n"] == doc["split"]["n_test"]
    split = split_of(frame, spec, test_size=0.3, seed=0)
    np.testing.assert_array_equal(split.test, compas_result.split.test)
    assert doc["before"]["disparities"]["race"]["equalized_odds_difference"] == pytest.approx(
        compas_result.before.disparities.query(
            "grouping == 'race' and measure == 'equalized_odds_difference'")["value"].iloc[0])
    # the remedy narrows the held-out gap a lot (0.46 -> about 0.1 on this split)
    before = doc["before"]["disparities"]["race"]["equalized_odds_difference"]
    after = doc["after"]["disparities"]["race"]["equalized_odds_difference"]
    assert after < before / 2
    assert "cut the equalized-odds gap (race)" in doc["sentence"]
    preds = compas_result.predictions
    assert len(preds) == doc["split"]["n_test"]
    assert set(preds["remedy_decision"].unique()) <= {0, 1}
    np.testing.assert_array_equal(preds["row"], compas_result.split.test)
    np.testing.assert_array_equal(preds[spec.label], frame[spec.label].to_numpy()[preds["row"]])
    groups = {g["group"] for g in doc["artefacts"]["groups"]}
    assert {"African-American", "Caucasian"} <= groups


@pytest.mark.parametrize("constraint,rate", [("demographic_parity", "selection_rate"),
                                             ("equal_opportunity", "tpr")])
def test_other_constraints_hold_on_fit_rows(compas, constraint, rate):
    frame, spec = compas
    opt = GroupThresholdOptimizer(constraint=constraint, tolerance=0.02).fit(frame, spec, "race")
    spread = opt.fit_rates_[rate].max() - opt.fit_rates_[rate].min()
    assert spread <= 0.02 + 1e-9
    assert np.all(np.diff(opt.p_, axis=1) >= 0)  # randomized thresholds: monotone in the score


def test_balanced_accuracy_objective_and_deterministic_when_unconstrained():
    rng = np.random.default_rng(1)
    n = 4000
    g = rng.choice(["a", "b"], n)
    y = rng.random(n) < np.where(g == "a", 0.3, 0.6)
    score = np.clip(0.5 * y + rng.normal(0.25, 0.2, n), 0, 1).round(2)
    frame = pd.DataFrame({"y": y.astype(int), "s": score, "g": g})
    spec = AuditSpec(label="y", score="s", sensitive=["g"])
    free = GroupThresholdOptimizer(constraint="demographic_parity", tolerance=1.0,
                                   objective="balanced_accuracy").fit(frame, spec, "g")
    # with no effective constraint, the best rule is a deterministic threshold per group
    assert set(np.unique(free.p_)) <= {0.0, 1.0}
    from sklearn.metrics import balanced_accuracy_score

    best = max(balanced_accuracy_score(frame["y"], (frame["s"] >= t).astype(int))
               for t in np.unique(score))
    assert free.objective_value_ >= best - 1e-9


def test_bad_options_are_input_errors(compas):
    frame, spec = compas
    with pytest.raises(FairLensInputError, match="constraint"):
        remedy_spec(frame, spec, method="thresholds", constraint="parity")
    with pytest.raises(FairLensInputError, match="tolerance"):
        remedy_spec(frame, spec, method="thresholds", tolerance=2)
    with pytest.raises(FairLensInputError, match="remedy"):
        remedy_spec(frame, spec, method="magic")
    with pytest.raises(FairLensInputError, match="feature"):
        remedy_spec(frame, AuditSpec(**{**COMPAS_AUDIT, "features": []}), method="reweigh")

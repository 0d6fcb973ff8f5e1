"""FairLens against fairlearn MetricFrame and scikit-learn on real data, to 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    brier_score_loss,
    f1_score,
    precision_score,
    roc_auc_score,
)
from threadpoolctl import threadpool_limits

import fairlens
from fairlens.metrics import equity_scaled, performance_scaled_disparity

TOL = 1e-9


def _auc(y, s):
    return roc_auc_score(y, s) if len(np.unique(y)) == 2 else np.nan


def _npv(y, p):
    return precision_score(1 - y, 1 - p, zero_division=np.nan)


def _needs(cls: int, fn):
    """fairlearn returns 0 when a rate's denominator is empty; FairLens says NaN (undefined)."""
    return lambda y, p: fn(y, p) if np.any(np.asarray(y) == cls) else np.nan


def _metric_fns(with_scores: bool):
    fns = {
        "selection_rate": lambda y, p: selection_rate(y, p),
        "accuracy": lambda y, p: accuracy_score(y, p),
        "tpr": _needs(1, true_positive_rate),
        "fpr": _needs(0, false_positive_rate),
        "tnr": _needs(0, true_negative_rate),
        "fnr": _needs(1, false_negative_rate),
        "ppv": lambda y, p: precision_score(y, p, zero_division=np.nan),
        "npv": _npv,
        "f1": lambda y, p: f1_score(y, p, zero_division=np.nan),
        "base_rate": lambda y, p: float(np.mean(y)),
    }
    return fns


def _compare(frame: pd.DataFrame, y, score, yhat, sensitive: list[str], *, probability: bool,
             **audit_kwargs):
    result = fairlens.audit(frame, label="y", score="s", sensitive=sensitive, bootstrap=0,
                            min_group_size=0, **audit_kwargs)
    by_group = result.by_group
    feats = frame[sensitive]
    groupings = [[a] for a in sensitive] + ([sensitive] if len(sensitive) > 1 else [])
    checked = 0
    for cols in groupings:
        name = " x ".join(cols)
        ours = by_group[by_group.grouping == name].set_index(cols)
        sf = feats[cols] if len(cols) > 1 else feats[cols[0]]
        mf = MetricFrame(metrics=_metric_fns(True), y_true=y, y_pred=yhat, sensitive_features=sf)
        theirs = mf.by_group
        for metric in theirs.columns:
            for key, expected in theirs[metric].items():
                if key not in ours.index:
                    # fairlearn lists empty combinations of the attributes as all-NaN rows.
                    assert np.isnan(expected) or key not in frame.groupby(cols).groups
                    continue
                got = ours.loc[key, metric]
                if np.isnan(expected):
                    assert np.isnan(got), (name, key, metric)
                else:
                    assert abs(got - expected) <= TOL, (name, key, metric, got, expected)
                checked += 1
        # AUC, balanced accuracy and Brier per group from scikit-learn directly.
        for key, idx in frame.groupby(cols if len(cols) > 1 else cols[0]).groups.items():
            yy, ss, pp = y[idx], score[idx], yhat[idx]
            row = ours.loc[key]
            expected_auc = _auc(yy, ss)
            assert (np.isnan(expected_auc) and np.isnan(row["auc"])) or abs(
                row["auc"] - expected_auc) <= TOL, (name, key)
            if len(np.unique(yy)) == 2:
                assert abs(row["balanced_accuracy"] - balanced_accuracy_score(yy, pp)) <= TOL
            if probability:
                assert abs(row["brier"] - brier_score_loss(yy, ss)) <= TOL
            assert row["n"] == len(idx)
            checked += 1
        # Between-group disparities, fairlearn's definitions.
        disp = result.disparities
        disp = disp[disp.grouping == name].set_index("measure")["value"]
        for measure, fn in [
            ("demographic_parity_difference", demographic_parity_difference),
            ("demographic_parity_ratio", demographic_parity_ratio),
            ("equalized_odds_difference", equalized_odds_difference),
            ("equalized_odds_ratio", equalized_odds_ratio),
        ]:
            expected = fn(y, yhat, sensitive_features=sf)
            assert abs(disp[measure] - expected) <= TOL, (name, measure, disp[measure], expected)
        expected_eop = mf.by_group["tpr"].max() - mf.by_group["tpr"].min()
        assert abs(disp["equal_opportunity_difference"] - expected_eop) <= TOL
    overall = result.overall
    assert abs(overall["auc"] - roc_auc_score(y, score)) <= TOL
    assert abs(overall["accuracy"] - accuracy_score(y, yhat)) <= TOL
    return result, checked


def _equity_by_hand(result, frame, y, score, yhat, attribute):
    """ES-AUC/ES-accuracy and PSD straight from the formulas, on rows."""
    out = {}
    for metric, fn in (("auc", lambda i: roc_auc_score(y[i], score[i])),
                       ("accuracy", lambda i: accuracy_score(y[i], yhat[i]))):
        overall = fn(np.arange(len(y)))
        per_group = np.array([fn(idx) for _, idx in frame.groupby(attribute).indices.items()])
        es = overall / (1 + np.abs(per_group - overall).sum())
        out[metric] = (es, per_group.std() / overall, (per_group.max() - per_group.min()) / overall)
    return out



def _assert_race_equity_by_hand(result, frame, y, score, yhat) -> None:
    """ES and PSD by race equal the by-hand values of :func:`_equity_by_hand`."""
    by_hand = _equity_by_hand(result, frame, y, score, yhat, "race")
    eq = result.equity.set_index(["grouping", "metric"])
    for metric, (es, psd_std, psd_max) in by_hand.items():
        assert abs(eq.loc[("race", metric), "es"] - es) <= TOL
        assert abs(eq.loc[("race", metric), "psd_std"] - psd_std) <= TOL
        assert abs(eq.loc[("race", metric), "psd_max"] - psd_max) <= TOL


def test_compas_matches_fairlearn_and_sklearn(compas_csv):
    raw = pd.read_csv(compas_csv)
    frame = pd.DataFrame({"y": raw["two_year_recid"], "s": raw["decile_score"],
                          "race": raw["race"], "sex": raw["sex"], "age_cat": raw["age_cat"]})
    y = frame["y"].to_numpy()
    score = frame["s"].to_numpy(dtype=float)
    yhat = (score >= 5).astype(int)
    result, checked = _compare(frame, y, score, yhat, ["race", "sex"], probability=False,
                               score_kind="raw", threshold=5)
    assert checked > 150
    # Every race group is defined for AUC, so ES/PSD by hand use all of them.
    _assert_race_equity_by_hand(result, frame, y, score, yhat)
    # Three attributes: the intersection has groups of size 1-2 with undefined metrics.
    _compare(frame, y, score, yhat, ["race", "sex", "age_cat"], probability=False,
             score_kind="raw", threshold=5)


ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country", "income",
]


@pytest.fixture(scope="module")
def adult_predictions(adult_dir):
    train = pd.read_csv(adult_dir / "adult.data", names=ADULT_COLUMNS, skipinitialspace=True)
    test = pd.read_csv(adult_dir / "adult.test", names=ADULT_COLUMNS, skipinitialspace=True,
                       skiprows=1)
    test["income"] = test["income"].str.rstrip(".")
    features = [c for c in ADULT_COLUMNS if c not in ("income", "fnlwgt")]
    cats = [c for c in features if train[c].dtype == object or str(train[c].dtype) == "str"]
    def encode(df):
        out = df[features].copy()
        for c in cats:
            out[c] = pd.Categorical(out[c], categories=sorted(train[c].dropna().unique()))
        return out
    model = HistGradientBoostingClassifier(max_iter=60, random_state=0,
                                           categorical_features="from_dtype")
    # One OpenMP thread: on a busy 2-core machine more threads make the fit 20-50x slower.
    with threadpool_limits(1):
        model.fit(encode(train), (train["income"] == ">50K").astype(int))
        score = model.predict_proba(encode(test))[:, 1]
    return pd.DataFrame({"y": (test["income"] == ">50K").astype(int), "s": score,
                         "race": test["race"].astype(str), "sex": test["sex"].astype(str)})


def test_adult_model_matches_fairlearn_and_sklearn(adult_predictions):
    frame = adult_predictions
    y = frame["y"].to_numpy()
    score = frame["s"].to_numpy()
    yhat = (score >= 0.5).astype(int)
    result, checked = _compare(frame, y, score, yhat, ["race", "sex"], probability=True)
    assert checked > 100
    assert result.statistics.models["s"].score_table.exact
    _assert_race_equity_by_hand(result, frame, y, score, yhat)


def test_adult_threshold_change_from_tables_matches_rows(adult_predictions):
    frame = adult_predictions
    y = frame["y"].to_numpy()
    score = frame["s"].to_numpy()
    base = fairlens.audit(frame, label="y", score="s", sensitive=["race", "sex"], bootstrap=0,
                          min_group_size=0)
    threshold = float(np.quantile(score, 0.7))
    moved = base.at_threshold(threshold)
    direct = fairlens.audit(frame, label="y", score="s", sensitive=["race", "sex"], bootstrap=0,
                            min_group_size=0, threshold=threshold)
    cols = ["selection_rate", "tpr", "fpr", "ppv", "accuracy", "auc", "brier"]
    pd.testing.assert_frame_equal(moved.by_group[cols], direct.by_group[cols], rtol=0, atol=TOL)
    yhat = (score >= threshold).astype(int)
    assert abs(moved.overall["selection_rate"] - yhat.mean()) <= TOL
    assert abs(moved.overall["accuracy"] - accuracy_score(y, yhat)) <= TOL


def test_weighted_rates_match_sklearn(adult_predictions):
    frame = adult_predictions.copy()
    rng = np.random.default_rng(1)
    frame["w"] = rng.uniform(0.2, 3.0, len(frame))
    result = fairlens.audit(frame, label="y", score="s", sensitive="sex", weight="w",
                            bootstrap=0, min_group_size=0)
    yhat = (frame["s"] >= 0.5).astype(int)
    for sex, part in frame.groupby("sex"):
        row = result.by_group.set_index("group").loc[sex]
        idx = part.index
        w = frame.loc[idx, "w"]
        assert abs(row["auc"] - roc_auc_score(frame.loc[idx, "y"], frame.loc[idx, "s"],
                                              sample_weight=w)) <= TOL
        assert abs(row["accuracy"] - accuracy_score(frame.loc[idx, "y"], yhat[idx],
                                                    sample_weight=w)) <= TOL
        assert abs(row["brier"] - brier_score_loss(frame.loc[idx, "y"], frame.loc[idx, "s"],
                                                   sample_weight=w)) <= TOL


def test_es_psd_pure_functions_match_formula():
    groups = np.array([0.9, 0.7, np.nan, 0.8])
    overall = 0.82
    es = equity_scaled(np.array(overall), groups)
    assert abs(es - overall / (1 + 0.08 + 0.12 + 0.02)) <= 1e-12
    std, spread = performance_scaled_disparity(np.array(overall), groups)
    assert abs(std - np.std([0.9, 0.7, 0.8]) / overall) <= 1e-12
    assert abs(spread - 0.2 / overall) <= 1e-12

"""Coverage of the 95% intervals on data whose true rates are known.

Two groups; labels and predictions are drawn from Bernoulli distributions with known
probabilities, so the population selection rate, TPR and AUC of a group and the overall accuracy
are known exactly. Over 200 independent data sets (fixed seeds, so the test is deterministic) the
95% intervals must cover the truth in 90%-99% of them: below that the intervals are too narrow,
above it they are uselessly wide (or not intervals at all).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import fairlens

REPETITIONS = 200
N_ROWS = 2000
BOOTSTRAP = 1000  # the default; resampling the count tables is cheap
LOW, HIGH = 0.90, 0.99

# P(group), P(y=1 | group), P(y_hat=1 | group, y=0), P(y_hat=1 | group, y=1)
SHARE = {"A": 0.5, "B": 0.5}
BASE = {"A": 0.3, "B": 0.5}
Q0 = {"A": 0.2, "B": 0.1}
Q1 = {"A": 0.7, "B": 0.8}


def _auc(high_pos: float, high_neg: float) -> float:
    """AUC of a two-valued score: P(s+ > s-) + P(tie) / 2."""
    return high_pos * (1 - high_neg) + 0.5 * (high_pos * high_neg
                                              + (1 - high_pos) * (1 - high_neg))


def _truth() -> dict[str, float]:
    a = "A"
    selection = {g: BASE[g] * Q1[g] + (1 - BASE[g]) * Q0[g] for g in SHARE}
    accuracy = sum(SHARE[g] * (BASE[g] * Q1[g] + (1 - BASE[g]) * (1 - Q0[g])) for g in SHARE)
    auc = {g: _auc(Q1[g], Q0[g]) for g in SHARE}
    # Overall AUC: positives and negatives pooled over the groups.
    pos = {g: SHARE[g] * BASE[g] for g in SHARE}
    neg = {g: SHARE[g] * (1 - BASE[g]) for g in SHARE}
    high_pos = sum(pos[g] * Q1[g] for g in SHARE) / sum(pos.values())
    high_neg = sum(neg[g] * Q0[g] for g in SHARE) / sum(neg.values())
    auc_all = _auc(high_pos, high_neg)
    return {
        "selection_rate": selection[a],
        "tpr": Q1[a],
        "auc": auc[a],
        "accuracy": accuracy,
        "demographic_parity_difference": abs(selection["A"] - selection["B"]),
        "es_auc": auc_all / (1 + sum(abs(auc[g] - auc_all) for g in SHARE)),
    }


TRUTH = _truth()


def _sample(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(list(SHARE), size=N_ROWS, p=list(SHARE.values()))
    base = np.vectorize(BASE.get)(group)
    y = (rng.random(N_ROWS) < base).astype(int)
    q = np.where(y == 1, np.vectorize(Q1.get)(group), np.vectorize(Q0.get)(group))
    y_hat = (rng.random(N_ROWS) < q).astype(int)
    # Two score values on either side of the threshold: y_hat = 1 exactly when score >= 0.5.
    return pd.DataFrame({"y": y, "score": 0.25 + 0.5 * y_hat, "group": group})


def _intervals(result: fairlens.Audit) -> dict[str, tuple[float, float]]:
    doc = result.to_dict()
    row = next(g for g in doc["groups"] if g["attributes"] == {"group": "A"})
    out = {m: tuple(row["ci"][m]) for m in ("selection_rate", "tpr", "auc")}
    if "accuracy" in doc["overall_ci"]:
        out["accuracy"] = tuple(doc["overall_ci"]["accuracy"])
    disp = doc["disparities"]["group"]
    if "demographic_parity_difference" in disp["ci"]:
        out["demographic_parity_difference"] = tuple(
            disp["ci"]["demographic_parity_difference"])
    if "auc" in doc["equity_scaled"]["group"]["ci"]:
        out["es_auc"] = tuple(doc["equity_scaled"]["group"]["ci"]["auc"])
    return out


@pytest.fixture(scope="module")
def coverage():
    """Share of repetitions whose interval covers the truth, per (method, metric)."""
    hits: dict[tuple[str, str], list[bool]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for rep in range(REPETITIONS):
            frame = _sample(rep)
            runs = {
                "bootstrap": fairlens.audit(frame, label="y", score="score", sensitive="group",
                                            bootstrap=BOOTSTRAP, seed=10_000 + rep),
                "wilson": fairlens.audit(frame, label="y", score="score", sensitive="group",
                                         bootstrap=0, ci="wilson"),
            }
            for method, result in runs.items():
                for metric, (lo, hi) in _intervals(result).items():
                    if lo is None or hi is None:
                        continue
                    hits.setdefault((method, metric), []).append(lo <= TRUTH[metric] <= hi)
    return {key: float(np.mean(v)) for key, v in hits.items()}


def test_truth_is_what_the_sampler_produces():
    # Sanity check of the closed-form truths against one very large sample.
    rng_frame = pd.concat([_sample(10**6 + i) for i in range(20)], ignore_index=True)
    a = rng_frame[rng_frame["group"] == "A"]
    y_hat = a["score"] >= 0.5
    assert y_hat.mean() == pytest.approx(TRUTH["selection_rate"], abs=0.01)
    assert y_hat[a["y"] == 1].mean() == pytest.approx(TRUTH["tpr"], abs=0.01)
    overall = ((rng_frame["score"] >= 0.5).astype(int) == rng_frame["y"]).mean()
    assert overall == pytest.approx(TRUTH["accuracy"], abs=0.01)
    result = fairlens.audit(rng_frame, label="y", score="score", sensitive="group", bootstrap=0)
    for metric, value in (("auc", result.by_group.set_index("group").loc["A", "auc"]),
                          ("es_auc", result.equity.set_index("metric").loc["auc", "es"])):
        assert value == pytest.approx(TRUTH[metric], abs=0.01), metric


@pytest.mark.parametrize("metric", ["selection_rate", "tpr", "auc", "accuracy",
                                    "demographic_parity_difference", "es_auc"])
def test_bootstrap_interval_coverage(coverage, metric):
    share = coverage[("bootstrap", metric)]
    assert LOW <= share <= HIGH, f"{metric}: 95% bootstrap interval covered the truth {share:.1%}"


@pytest.mark.parametrize("metric", ["selection_rate", "tpr", "auc"])
def test_wilson_interval_coverage(coverage, metric):
    # The analytic option (Wilson for rates, Hanley-McNeil for AUC) must be calibrated too.
    share = coverage[("wilson", metric)]
    assert LOW <= share <= HIGH, f"{metric}: 95% analytic interval covered the truth {share:.1%}"

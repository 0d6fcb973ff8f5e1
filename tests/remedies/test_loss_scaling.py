"""FIS/FEBS loss scaling with torch: the weights, the traps of the reference code, seeds,
the planted data, and Adult on CPU in under a minute."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from fairlens.data import AuditSpec
from fairlens.datasets import make_planted
from fairlens.remedies import (
    FairLossClassifier,
    FebsScaling,
    FisScaling,
    febs_group_weights,
    febs_weights,
    fis_weights,
    remedy_spec,
)

from .conftest import ADULT_FEATURES


def test_fis_weights_formula_and_missing_group():
    losses = torch.tensor([0.1, 0.5, 0.2, 1.5, 0.3], requires_grad=True)
    groups = torch.tensor([0, 0, 2, 2, 2])  # group 1 is missing from this batch
    w = fis_weights(losses, groups, coef=0.5, temperature=1.0)
    assert not w.requires_grad  # computed without gradients
    assert torch.all(w > 0) and w.mean().item() == pytest.approx(1.0)
    ls = losses.detach()
    individual = 5 * torch.softmax(ls, 0)
    g_mean = torch.tensor([ls[:2].mean(), ls[2:].mean()])
    group = 2 * torch.softmax(g_mean, 0)  # only the two present groups
    expected = 0.5 * individual + 0.5 * group[torch.tensor([0, 0, 1, 1, 1])]
    expected = expected / expected.mean()
    torch.testing.assert_close(w, expected)
    # the coefficient moves between the pure individual and the pure group term
    w0 = fis_weights(losses, groups, coef=0.0, temperature=1.0)
    torch.testing.assert_close(w0, individual / individual.mean())


def test_febs_weights_formula_and_missing_group():
    group_loss = torch.tensor([0.2, 0.4, 0.8])
    w = febs_group_weights(group_loss, gamma=2.0)
    torch.testing.assert_close(w, torch.tanh((0.2 / group_loss) ** 2), atol=1e-6, rtol=1e-6)
    losses = torch.tensor([0.2, 0.2, 0.8, 0.8], requires_grad=True)
    groups = torch.tensor([0, 0, 3, 3])  # groups 1 and 2 absent: they do not zero anything
    m = febs_weights(losses, groups, gamma=1.0)
    assert not m.requires_grad
    assert torch.all(torch.isfinite(m)) and torch.all(m > 0)
    # the worse-served group counts more; the mean multiplier is 1
    assert m[2] > m[0] and m.mean().item() == pytest.approx(1.0)
    ratio = m[2] / m[0]
    assert ratio.item() == pytest.approx((np.tanh(1.0) / np.tanh(0.25)), rel=1e-5)
    # gamma = 0: equal weights, i.e. plain training
    torch.testing.assert_close(febs_weights(losses, groups, gamma=0.0), torch.ones(4))


def test_training_is_seeded_and_reports_progress():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 4)).astype(np.float32)
    y = (x[:, 0] + rng.normal(0, 0.5, 600) > 0).astype(int)
    g = rng.choice(["a", "b"], 600)
    calls = []
    a = FairLossClassifier(scaling="fis", epochs=3, seed=5, device="cpu",
                           progress=lambda d, t, m: calls.append((d, t))).fit(x, y, g)
    b = FairLossClassifier(scaling="fis", epochs=3, seed=5, device="cpu").fit(x, y, g)
    np.testing.assert_array_equal(a.predict_proba(x), b.predict_proba(x))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert a.device_ == "cpu"
    # the scikit-learn copy (what is saved with skops) predicts the same
    np.testing.assert_allclose(a.to_sklearn().predict_proba(x)[:, 1], a.predict_proba(x)[:, 1],
                               atol=1e-6)
    lin = FairLossClassifier(scaling="febs", architecture="logistic", epochs=2, seed=1).fit(
        x, y, g)
    np.testing.assert_allclose(lin.to_sklearn().predict_proba(x)[:, 1],
                               lin.predict_proba(x)[:, 1], atol=1e-6)


def _es_auc(audit, attribute="group"):
    eq = audit.equity
    return float(eq[(eq["grouping"] == attribute) & (eq["metric"] == "auc")]["es"].iloc[0])


def _planted_es_auc(rows: int, epochs: int, **planted):
    """Held-out ES-AUC (group) of FIS, FEBS and unweighted training (logistic) on
    make_planted over 5 seeds, and the FIS sentences."""
    scores = {"fis": [], "febs": [], "none": []}
    sentences = []
    for seed in range(5):
        data = make_planted(rows, seed=seed, **planted)
        spec = AuditSpec(label="label", score="score", sensitive=["group"],
                         features=data.features)
        fis = remedy_spec(data.frame, spec, seed=seed, bootstrap=0,
                          method=FisScaling(architecture="logistic", epochs=epochs))
        febs = remedy_spec(data.frame, spec, seed=seed, bootstrap=0,
                           method=FebsScaling(architecture="logistic", epochs=epochs,
                                              baseline=False))
        scores["fis"].append(_es_auc(fis.after))
        scores["febs"].append(_es_auc(febs.after))
        scores["none"].append(_es_auc(fis.baseline))
        sentences.append(fis.sentence)
    return scores, sentences


def test_planted_data_five_seeds_scaling_does_not_hurt_es_auc():
    """Held-out ES-AUC of FIS/FEBS vs unweighted training on make_planted over 5 seeds.

    Measured (logistic, 2,000 rows, 8 epochs): unweighted 0.7820, FIS 0.7784 (-0.0036), FEBS
    0.7824 (+0.0004) on average; with the MLP on 20,000 rows (bench) -0.0005 and -0.0002. No
    real gain: the planted disparity lives in the given score and in label noise concentrated
    in one group, which no loss reweighting can undo. The test guards against a real loss
    (more than 0.01); the gain where a group is underserved is the next test.
    """
    scores, sentences = _planted_es_auc(2000, 8)
    assert all("ES-AUC (group)" in sentence for sentence in sentences)
    means = {k: float(np.mean(v)) for k, v in scores.items()}
    print("planted ES-AUC", {k: np.round(v, 4).tolist() for k, v in scores.items()}, means)
    assert means["fis"] >= means["none"] - 0.01
    assert means["febs"] >= means["none"] - 0.01


def test_planted_group_rule_five_seeds_scaling_raises_es_auc():
    """make_planted with a planted performance disparity (group C, 15 %, follows another rule):
    FIS and FEBS raise held-out ES-AUC over unweighted training on average over 5 seeds.

    Measured (logistic, 3,000 rows, 10 epochs): unweighted 0.5195, FIS 0.5263, FEBS 0.5320 on
    average, higher on every seed; with group_rule=0.6: 0.6051, 0.6106, 0.6127.
    """
    scores, _ = _planted_es_auc(3000, 10, group_rule=1.0)
    means = {k: float(np.mean(v)) for k, v in scores.items()}
    print("planted group-rule ES-AUC", {k: np.round(v, 4).tolist() for k, v in scores.items()})
    assert means["fis"] > means["none"] + 0.003
    assert means["febs"] > means["none"] + 0.005
    assert sum(f > b for f, b in zip(scores["febs"], scores["none"], strict=True)) >= 4


def _underserved(n: int, seed: int):
    """Known truth: group B (15%) follows another feature than group A, so an unweighted
    logistic model fits A and underserves B."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    g = rng.choice(["A", "B"], n, p=[0.85, 0.15])
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    z = np.where(g == "A", 2.0 * x1 + 0.3 * x2, 0.3 * x1 + 2.0 * x2)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame({"y": y, "g": g, "x1": x1, "x2": x2, "s": rng.random(n).round(3)})


def test_scaling_raises_es_auc_where_a_group_is_underserved():
    gains = {"fis": [], "febs": []}
    for seed in range(5):
        frame = _underserved(3000, seed)
        spec = AuditSpec(label="y", score="s", sensitive=["g"], features=["x1", "x2"])
        fis = remedy_spec(frame, spec, method="fis", seed=seed, bootstrap=0,
                          architecture="logistic", epochs=10, fis_coef=1.0)
        febs = remedy_spec(frame, spec, method="febs", seed=seed, bootstrap=0,
                           architecture="logistic", epochs=10, febs_gamma=2.0, baseline=False)
        base = _es_auc(fis.baseline, "g")
        gains["fis"].append(_es_auc(fis.after, "g") - base)
        gains["febs"].append(_es_auc(febs.after, "g") - base)
    print("underserved ES-AUC gains", {k: np.round(v, 4).tolist() for k, v in gains.items()})
    assert np.mean(gains["fis"]) > 0.003 and np.mean(gains["febs"]) > 0.005
    assert sum(g > 0 for g in gains["febs"]) >= 4


def test_adult_trains_in_under_a_minute_on_cpu(adult_frame):
    spec = AuditSpec(label="income", score="score", sensitive=["sex", "race"],
                     features=ADULT_FEATURES)
    start = time.perf_counter()
    result = remedy_spec(adult_frame, spec, method="fis", seed=0, bootstrap=0, device="cpu",
                         baseline=False)
    elapsed = time.perf_counter() - start
    print(f"Adult FIS (30 epochs MLP, {len(result.split.fit):,} rows): {elapsed:.1f} s")
    assert elapsed < 60
    assert result.to_dict()["artefacts"]["device"] == "cpu"
    assert result.after.overall["accuracy"] > 0.8

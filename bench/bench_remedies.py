"""FairLens remedies against their peers, measured in one run (ratios, not pass/fail).

1. Group thresholds (equalized odds, objective accuracy) vs fairlearn's ThresholdOptimizer on
   the same rows: fit time and expected accuracy on the fitting rows, on COMPAS (decile
   scores) and on generated data with ``--rows`` rows and 1,000 distinct scores.
2. FIS / FEBS loss scaling vs unweighted training of the same torch model on ``make_planted``
   data, held-out ES-AUC over ``--seeds`` seeds (every seed printed, then the means).
3. Adult (``../shared/data/adult`` when present): FIS training time on CPU.

Run: ``python bench/bench_remedies.py [--rows 200000] [--seeds 5] [--planted-rows 20000]``
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import FunctionTransformer

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec
from fairlens.datasets import COMPAS_AUDIT, load_compas, make_planted
from fairlens.remedies import FebsScaling, FisScaling, GroupThresholdOptimizer, remedy_spec

NO_BOOTSTRAP = AuditOptions(bootstrap=0)
ADULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "adult"


class _ScoreAsPrediction(FunctionTransformer):
    """A prefit 'model' whose prediction is the score column (what fairlearn post-processes)."""

    def predict(self, x):
        return np.asarray(self.transform(x), dtype=float)[:, 0]


def thresholds_vs_fairlearn(frame: pd.DataFrame, spec: AuditSpec, attribute: str,
                            name: str) -> None:
    from fairlearn.postprocessing import ThresholdOptimizer

    start = time.perf_counter()
    ours = GroupThresholdOptimizer(constraint="equalized_odds", tolerance=0.0).fit(
        frame, spec, attribute)
    t_ours = time.perf_counter() - start
    loose = GroupThresholdOptimizer(constraint="equalized_odds", tolerance=0.05).fit(
        frame, spec, attribute)
    x = frame[[spec.score[0]]].to_numpy(dtype=float)
    y = frame[spec.label].to_numpy()
    a = frame[attribute].astype(str).to_numpy()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = ThresholdOptimizer(estimator=_ScoreAsPrediction().fit(x),
                                 constraints="equalized_odds", objective="accuracy_score",
                                 prefit=True, predict_method="predict")
        opt.fit(x, y, sensitive_features=a)
    t_fl = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = opt._pmf_predict(x, sensitive_features=a)[:, 1]
    acc_fl = float(np.mean(y * p + (1 - y) * (1 - p)))
    print(f"{name}: {len(frame):,} rows")
    print(f"  FairLens thresholds (tolerance 0)    {t_ours:8.3f} s  expected accuracy "
          f"{ours.objective_value_:.4f}")
    print(f"  FairLens thresholds (tolerance 0.05) {'':8}    expected accuracy "
          f"{loose.objective_value_:.4f}")
    print(f"  fairlearn ThresholdOptimizer         {t_fl:8.3f} s  expected accuracy "
          f"{acc_fl:.4f}")
    print(f"  time ratio fairlearn / FairLens: {t_fl / t_ours:.1f}x; accuracy difference "
          f"(tolerance 0) {ours.objective_value_ - acc_fl:+.4f}")


def generated(n: int, seed: int = 0) -> tuple[pd.DataFrame, AuditSpec]:
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
    y = (rng.random(n) < np.where(g == "a", 0.35, 0.5)).astype(int)
    score = np.clip(0.35 * y + rng.normal(np.where(g == "c", 0.35, 0.3), 0.2, n), 0, 0.999)
    frame = pd.DataFrame({"y": y, "s": np.floor(score * 1000) / 1000, "g": g})
    return frame, AuditSpec(label="y", score="s", sensitive=["g"])


def es_auc(audit, attribute: str) -> float:
    eq = audit.equity
    return float(eq[(eq["grouping"] == attribute) & (eq["metric"] == "auc")]["es"].iloc[0])


def planted_seeds(n_seeds: int, n_rows: int) -> None:
    print(f"\nFIS / FEBS vs unweighted MLP on make_planted({n_rows:,}), held-out ES-AUC (group)")
    print(f"  {'seed':>4} {'unweighted':>11} {'FIS':>8} {'FEBS':>8}")
    rows = []
    for seed in range(n_seeds):
        planted = make_planted(n_rows, seed=seed)
        spec = AuditSpec(label="label", score="score", sensitive=["group"],
                         features=planted.features)
        fis = remedy_spec(planted.frame, spec, method=FisScaling(), seed=seed,
                          options=NO_BOOTSTRAP)
        febs = remedy_spec(planted.frame, spec, method=FebsScaling(baseline=False), seed=seed,
                           options=NO_BOOTSTRAP)
        row = (es_auc(fis.baseline, "group"), es_auc(fis.after, "group"),
               es_auc(febs.after, "group"))
        rows.append(row)
        print(f"  {seed:>4} {row[0]:11.4f} {row[1]:8.4f} {row[2]:8.4f}")
    mean = np.mean(rows, axis=0)
    print(f"  {'mean':>4} {mean[0]:11.4f} {mean[1]:8.4f} {mean[2]:8.4f}  "
          f"(FIS {mean[1] - mean[0]:+.4f}, FEBS {mean[2] - mean[0]:+.4f})")


def adult_timing() -> None:
    if not ADULT.exists():
        print(f"\nAdult: {ADULT} not present; skipped.")
        return
    columns = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
               "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
               "hours_per_week", "native_country", "income"]
    frame = pd.read_csv(ADULT / "adult.data", names=columns, skipinitialspace=True,
                        na_values="?")
    frame["income"] = (frame["income"].str.strip() == ">50K").astype(int)
    z = -6.0 + 0.45 * frame["education_num"] + 0.02 * frame["age"]
    frame["score"] = np.round(1 / (1 + np.exp(-z)), 4)
    features = ["age", "workclass", "education", "education_num", "marital_status",
                "occupation", "relationship", "capital_gain", "capital_loss",
                "hours_per_week", "native_country"]
    spec = AuditSpec(label="income", score="score", sensitive=["sex", "race"],
                     features=features)
    for method in ("fis", "febs", "reweigh", "expgrad", "thresholds"):
        start = time.perf_counter()
        res = remedy_spec(frame, spec, method=method, options=NO_BOOTSTRAP, device="cpu",
                          baseline=False)
        took = time.perf_counter() - start
        print(f"\nAdult {method} ({len(res.split.fit):,} fitting rows, CPU): {took:.1f} s")
        print(f"  {res.sentence}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--planted-rows", type=int, default=20_000)
    args = parser.parse_args()
    thresholds_vs_fairlearn(load_compas(), AuditSpec(**COMPAS_AUDIT), "race", "COMPAS race")
    frame, spec = generated(args.rows)
    thresholds_vs_fairlearn(frame, spec, "g", "generated")
    planted_seeds(args.seeds, args.planted_rows)
    adult_timing()


if __name__ == "__main__":
    main()

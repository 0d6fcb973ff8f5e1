"""FairLens vs fairlearn MetricFrame on the same generated data, in one run.

Data: N rows, three sensitive attributes with 10 x 10 x 10 = 1000 intersectional groups,
a binary label and a continuous score. Both tools compute, per intersectional group, the
selection rate, TPR, FPR, PPV, accuracy and AUC. FairLens additionally computes every single
attribute, all disparities, ES/PSD and 1000 bootstrap replicates for every number.

Run: ``python bench/bench_audit.py [--rows 1000000 10000000] [--skip-fairlearn-above N]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    """Generated predictions with 1000 intersectional groups and group-dependent rates."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 10, n)
    b = rng.integers(0, 10, n)
    c = rng.integers(0, 10, n)
    base = 0.2 + 0.03 * a + 0.02 * (b % 3)
    y = (rng.random(n) < base).astype(np.int8)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + 1.5 * y - 0.8 + 0.05 * c)))
    return pd.DataFrame({
        "region": pd.Categorical.from_codes(a, [f"r{i}" for i in range(10)]),
        "age_band": pd.Categorical.from_codes(b, [f"a{i}" for i in range(10)]),
        "site": pd.Categorical.from_codes(c, [f"s{i}" for i in range(10)]),
        "y": y,
        "score": score,
    })


def run_fairlens(df: pd.DataFrame, bootstrap: int) -> tuple[float, object]:
    import fairlens

    t = time.perf_counter()
    result = fairlens.audit(df, label="y", score="score", sensitive=["region", "age_band", "site"],
                            bootstrap=bootstrap, min_group_size=0)
    return time.perf_counter() - t, result


def run_fairlearn(df: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    from fairlearn.metrics import (
        MetricFrame,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

    y = df["y"].to_numpy()
    yhat = (df["score"].to_numpy() >= 0.5).astype(np.int8)
    t = time.perf_counter()
    mf = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
            "ppv": lambda a, b: precision_score(a, b, zero_division=0),
            "accuracy": accuracy_score,
        },
        y_true=y, y_pred=yhat, sensitive_features=df[["region", "age_band", "site"]],
    )
    auc = MetricFrame(metrics={"auc": roc_auc_score}, y_true=y, y_pred=df["score"].to_numpy(),
                      sensitive_features=df[["region", "age_band", "site"]])
    by_group = mf.by_group.join(auc.by_group)
    return time.perf_counter() - t, by_group


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--skip-fairlearn-above", type=int, default=None,
                        help="do not run fairlearn above this many rows")
    args = parser.parse_args()
    for n in args.rows:
        df = make_data(n)
        run_fairlens(df.head(10_000), 100)  # warm-up (imports, first-call overheads)
        t_fl0, _ = run_fairlens(df, 0)
        t_fl, result = run_fairlens(df, args.bootstrap)
        line = (f"rows={n:>10,}  groups={result.by_group.grouping.value_counts().max():>5}  "
                f"fairlens(no bootstrap)={t_fl0:7.2f}s  "
                f"fairlens(+{args.bootstrap} bootstrap, all groupings, ES/PSD)={t_fl:7.2f}s")
        if args.skip_fairlearn_above is None or n <= args.skip_fairlearn_above:
            t_mf, theirs = run_fairlearn(df)
            ours = result.by_group[result.by_group.grouping == "region x age_band x site"]
            ours = ours.set_index(["region", "age_band", "site"])
            err = max(
                float(np.nanmax(np.abs(ours[m].to_numpy() - theirs.loc[ours.index, m].to_numpy())))
                for m in ("selection_rate", "tpr", "fpr", "accuracy")
            )
            auc_err = float(np.nanmax(np.abs(ours["auc"].to_numpy()
                                             - theirs.loc[ours.index, "auc"].to_numpy())))
            line += (f"  fairlearn MetricFrame={t_mf:7.2f}s  ratio(no bootstrap)="
                     f"{t_mf / t_fl0:6.1f}x  ratio(with bootstrap)={t_mf / t_fl:6.1f}x  "
                     f"max|diff| rates={err:.1e} auc={auc_err:.1e}")
        print(line, flush=True)
        if result.warnings:
            for w in result.warnings:
                if "grid" in w or "bootstrap" in w.lower():
                    print("   note:", w)


if __name__ == "__main__":
    main()

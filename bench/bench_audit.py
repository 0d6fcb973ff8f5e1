"""FairLens vs fairlearn MetricFrame on the same generated data, in one run.

Data: N rows, three sensitive attributes with 10 x 10 x 10 = 1000 intersectional groups,
a binary label and a continuous score. Both tools compute, per intersectional group, the
selection rate, TPR, FPR, PPV, accuracy and AUC. FairLens additionally computes every single
attribute, all disparities, ES/PSD and 1000 bootstrap replicates for every number.

Every FairLens figure is the median of ``--repeat`` runs, as wall time and CPU time (user +
system of the process); the machine is shared, so the ratio to fairlearn in the same run is the
figure to compare. ``--strings`` gives the attributes as plain strings (as a CSV read gives
them) instead of categoricals.

Run: ``python bench/bench_audit.py [--rows 1000000 10000000] [--skip-fairlearn-above N]
[--repeat 3] [--strings]``
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
    """Wall time of one audit and the audit."""
    wall, _, result = timed(lambda: _audit(df, bootstrap))
    return wall, result


def _audit(df: pd.DataFrame, bootstrap: int):
    import fairlens

    return fairlens.audit(df, label="y", score="score", sensitive=["region", "age_band", "site"],
                          bootstrap=bootstrap, min_group_size=0)


def timed(fn) -> tuple[float, float, object]:
    """``(wall seconds, CPU seconds, result)`` of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def median_run(fn, repeat: int) -> tuple[float, float, object]:
    """The run with the median wall time of ``repeat`` calls: ``(wall, cpu, result)``."""
    runs = sorted((timed(fn) for _ in range(max(repeat, 1))), key=lambda r: r[0])
    return runs[len(runs) // 2]


def _fmt(wall: float, cpu: float) -> str:
    return f"{wall:6.2f}s wall {cpu:6.2f}s cpu"


def run_fairlearn(df: pd.DataFrame) -> pd.DataFrame:
    """Per-group rates and AUC with fairlearn's MetricFrame (no bootstrap)."""
    from fairlearn.metrics import (
        MetricFrame,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

    y = df["y"].to_numpy()
    yhat = (df["score"].to_numpy() >= 0.5).astype(np.int8)
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
    return mf.by_group.join(auc.by_group)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="FairLens runs per figure (the median is printed)")
    parser.add_argument("--strings", action="store_true",
                        help="attributes as plain strings instead of categoricals")
    parser.add_argument("--skip-fairlearn-above", type=int, default=None,
                        help="do not run fairlearn above this many rows")
    args = parser.parse_args()
    for n in args.rows:
        df = make_data(n)
        if args.strings:
            df = df.astype({c: str for c in ("region", "age_band", "site")})
        _audit(df.head(10_000), 100)  # warm-up (imports, first-call overheads)
        wall0, cpu0, _ = median_run(lambda df=df: _audit(df, 0), args.repeat)
        wall, cpu, result = median_run(lambda df=df: _audit(df, args.bootstrap), args.repeat)
        groups = result.by_group.grouping.value_counts().max()
        line = (f"rows={n:>10,}  groups={groups:>5}  fairlens(no bootstrap) {_fmt(wall0, cpu0)}  "
                f"fairlens(+{args.bootstrap} bootstrap, all groupings, ES/PSD) {_fmt(wall, cpu)}")
        if args.skip_fairlearn_above is None or n <= args.skip_fairlearn_above:
            wall_mf, cpu_mf, theirs = timed(lambda df=df: run_fairlearn(df))
            ours = result.by_group[result.by_group.grouping == "region x age_band x site"]
            ours = ours.set_index(["region", "age_band", "site"])
            err = max(
                float(np.nanmax(np.abs(ours[m].to_numpy() - theirs.loc[ours.index, m].to_numpy())))
                for m in ("selection_rate", "tpr", "fpr", "accuracy")
            )
            auc_err = float(np.nanmax(np.abs(ours["auc"].to_numpy()
                                             - theirs.loc[ours.index, "auc"].to_numpy())))
            line += (f"  fairlearn MetricFrame {_fmt(wall_mf, cpu_mf)}  ratio(no bootstrap)="
                     f"{wall_mf / wall0:6.1f}x  ratio(with bootstrap)={wall_mf / wall:6.1f}x "
                     f"(cpu {cpu_mf / cpu:6.1f}x)  max|diff| rates={err:.1e} auc={auc_err:.1e}")
        print(line, flush=True)
        if result.warnings:
            for w in result.warnings:
                if "grid" in w or "bootstrap" in w.lower():
                    print("   note:", w)


if __name__ == "__main__":
    main()

"""Fairness over time: FairLens drift vs looping fairlearn MetricFrame over the windows, one run.

Data: N rows over W days (one window per day), three sensitive attributes with
10 x 10 x 10 = 1000 intersectional groups, a binary label and a continuous score whose
TPR drifts for one region from the middle day on.

* FairLens: ``drift_spec(..., window="day")`` -- every window's audit (each attribute and the
  intersection: all rates, AUC, Brier/ECE, disparities, ES/PSD, harmony) with bootstrap
  intervals (``--bootstrap`` replicates), plus the change tests of every window against the
  baseline and the window before, Benjamini-Hochberg adjusted.
* fairlearn: for each window, ``MetricFrame`` of selection rate, TPR, FPR, PPV, accuracy and
  AUC per intersectional group (point estimates only: no intervals, no tests).

Wall and CPU time (this process) of each, and their ratios, are printed.

Run: ``python bench/bench_drift.py [--rows 10000000] [--windows 100] [--bootstrap 1000]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def make_log(n: int, windows: int, seed: int = 0) -> pd.DataFrame:
    """A generated predictions log: ``windows`` days, 1000 intersectional groups, a drift."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 10, n)
    b = rng.integers(0, 10, n)
    c = rng.integers(0, 10, n)
    day = np.sort(rng.integers(0, windows, n))
    base = 0.2 + 0.03 * a + 0.02 * (b % 3)
    y = (rng.random(n) < base).astype(np.int8)
    shift = np.where((a == 3) & (day >= windows // 2), -1.0, 0.0)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + (1.5 + shift) * y - 0.8 + 0.05 * c)))
    start = np.datetime64("2026-01-01T00:00:00", "s")
    seconds = (day * 86_400 + rng.integers(0, 86_400, n)).astype("timedelta64[s]")
    return pd.DataFrame({
        "when": start + seconds,
        "region": pd.Categorical.from_codes(a, [f"r{i}" for i in range(10)]),
        "age_band": pd.Categorical.from_codes(b, [f"a{i}" for i in range(10)]),
        "site": pd.Categorical.from_codes(c, [f"s{i}" for i in range(10)]),
        "y": y,
        "score": score,
    })


def run_fairlens(df: pd.DataFrame, bootstrap: int):
    from fairlens import AuditOptions, AuditSpec
    from fairlens.drift import drift_spec

    spec = AuditSpec(label="y", score=["score"], sensitive=["region", "age_band", "site"],
                     time="when")
    options = AuditOptions(bootstrap=bootstrap, min_group_size=0)
    wall, cpu = time.perf_counter(), time.process_time()
    result = drift_spec(df, spec, options=options, window="day")
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_fairlearn(df: pd.DataFrame, limit: int | None):
    from fairlearn.metrics import (
        MetricFrame,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

    metrics = {
        "selection_rate": selection_rate,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
        "ppv": lambda a, b: precision_score(a, b, zero_division=0),
        "accuracy": accuracy_score,
    }
    sensitive = ["region", "age_band", "site"]
    wall, cpu = time.perf_counter(), time.process_time()
    day = df["when"].dt.floor("D")
    frames = []
    for i, (_, rows) in enumerate(df.groupby(day, sort=True)):
        if limit is not None and i >= limit:
            break
        y = rows["y"].to_numpy()
        yhat = (rows["score"].to_numpy() >= 0.5).astype(np.int8)
        mf = MetricFrame(metrics=metrics, y_true=y, y_pred=yhat,
                         sensitive_features=rows[sensitive])
        auc = MetricFrame(metrics={"auc": roc_auc_score}, y_true=y,
                          y_pred=rows["score"].to_numpy(), sensitive_features=rows[sensitive])
        frames.append(mf.by_group.join(auc.by_group))
    return time.perf_counter() - wall, time.process_time() - cpu, frames


def check_agreement(result, frames) -> float:
    """Largest difference between FairLens and fairlearn per-group numbers (first windows)."""
    worst = 0.0
    for w, expected in zip(result.windows, frames, strict=False):
        g = w.audit.primary.groupings[-1]
        ours = pd.DataFrame({m: g.metrics[m] for m in expected.columns},
                            index=pd.MultiIndex.from_tuples(g.labels))
        theirs = expected.copy()
        theirs.index = pd.MultiIndex.from_tuples([tuple(map(str, i)) for i in theirs.index])
        joined = ours.merge(theirs, left_index=True, right_index=True, suffixes=("", "_fl"))
        for m in expected.columns:
            diff = np.abs(joined[m] - joined[f"{m}_fl"]).to_numpy()
            worst = max(worst, float(np.nanmax(diff)) if len(diff) else 0.0)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--windows", type=int, default=100)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--fairlearn-windows", type=int, default=None,
                        help="loop MetricFrame over only this many windows and scale its time "
                             "to all windows (default: all windows)")
    args = parser.parse_args()
    t = time.perf_counter()
    df = make_log(args.rows, args.windows)
    print(f"data: {args.rows:,} rows, {args.windows} daily windows, 1000 intersectional groups "
          f"(generated in {time.perf_counter() - t:.1f} s)")
    fl_wall, fl_cpu, result = run_fairlens(df, args.bootstrap)
    n_tests = len(result.tests)
    print(f"FairLens drift (bootstrap {args.bootstrap}, {len(result.windows)} windows, "
          f"{n_tests:,} tests, {len(result.changes):,} changes): wall {fl_wall:.1f} s, "
          f"CPU {fl_cpu:.1f} s")
    mf_wall, mf_cpu, frames = run_fairlearn(df, args.fairlearn_windows)
    done = len(frames)
    scale = len(result.windows) / done
    note = "" if done == len(result.windows) else (
        f" (measured on {done} windows, scaled x{scale:.1f} to all)")
    mf_wall, mf_cpu = mf_wall * scale, mf_cpu * scale
    print(f"fairlearn MetricFrame loop (point estimates only): wall {mf_wall:.1f} s, "
          f"CPU {mf_cpu:.1f} s{note}")
    print(f"ratio fairlearn / FairLens: wall {mf_wall / fl_wall:.1f}x, CPU {mf_cpu / fl_cpu:.1f}x")
    print(f"largest per-group difference (intersection, rates and AUC): "
          f"{check_agreement(result, frames):.2e}")
    region = [c for c in result.changes if c.grouping == "region" and c.measure == "tpr"]
    if region:
        print(f"first detected change of a region's TPR: {region[0].description}")


if __name__ == "__main__":
    main()

"""Default explanation of a 1M-row predictions file, with the peer measured in the same run.

Data: N rows (default 1,000,000) of a predictions file: label, score, race (4 groups, one of
2 %), sex, and 10 features (7 numeric, 3 categorical), written to a CSV file and read back with
:func:`fairlens.read_table`. FairLens's default explanation (what ``fairlens explain FILE`` and
the Explain page run without a model) trains a gradient-boosting surrogate of the score, keeps
its fidelity on held-out rows, draws a 2,000-row sample stratified by race, computes SHAP values
(TreeExplainer), the importances overall and per group, the gap decomposition between the two
largest groups, and the proxy check for race. The progress callback prints a text bar.

Peer: ``shap.TreeExplainer`` of the same surrogate on every row (what a hand-written notebook
would do), timed on 50,000 rows and extrapolated linearly to N; the ratio compares it with
FairLens's SHAP step. Also timed: the same explanation with a given model (the surrogate passed
as the model: no surrogate training) and a model-agnostic (permutation) explanation of a
logistic-regression pipeline on 500 rows.

Run: ``python bench/bench_explain.py [--rows 1000000]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_file(n: int, path: Path, seed: int = 0) -> None:
    """Write ``n`` rows of a generated predictions file to ``path`` (CSV)."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B", "C", "D"], n, p=[0.6, 0.25, 0.13, 0.02])
    sex = rng.choice(["F", "M"], n)
    cols = {f"x{j}": np.round(rng.normal(0, 1, n), 3) for j in range(7)}
    cols["x0"] = np.round(cols["x0"] + 0.8 * (race == "B"), 3)  # a proxy of race
    for j, levels in enumerate((3, 5, 8)):
        cols[f"c{j}"] = rng.choice([f"v{k}" for k in range(levels)], n)
    logit = cols["x0"] + 0.5 * cols["x1"] - 0.3 * cols["x2"] + 0.4 * (cols["c0"] == "v1")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    score = np.round(1 / (1 + np.exp(-(logit + rng.normal(0, 0.5, n)))), 4)
    frame = pd.DataFrame({"label": y, "score": score, "race": race, "sex": sex, **cols})
    frame.to_csv(path, index=False)


def text_bar(done: int, total: int, message: str) -> None:
    """Print a progress bar on stderr."""
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                     f"{message[:50]:<50}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    import shap
    from threadpoolctl import threadpool_limits

    from fairlens.data import AuditSpec, read_table
    from fairlens.explain import explain_spec

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    features = [f"x{j}" for j in range(7)] + ["c0", "c1", "c2"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "predictions.csv"
        make_file(args.rows, path)
        t = time.perf_counter()
        frame = read_table(path)
        t_read = time.perf_counter() - t
    spec = AuditSpec(label="label", score=["score"], sensitive=["race", "sex"],
                     features=features)
    print(f"data: {len(frame):,} rows x {frame.shape[1]} columns (read in {t_read:.1f} s)")

    t = time.perf_counter()
    result = explain_spec(frame, spec, progress=text_bar)
    t_default = time.perf_counter() - t
    f = result.fidelity
    print(f"FairLens default explanation (surrogate, {result.sample_size:,} rows, proxy check): "
          f"{t_default:.1f} s")
    print(f"  surrogate fidelity: R^2 {f.r2:.3f}, agreement {f.agreement:.1%} on "
          f"{f.n_holdout:,} held-out rows; additivity error {result.additivity_error:.1e}; "
          f"gap {result.gap.group_a}-{result.gap.group_b} {result.gap.gap:+.4f} = sum of "
          f"contributions {sum(result.gap.contributions.values()):+.4f}; proxy AUC "
          f"{result.proxy.auc:.3f}, top feature {next(iter(result.proxy.features))}")

    t = time.perf_counter()
    given = explain_spec(frame, spec, model=result.model)
    t_given = time.perf_counter() - t
    print(f"FairLens with a given tree model: {t_given:.1f} s")

    peer_rows = min(50_000, len(frame))
    with threadpool_limits(1):
        explainer = shap.TreeExplainer(result.model.tree)
        t = time.perf_counter()
        explainer.shap_values(result.model.transform(frame.iloc[:peer_rows]))
        t_peer = (time.perf_counter() - t) * len(frame) / peer_rows
        t = time.perf_counter()
        explainer.shap_values(result.model.transform(frame.iloc[:result.sample_size]))
        t_ours = time.perf_counter() - t
    print(f"shap.TreeExplainer on all {len(frame):,} rows (extrapolated from {peer_rows:,}): "
          f"{t_peer:.1f} s vs FairLens's stratified SHAP step {t_ours:.2f} s "
          f"= {t_peer / t_ours:.0f}x")

    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    lr = Pipeline([("enc", ColumnTransformer([("oh", OneHotEncoder(), ["c0", "c1", "c2"])],
                                             remainder="passthrough")),
                   ("lr", LogisticRegression(max_iter=300))])
    lr.fit(frame[features].iloc[:20_000], frame["label"].iloc[:20_000])
    t = time.perf_counter()
    agnostic = explain_spec(frame, spec, model=lr, sample_size=500)
    t_agnostic = time.perf_counter() - t
    print(f"FairLens model-agnostic (permutation) explanation, 500 rows: {t_agnostic:.1f} s, "
          f"additivity error {agnostic.additivity_error:.1e}")
    print(f"given-model run: {given.sample_size:,} rows explained")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""FairLens slice search vs the ``sliceline`` package on the same data, in one run.

Data: N rows x 30 features (20 numeric, 10 categorical with 3-8 levels), a 0/1 error signal
at 15 % with an error slice planted on two features (45 % error). Both finders search
conjunctions of up to 2 and 3 conditions (SliceLine score, same alpha and minimum support) on
the same binned data: FairLens bins the numeric features itself (5 quantile bins, one
predicate per bin, as SliceLine uses); sliceline gets those bins as categorical columns
(binning not timed for it). FairLens's time includes binning, the search, p-values for every
examined slice and descriptions. At depth 3 on 50k x 30, sliceline 0.3 runs out of memory
(it asks for a 63 GiB array); the run reports that instead of a ratio.

Each measurement runs in a fresh subprocess; memory is the growth of the peak resident set
size (``ru_maxrss``) during the call, over the process's size once the data is built.

First it times the raw ProPublica file (``../shared/data/compas/compas-scores-two-years.csv``,
7,214 rows x 53 columns) at depth 3: with the features the column screening proposes, and with
every column that has no role (identifiers, dates, leaks, score copies: what the app searched
before the screening), wall and CPU time each.

Run: ``python bench/bench_slices.py [--compare-rows 50000] [--large-rows 1000000]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

N_NUMERIC, N_CATEGORICAL = 20, 10
TOP_K = 10


def make_data(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` rows x 30 features and a 0/1 error with a planted slice on x0 and c0."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for j in range(N_NUMERIC):
        cols[f"x{j}"] = np.round(rng.normal(50, 15, n), 1)
    for j in range(N_CATEGORICAL):
        k = 3 + j % 6
        cols[f"c{j}"] = np.asarray([f"v{i}" for i in range(k)], dtype=object)[
            rng.integers(0, k, n)]
    frame = pd.DataFrame(cols)
    planted = (frame["x0"] < 40).to_numpy() & (frame["c0"] == "v1").to_numpy()
    errors = (rng.random(n) < np.where(planted, 0.45, 0.15)).astype(np.float64)
    return frame, errors


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU time of this process, all threads (robust to a busy machine)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def worker(tool: str, n: int, support: int, predicates: str, alpha: float,
           depth: int) -> dict:
    frame, errors = make_data(n)
    features = list(frame.columns)
    if tool == "sliceline":
        from sliceline import Slicefinder

        from fairlens.slices import bin_features

        binned = bin_features(frame, features, n_bins=5)
        del frame
        base = _maxrss_mb()
        c0 = _cpu_seconds()
        t0 = time.perf_counter()
        finder = Slicefinder(alpha=alpha, k=TOP_K, max_l=depth, min_sup=support,
                             verbose=False)
        finder.fit(binned, errors)
        seconds = time.perf_counter() - t0
        cpu = _cpu_seconds() - c0
        top = {k: v for k, v in zip(features, finder.top_slices_[0], strict=True)
               if v is not None}
        score = finder.top_slices_statistics_[0]["slice_score"]
        mask = np.logical_and.reduce([(binned[k] == v).to_numpy() for k, v in top.items()])
    else:
        from fairlens.slices import find_slices, slice_mask
        from fairlens.slices._kernels import warm_up

        warm_up()  # load the compiled kernels (compiled once per machine, cached on disk)
        base = _maxrss_mb()
        c0 = _cpu_seconds()
        t0 = time.perf_counter()
        result = find_slices(frame, features=features, errors=errors, alpha=alpha,
                             max_depth=depth, min_support=support, top_k=TOP_K,
                             numeric_predicates=predicates, collapse=False)
        seconds = time.perf_counter() - t0
        cpu = _cpu_seconds() - c0
        top = {c["feature"]: c["value"] for c in result.slices[0].conditions}
        score = result.slices[0].score
        mask = slice_mask(frame, result.slices[0].conditions)
    return {"tool": tool, "n": n, "seconds": seconds, "cpu_seconds": cpu,
            "peak_mb": _maxrss_mb() - base,
            "top": {k: str(v) for k, v in top.items()}, "score": float(score),
            "rows": int(mask.sum()), "row_sum": int(np.flatnonzero(mask).sum())}


RAW_COMPAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                          "data", "compas", "compas-scores-two-years.csv")


def raw_worker(which: str) -> dict:
    """The slice search on the raw ProPublica file (``which``: "screened" or "all")."""
    import dataclasses

    from fairlens.data import AuditSpec, read_table, screen_columns
    from fairlens.slices import find_slices_spec
    from fairlens.slices._kernels import warm_up

    warm_up()
    frame = read_table(RAW_COMPAS)
    spec = AuditSpec(label="two_year_recid", score=["decile_score"], sensitive=["race", "sex"],
                     threshold=5, score_kind="raw")
    if which == "screened":
        spec = screen_columns(frame, spec).spec
    else:
        roles = set(spec.columns(frame.columns))
        spec = dataclasses.replace(spec, features=[c for c in frame.columns if c not in roles])
    messages: list[str] = []
    c0 = _cpu_seconds()
    t0 = time.perf_counter()
    result = find_slices_spec(frame, spec, max_depth=3,
                              progress=lambda done, total, message: messages.append(message))
    return {"which": which, "features": len(spec.features), "seconds": time.perf_counter() - t0,
            "cpu_seconds": _cpu_seconds() - c0, "examined": result.n_examined,
            "top": result.slices[0].description if result.slices else None,
            "last_progress": next((m for m in reversed(messages) if m.startswith("Level")), "")}


def measure_raw(which: str, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--raw-worker", which]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as exc:
        return {"which": which, "error": str(exc).splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def report_raw(timeout: float) -> None:
    """Print the raw ProPublica figures (screened features, then every column)."""
    if not os.path.exists(RAW_COMPAS):
        print(f"raw ProPublica file not found at {RAW_COMPAS}; skipped")
        return
    for which in ("screened", "all"):
        r = measure_raw(which, timeout)
        if "error" in r:
            print(f"raw ProPublica, {which} features: {r['error']}")
            continue
        print(f"raw ProPublica (7,214 rows), depth 3, {r['which']} features ({r['features']}): "
              f"{r['seconds']:.2f} s wall, CPU {r['cpu_seconds']:.2f} s, "
              f"{r['examined']:,} slices examined ({r['last_progress']})")
        print(f"  top: {r['top']}")


def measure(tool: str, n: int, support: int, alpha: float, depth: int,
            predicates: str = "bins", timeout: float = 1800) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, str(n), str(support), predicates,
           str(alpha), str(depth)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "n": n, "seconds": float("nan"), "peak_mb": float("nan"),
                "error": f"timed out after {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        return {"tool": tool, "n": n, "seconds": float("nan"), "peak_mb": float("nan"),
                "error": exc.stderr.strip().splitlines()[-1] if exc.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare-rows", type=int, default=50_000)
    parser.add_argument("--large-rows", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--alpha", type=float, nargs="+", default=[0.95, 0.98],
                        help="SliceLine alpha values to run (higher: less pruning)")
    parser.add_argument("--depth", type=int, nargs="+", default=[2, 3],
                        help="most conditions per slice (runs each)")
    parser.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    parser.add_argument("--raw-worker", help=argparse.SUPPRESS)
    parser.add_argument("--raw-only", action="store_true",
                        help="only the raw ProPublica figures")
    args = parser.parse_args()
    if args.raw_worker:
        print(json.dumps(raw_worker(args.raw_worker)))
        return
    if args.worker:
        tool, n, support, predicates, alpha, depth = args.worker
        print(json.dumps(worker(tool, int(n), int(support), predicates, float(alpha),
                                int(depth))))
        return
    report_raw(args.timeout)
    if args.raw_only:
        return

    for alpha in args.alpha:
        for depth in args.depth:
            n = args.compare_rows
            support = max(30, n // 100)
            ours = measure("fairlens", n, support, alpha, depth, timeout=args.timeout)
            theirs = measure("sliceline", n, support, alpha, depth, timeout=args.timeout)
            print(f"{n:,} rows x 30 features, depth {depth}, alpha {alpha}, "
                  f"min support {support}")
            for r in (ours, theirs):
                cpu = r.get("cpu_seconds", float("nan"))
                print(f"  {r['tool']:<10} {r['seconds']:8.2f} s (CPU {cpu:.2f} s)   "
                      f"peak +{r['peak_mb']:7.0f} MB"
                      f"   top {r.get('top', r.get('error'))}  "
                      f"score {r.get('score', float('nan')):.6f}")
            if "error" not in theirs and "error" not in ours:
                print(f"  speed-up {theirs['seconds'] / ours['seconds']:.1f}x, memory ratio "
                      f"{ours['peak_mb'] / max(theirs['peak_mb'], 1e-9):.2f} "
                      f"(FairLens / sliceline), same top slice (same rows): "
                      f"{(ours['rows'], ours['row_sum']) == (theirs['rows'], theirs['row_sum'])}")
            n = args.large_rows
            support = max(30, n // 100)
            for predicates in ("bins", "both"):
                r = measure("fairlens", n, support, alpha, depth, predicates,
                            timeout=args.timeout)
                cpu = r.get("cpu_seconds", float("nan"))
                print(f"  {n:,} rows x 30 features, depth {depth}, FairLens ({predicates} "
                      f"predicates): {r['seconds']:.2f} s (CPU {cpu:.2f} s on "
                      f"{os.cpu_count()} cores), peak +{r['peak_mb']:.0f} MB, "
                      f"top {r.get('top', r.get('error'))}")


if __name__ == "__main__":
    main()

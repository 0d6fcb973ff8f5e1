"""Engines benchmark: numpy vs DuckDB vs Spark vs fairlearn, end to end from Parquet on disk.

Generated predictions with 1,000 intersectional groups (40 regions x 25 segments) are written
to Parquet. Each run is a fresh subprocess (so its peak RSS is its own, read with ``wait4``):

* 10M rows, read + audit + 1,000 bootstrap replicates: pandas read + numpy engine, DuckDB
  engine, Spark local engine, and pandas read + fairlearn ``MetricFrame`` (selection rate,
  TPR, FPR and per-group AUC; no bootstrap);
* 100M rows from Parquet: DuckDB engine, and the numpy path beside it under a memory limit
  (``RLIMIT_AS``) so that it cannot take a shared machine down.

Usage::

    python bench/bench_engines.py                 # everything (heavy: ~2 GB of Parquet)
    python bench/bench_engines.py --rows 10000000 --skip-100m
    python bench/bench_engines.py --only-100m
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SPEC = {"label": "label", "score": ["score"], "sensitive": ["region", "segment"],
        "threshold": 0.5}
N_REGIONS, N_SEGMENTS = 40, 25
CHUNK = 5_000_000


def generate(path: Path, n_rows: int, seed: int = 0) -> Path:
    """Write ``n_rows`` generated predictions to ``path`` (dictionary-coded groups)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    regions = pa.array([f"region-{i:02d}" for i in range(N_REGIONS)])
    segments = pa.array([f"segment-{i:02d}" for i in range(N_SEGMENTS)])
    tmp = path.with_suffix(".tmp")
    writer = None
    for start in range(0, n_rows, CHUNK):
        n = min(CHUNK, n_rows - start)
        r = rng.integers(0, N_REGIONS, n, dtype=np.int8)
        s = rng.integers(0, N_SEGMENTS, n, dtype=np.int8)
        base = 0.2 + 0.4 * (r / N_REGIONS) * (s % 3 == 0)
        y = (rng.random(n) < base).astype(np.int8)
        score = np.clip(rng.normal(0.3 + 0.3 * y, 0.2), 0, 1).round(3)
        table = pa.table({
            "region": pa.DictionaryArray.from_arrays(pa.array(r), regions),
            "segment": pa.DictionaryArray.from_arrays(pa.array(s), segments),
            "label": pa.array(y), "score": pa.array(score)})
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
    writer.close()
    tmp.rename(path)
    return path


def _run_one(engine: str, path: str, bootstrap: int) -> dict:
    """The measured step, inside the subprocess (imports and a Spark session's start are not
    counted: ``run_s`` starts after them)."""
    import pandas as pd

    if engine == "fairlearn":
        from fairlearn.metrics import (
            MetricFrame,
            false_positive_rate,
            selection_rate,
            true_positive_rate,
        )
        from sklearn.metrics import roc_auc_score

        t0 = time.perf_counter()
        frame = pd.read_parquet(path)
        read = time.perf_counter() - t0
        y_pred = (frame["score"] >= 0.5).astype(int)
        frames = MetricFrame(
            metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                     "fpr": false_positive_rate},
            y_true=frame["label"], y_pred=y_pred,
            sensitive_features=frame[["region", "segment"]])
        auc = MetricFrame(metrics=roc_auc_score, y_true=frame["label"], y_pred=frame["score"],
                          sensitive_features=frame[["region", "segment"]])
        return {"read_s": read, "groups": len(frames.by_group), "auc_groups": len(auc.by_group),
                "run_s": time.perf_counter() - t0}
    from fairlens.auditing import AuditOptions, audit_spec
    from fairlens.data import AuditSpec

    spec = AuditSpec(**SPEC)
    options = AuditOptions(bootstrap=bootstrap, engine=engine)
    import fairlens.engine._duckdb  # noqa: F401  (imports are not the engine's work)

    t0 = time.perf_counter()
    if engine == "numpy":
        source = pd.read_parquet(path)
    elif engine == "spark":
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[*]").config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", "6g")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        t0 = time.perf_counter()  # the session start is not the engine's work
        source = spark.read.parquet(path)
    else:
        source = path
    read = time.perf_counter() - t0
    result = audit_spec(source, spec, options=options)
    doc = result.to_dict()
    return {"read_s": read, "groups": int(result.statistics.fine_counts.size),
            "doc": doc, "run_s": time.perf_counter() - t0}


def max_difference(a, b) -> float:
    """Largest relative difference between the numbers of two audit documents (inf when their
    structure or any non-number differs)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return float("inf")
        return max([max_difference(a[k], b[k]) for k in a], default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return float("inf")
        return max([max_difference(x, y) for x, y in zip(a, b, strict=True)], default=0.0)
    if isinstance(a, float) and isinstance(b, float | int):
        if a != a and b != b:
            return 0.0
        return abs(a - b) / max(1.0, abs(a))
    return 0.0 if a == b else float("inf")


def measure(engine: str, path: Path, bootstrap: int, *, memory_gb: float | None = None,
            timeout: float = 1800) -> dict:
    """Run one engine in a subprocess: wall, CPU and peak RSS (of that process tree's largest
    process), or how it failed."""
    cmd = [sys.executable, __file__, "--child", engine, "--file", str(path),
           "--bootstrap", str(bootstrap)]
    if memory_gb:
        cmd += ["--memory-gb", str(memory_gb)]
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False)
    cmd += ["--out", out.name]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"engine": engine, "status": f"stopped after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    row = {"engine": engine, "wall_s": wall, "status": "ok" if proc.returncode == 0 else
           f"failed (exit {proc.returncode}): {(err or '').strip().splitlines()[-1:]}"}
    row["rss_children_gb"] = usage.ru_maxrss / 1024 ** 2
    try:
        row.update(json.loads(Path(out.name).read_text() or "{}"))
    except json.JSONDecodeError:
        pass
    doc = row.pop("doc", None)
    if doc is not None:
        row["doc"] = json.loads(json.dumps(doc, default=str))
    os.unlink(out.name)
    return row


def child(args: argparse.Namespace) -> None:
    """The subprocess: optional memory limit, the measured run, its own CPU and peak RSS."""
    if args.memory_gb:
        limit = int(args.memory_gb * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu0 = time.process_time()
    try:
        result = _run_one(args.child, args.file, args.bootstrap)
    except MemoryError:
        result = {"status_detail": "MemoryError"}
        Path(args.out).write_text(json.dumps(result))
        raise
    result["cpu_s"] = time.process_time() - cpu0
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_s"] += kids.ru_utime + kids.ru_stime
    result["peak_rss_gb"] = max(me.ru_maxrss, kids.ru_maxrss) / 1024 ** 2
    Path(args.out).write_text(json.dumps(result, default=str))


def _print(title: str, rows: list[dict], base: str) -> None:
    print(f"\n{title}")
    ref = next((r for r in rows if r["engine"] == base and r.get("run_s")), None)
    docs = [r.get("doc") for r in rows if r.get("doc") is not None]
    print(f"{'engine':<12}{'wall s':>9}{'run s':>9}{'read s':>9}{'CPU s':>9}{'peak GB':>9}"
          f"{'x ' + base:>11}  groups  {'max rel diff':>12}  status")
    for r in rows:
        run = r.get("run_s")
        ratio = f"{run / ref['run_s']:.2f}" if run and ref else "-"
        print(f"{r['engine']:<12}{r.get('wall_s', float('nan')):>9.1f}"
              f"{run if run else float('nan'):>9.1f}{r.get('read_s', float('nan')):>9.1f}"
              f"{r.get('cpu_s', float('nan')):>9.1f}{r.get('peak_rss_gb', float('nan')):>9.2f}"
              f"{ratio:>11}  {r.get('groups', '-'):>6}  "
              f"{_diff_text(docs, r.get('doc')):>12}  {r['status']}")


def _diff_text(docs: list, doc) -> str:
    """The largest difference of ``doc`` from the first engine's audit document."""
    if doc is None or not docs:
        return "-"
    return f"{max_difference(docs[0], doc):.1e}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", default=os.environ.get("FAIRLENS_BENCH_DIR",
                                                   os.path.join(tempfile.gettempdir(),
                                                                "fairlens-bench")))
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--big-rows", type=int, default=100_000_000)
    p.add_argument("--bootstrap", type=int, default=1000)
    p.add_argument("--engines", default="numpy,duckdb,spark,fairlearn")
    p.add_argument("--numpy-memory-gb", type=float, default=10.0,
                   help="address-space limit of the numpy run on the big file")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--skip-100m", action="store_true")
    p.add_argument("--only-100m", action="store_true")
    p.add_argument("--child")
    p.add_argument("--file")
    p.add_argument("--out")
    p.add_argument("--memory-gb", type=float)
    args = p.parse_args(argv)
    if args.child:
        child(args)
        return 0
    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs; Parquet files in {root}")
    if not args.only_100m:
        t = time.perf_counter()
        path = generate(root / f"preds_{args.rows}.parquet", args.rows)
        print(f"{args.rows:,} rows: {path.stat().st_size / 1e6:.0f} MB "
              f"(generated in {time.perf_counter() - t:.0f} s or earlier)")
        rows = [measure(e, path, args.bootstrap, timeout=args.timeout)
                for e in args.engines.split(",")]
        _print(f"{args.rows:,} rows x 1,000 groups, read + audit + {args.bootstrap} bootstrap "
               "replicates (fairlearn: rates and AUC, no bootstrap)", rows, "numpy")
    if not args.skip_100m:
        t = time.perf_counter()
        big = generate(root / f"preds_{args.big_rows}.parquet", args.big_rows)
        print(f"\n{args.big_rows:,} rows: {big.stat().st_size / 1e6:.0f} MB "
              f"(generated in {time.perf_counter() - t:.0f} s or earlier)")
        rows = [measure("duckdb", big, args.bootstrap, timeout=args.timeout),
                measure("numpy", big, args.bootstrap, memory_gb=args.numpy_memory_gb,
                        timeout=args.timeout)]
        _print(f"{args.big_rows:,} rows from Parquet, audit + {args.bootstrap} bootstrap "
               f"replicates (numpy under a {args.numpy_memory_gb:g} GB address-space limit)",
               rows, "duckdb")
    return 0


if __name__ == "__main__":
    sys.exit(main())

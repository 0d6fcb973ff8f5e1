"""The command line on files built to exhaust memory or time, and on the input contract
(issue 15, findings 2, 3 and 6): each is refused with exit code 2 and a message, or handled,
in under 30 s and 2 GB.

One subprocess runs every case through ``fairlens.cli.main`` (the console script's entry
point), timing each, and reports its peak resident memory (``resource.getrusage``): a limit
that held for every case together held for each.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.data import _bombs

SECONDS = 30
PEAK_MB = 2048

DRIVER = textwrap.dedent("""
    import contextlib, io, json, resource, sys, time
    from fairlens.cli import main

    out = {}
    for name, argv in json.loads(sys.argv[1]).items():
        err = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
        out[name] = {"code": code, "seconds": time.perf_counter() - start,
                     "stderr": err.getvalue()}
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
""")

ROLES = ["--label", "label", "--score", "score", "--sensitive", "race", "--quiet",
         "--bootstrap", "0"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("cli-budgets")
    many = _bombs.shared(tmp_path_factory, _bombs.many_values_csv)
    bomb = _bombs.shared(tmp_path_factory, _bombs.parquet_bomb)
    wide = _bombs.wide_csv(folder)
    dup = folder / "dup.csv"
    dup.write_text("label,score,race,race\n1,0.9,a,b\n0,0.2,b,a\n1,0.4,a,a\n0,0.6,b,b\n")
    nested = folder / "nested.parquet"
    pq.write_table(pa.table({"label": [1, 0, 1, 0], "score": [0.9, 0.2, 0.4, 0.6],
                             "race": ["a", "b", "a", "b"],
                             "tags": pa.array([[1], [2], [], [3]])}), nested)
    utf16 = folder / "utf16.csv"
    utf16.write_bytes("label,score,race\n1,0.9,Américain\n0,0.2,b\n1,0.4,Américain\n0,0.6,b\n"
                      .encode("utf-16"))
    json_out = folder / "utf16.json"
    cases = {
        "many_values": ["audit", str(many), *ROLES],
        "many_values_bucketed": ["audit", str(many), *ROLES, "--bucket-rare", "20"],
        "parquet_bomb": ["audit", str(bomb), *ROLES],
        "wide": ["audit", str(wide), *ROLES],
        "duplicate": ["audit", str(dup), *ROLES],
        "nested": ["audit", str(nested), *ROLES],
        "utf16": ["audit", str(utf16), *ROLES[:-3], "--bootstrap", "0", "--json",
                  str(json_out)],
    }
    proc = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(cases)],
                          capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["utf16_json"] = json.loads(json_out.read_text()) if json_out.exists() else None
    return result


def test_everything_ran_within_the_memory_budget(runs):
    assert runs["peak_mb"] < PEAK_MB, runs["peak_mb"]


@pytest.mark.parametrize("case, fragments", [
    ("many_values", ["'race' has 100,000 distinct values", "--bucket-rare N"]),
    ("parquet_bomb", ["40,000,000 rows", "--engine duckdb"]),
    ("wide", ["20,000 columns", "FAIRLENS_MAX_COLUMNS"]),
    ("duplicate", ["duplicate column names: 'race' (columns 3, 4)"]),
    ("nested", ["'tags'", "nested"]),
])
def test_refused_with_a_message(runs, case, fragments):
    run = runs[case]
    assert run["code"] == 2, run
    assert run["seconds"] < SECONDS, run
    assert run["stderr"].startswith("fairlens: error: ") and "Traceback" not in run["stderr"]
    for fragment in fragments:
        assert fragment in run["stderr"], run["stderr"]


def test_bucketing_rare_values_audits_the_high_cardinality_column(runs):
    run = runs["many_values_bucketed"]
    assert run["code"] == 0, run["stderr"]
    assert run["seconds"] < SECONDS, run


def test_utf16_file_is_audited(runs):
    run = runs["utf16"]
    assert run["code"] == 0, run["stderr"]
    groups = {g["attributes"]["race"]: g["n"] for g in runs["utf16_json"]["groups"]
              if g["grouping"] == "race"}
    assert groups == {"Américain": 2, "b": 2}

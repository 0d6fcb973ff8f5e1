"""Validation messages and input forms of the DuckDB and Spark engines.

Every bad input gives the numpy path's message word for word; files, globs, DuckDB databases
and Spark reads are audited without pandas reading the rows.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from fairlens import audit
from fairlens.auditing import AuditOptions, audit_spec
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.datasets import load_sample
from fairlens.engine._source import AUTO_DUCKDB_BYTES, resolve_engine
from tests.engine._engines import binary_frame, differences, multiclass_frame

FAST = AuditOptions(bootstrap=0)
SPEC = AuditSpec(label="outcome", score=["score"], sensitive=["race"])


def _bad_inputs():
    base = binary_frame(400, seed=3)
    three = base.assign(outcome=np.where(np.arange(400) % 3 == 0, "maybe", base.outcome))
    out_of_range = base.assign(score=base.score + 0.01)
    nan_score = base.assign(score=base.score.where(np.arange(400) != 17))
    text_score = base.assign(score=base.score.astype(str).where(np.arange(400) != 5, "high"))
    neg_w = base.assign(w=base.w.where(np.arange(400) != 9, -1.0))
    multi = multiclass_frame(300).assign(label=lambda f: f.label.where(f.index != 4, "z"))
    return {
        "missing column": (base, AuditSpec(label="outcome", score=["nope"], sensitive=["race"])),
        "3-valued label": (three, SPEC),
        "out of range": (out_of_range, SPEC),
        "missing score": (nan_score, SPEC),
        "non-numeric score": (text_score, SPEC),
        "negative weight": (neg_w, AuditSpec(label="outcome", score=["score"],
                                             sensitive=["race"], weight="w")),
        "unknown class": (multi, AuditSpec(label="label", proba_prefix="p_",
                                           sensitive=["group"])),
        "all missing": (base.assign(race=None), SPEC),
    }


BAD = _bad_inputs()
SPARK_BAD = ["missing column", "3-valued label", "out of range", "missing score"]


def _message(frame, spec, engine):
    with pytest.raises(FairLensInputError) as info:
        audit_spec(frame, spec, options=FAST, engine=engine)
    return str(info.value)


@pytest.mark.parametrize("name", list(BAD))
def test_duckdb_messages_equal_numpy(name):
    frame, spec = BAD[name]
    assert _message(frame, spec, "duckdb") == _message(frame, spec, "numpy")


def test_spark_messages_equal_numpy(spark):
    for name in SPARK_BAD:
        frame, spec = BAD[name]
        expected = _message(frame, spec, "numpy")
        assert _message(spark.createDataFrame(frame), spec, "spark") == expected, name


def test_tolerance_clip_and_missing_group_warnings_agree(quiet_numpy):
    """Scores 5e-5 above 1 are clipped with a warning; empty cells form "(missing)"."""
    frame = binary_frame(600, seed=4)
    frame.loc[:9, "score"] = 1.00005
    ref = audit_spec(frame, SPEC, options=FAST)
    other = audit_spec(frame, SPEC, options=FAST, engine="duckdb")
    assert any("clipped to [0, 1]" in w for w in ref.warnings)
    assert any("(missing)" in w for w in ref.warnings)
    assert ("(missing)",) in ref.statistics.groupings[0].labels
    assert differences(ref.to_dict(), other.to_dict()) == []


def test_spark_clip_and_missing_group(spark, quiet_numpy):
    frame = binary_frame(600, seed=4)
    frame.loc[:9, "score"] = 1.00005
    ref = audit_spec(frame, SPEC, options=FAST).to_dict()
    other = audit_spec(spark.createDataFrame(frame), SPEC, options=FAST).to_dict()
    assert differences(ref, other) == []


@pytest.fixture(scope="module")
def compas_files(tmp_path_factory):
    """The COMPAS sample as one Parquet file, two Parquet parts, a CSV and a DuckDB table."""
    frame, spec = load_sample("compas")
    root = tmp_path_factory.mktemp("compas")
    frame.to_parquet(root / "compas.parquet")
    frame.iloc[:4000].to_parquet(root / "part-1.parquet")
    frame.iloc[4000:].to_parquet(root / "part-2.parquet")
    frame.to_csv(root / "compas.csv", index=False)
    con = duckdb.connect(str(root / "preds.duckdb"))
    con.execute("CREATE TABLE preds AS SELECT * FROM read_parquet(?)",
                [str(root / "compas.parquet")])
    con.close()
    return frame, spec, root


def test_duckdb_reads_files_globs_and_databases(compas_files, quiet_numpy):
    frame, spec, root = compas_files
    options = AuditOptions(bootstrap=100, seed=3)
    ref = audit_spec(frame, spec, options=options).to_dict()
    sources = [root / "compas.parquet", str(root / "part-*.parquet"), str(root / "compas.csv"),
               f"duckdb:{root / 'preds.duckdb'}?table=preds",
               f"duckdb://{root / 'preds.duckdb'}?query=SELECT * FROM preds WHERE age > 0"]
    for source in sources:
        doc = audit_spec(source, spec, options=options, engine="duckdb").to_dict()
        assert differences(ref, doc) == [], source
    assert resolve_engine(str(root / "part-*.parquet")) == "duckdb"
    assert resolve_engine(str(root / "compas.parquet")) == "numpy"  # small: pandas
    assert resolve_engine(f"duckdb:{root / 'preds.duckdb'}?table=preds") == "duckdb"
    assert resolve_engine(frame) == "numpy" and resolve_engine("s3a://b/p/") == "spark"
    assert AUTO_DUCKDB_BYTES == 200 * 1024 * 1024
    by_keywords = audit(str(root / "part-*.parquet"), label=spec.label, score=spec.score,
                        sensitive=spec.sensitive, score_kind="raw", threshold=spec.threshold,
                        favorable="negative", features=spec.features, time=spec.time,
                        bootstrap=100, seed=3)
    assert differences(ref, by_keywords.to_dict()) == []


def test_spark_reads_a_parquet_path(spark, compas_files, quiet_numpy):
    frame, spec, root = compas_files
    ref = audit_spec(frame, spec, options=FAST).to_dict()
    doc = audit_spec(str(root / "compas.parquet"), spec, options=FAST, engine="spark")
    assert differences(ref, doc.to_dict()) == []


def test_engine_choice_is_checked():
    with pytest.raises(FairLensInputError, match="engine"):
        AuditOptions(engine="polars")
    with pytest.raises(FairLensInputError, match="duckdb:"):
        audit_spec("duckdb:/nowhere.duckdb", SPEC, options=FAST)


def test_cli_engine_flag(compas_files, tmp_path, capsys):
    from fairlens.cli import main

    frame, spec, root = compas_files
    docs = []
    for engine in ("numpy", "duckdb"):
        out = tmp_path / f"{engine}.json"
        code = main(["audit", str(root / "compas.parquet"), "--label", spec.label, "--score",
                     "score", "--score-kind", "raw", "--threshold", "5", "--sensitive",
                     "race,sex", "--bootstrap", "60", "--engine", engine, "--json", str(out),
                     "--quiet"])
        assert code == 0
        docs.append(pd.read_json(out, typ="series").to_dict())
    assert differences(docs[0], docs[1]) == []


def test_duckdb_reads_the_raw_compas_file(compas_csv, quiet_numpy):
    """The ProPublica CSV read by DuckDB itself (its own type sniffing) audits exactly like
    pandas' read, a quantile-binned numeric attribute (priors_count) included."""
    from fairlens.data import read_table

    spec = AuditSpec(label="two_year_recid", score=["decile_score"], score_kind="raw",
                     threshold=5, sensitive=["race", "sex", "age_cat", "priors_count"],
                     favorable="negative")
    options = AuditOptions(bootstrap=100, seed=1)
    ref = audit_spec(read_table(compas_csv), spec, options=options)
    assert any("quantile bins" in w for w in ref.warnings)
    doc = audit_spec(str(compas_csv), spec, options=options, engine="duckdb").to_dict()
    assert differences(ref.to_dict(), doc) == []

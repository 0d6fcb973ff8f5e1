"""numpy, DuckDB and Spark build the same tables: the whole audit JSON agrees to 1e-12.

The DuckDB engine runs on every case; the Spark engine (one shared local session, see the
``spark`` fixture) on the samples and generated data of each task.
"""

from __future__ import annotations

import numpy as np
import pytest

from fairlens.auditing import AuditOptions, audit_spec
from fairlens.data import AuditSpec
from fairlens.datasets import load_sample
from fairlens.engine._sql import numpy_quantiles
from tests.engine._engines import binary_frame, differences, grid_frame, multiclass_frame

OPTIONS = AuditOptions(bootstrap=200, seed=7)


def _cases():
    compas, compas_spec = load_sample("compas")
    adult, adult_spec = load_sample("adult")
    seg, seg_spec = load_sample("segmentation")
    binary = binary_frame()
    multi = multiclass_frame()
    return {
        "compas": (compas, compas_spec),
        "adult": (adult, adult_spec),
        "segmentation": (seg.iloc[:4000], seg_spec),
        "segmentation-weighted": (
            seg.iloc[:3000].assign(w=np.linspace(0.5, 2, 3000)),
            AuditSpec(metric=seg_spec.metric, sensitive=seg_spec.sensitive, weight="w")),
        "binary-weighted": (binary, AuditSpec(label="outcome", score=["score", "score_b"],
                                              sensitive=["race", "age", "region"],
                                              weight="w", threshold=0.4)),
        "binary-pred": (binary.assign(pred=np.where(binary.score >= 0.5, "yes", "no")),
                        AuditSpec(label="outcome", pred=["pred"], sensitive=["race"])),
        "multiclass": (multi, AuditSpec(label="label", proba_prefix="p_",
                                        sensitive=["group", "sex"], weight="w")),
    }


CASES = _cases()
SPARK_CASES = ["compas", "adult", "segmentation", "binary-weighted", "multiclass"]


@pytest.fixture(scope="module")
def numpy_docs():
    """The numpy engine's audit of every case."""
    return {name: audit_spec(frame, spec, options=OPTIONS).to_dict()
            for name, (frame, spec) in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_duckdb_audit_equals_numpy(name, numpy_docs, quiet_numpy):
    frame, spec = CASES[name]
    doc = audit_spec(frame, spec, options=OPTIONS, engine="duckdb").to_dict()
    assert differences(numpy_docs[name], doc) == []


def test_spark_audits_equal_numpy(spark, numpy_docs, quiet_numpy):
    for name in SPARK_CASES:
        frame, spec = CASES[name]
        doc = audit_spec(spark.createDataFrame(frame), spec, options=OPTIONS).to_dict()
        assert differences(numpy_docs[name], doc) == [], name


def test_grid_bins_and_exact_aucs_agree(quiet_numpy):
    """~1,000 groups x 21,000 distinct scores: grid tables, AUC exact from the rows."""
    frame = grid_frame()
    spec = AuditSpec(label="y", score=["score"], sensitive=["a", "b"], threshold=0.3)
    options = AuditOptions(bootstrap=0, min_group_size=10)
    ref = audit_spec(frame, spec, options=options)
    other = audit_spec(frame, spec, options=options, engine="duckdb")
    assert not ref.statistics.models["score"].score_table.exact
    assert ref.statistics.models["score"].exact_auc
    assert differences(ref.to_dict(), other.to_dict()) == []
    # Tables only from here: a threshold on the grid gives the same audit on both engines.
    assert differences(ref.at_threshold(0.45).to_dict(), other.at_threshold(0.45).to_dict()) == []
    raw = AuditSpec(label="y", score=["raw"], sensitive=["a"], score_kind="raw", threshold=1.0)
    assert differences(audit_spec(frame, raw, options=options).to_dict(),
                       audit_spec(frame, raw, options=options, engine="duckdb").to_dict()) == []


def test_at_threshold_and_weights_agree(quiet_numpy):
    frame, spec = CASES["binary-weighted"]
    options = AuditOptions(bootstrap=0)
    ref = audit_spec(frame, spec, options=options)
    other = audit_spec(frame, spec, options=options, engine="duckdb")
    for t in (0.2, 0.5, 0.731):
        assert differences(ref.at_threshold(t).to_dict(), other.at_threshold(t).to_dict()) == []
    table = other.statistics.models["score"].score_table
    assert table.exact and table.w is not table.n
    np.testing.assert_allclose(table.w.sum(), frame.w.sum(), rtol=1e-12)


def test_quantile_edges_are_numpys():
    rng = np.random.default_rng(5)
    for n in (1, 2, 5, 13, 101, 1000):
        x = rng.integers(0, 40, n).astype(float) + rng.choice([0, 0.25], n)
        values, counts = np.unique(x, return_counts=True)
        qs = [0, 0.25, 0.5, 0.75, 1.0]
        assert numpy_quantiles(values, counts, qs).tolist() == np.nanquantile(x, qs).tolist()

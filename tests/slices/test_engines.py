"""The slice search on DuckDB and Spark: the same top-10 slices, with the same numbers, as numpy.

The planted Adult data (a 45 % error rate among self-employed men, 15 % elsewhere) is written
to Parquet with its error column; DuckDB and Spark count the search's tables from the file,
numpy from the frame. Spark runs once (one shared local session, the ``spark`` fixture).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairlens.cli import main
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.datasets import make_planted
from fairlens.slices import find_slices_spec
from tests.conftest import require_shared
from tests.engine._engines import differences
from tests.slices.test_known_truth import ADULT_COLUMNS

FEATURES = ["age", "workclass", "education", "marital_status", "occupation", "hours_per_week",
            "sex"]
SPEC = AuditSpec(sensitive=["race", "sex"], features=FEATURES)


@pytest.fixture(scope="module")
def adult_planted(tmp_path_factory):
    """The Adult training file with a planted error column, as a frame and as Parquet."""
    frame = pd.read_csv(require_shared("adult", "adult.data"), names=ADULT_COLUMNS,
                        skipinitialspace=True)
    truth = ((frame["workclass"] == "Self-emp-not-inc") & (frame["sex"] == "Male")).to_numpy()
    rng = np.random.default_rng(5)
    frame["planted_error"] = (rng.random(len(frame)) < np.where(truth, 0.45, 0.15)).astype(int)
    path = tmp_path_factory.mktemp("slices") / "adult_planted.parquet"
    frame.to_parquet(path)
    return frame, path


@pytest.fixture(scope="module")
def numpy_doc(adult_planted):
    frame, _ = adult_planted
    return find_slices_spec(frame, SPEC, errors="planted_error").to_dict()


def _top(doc):
    return [[(c["feature"], c["op"], c["value"]) for c in s["conditions"]]
            for s in doc["slices"]]


def test_numpy_finds_the_planted_slice(numpy_doc):
    assert len(numpy_doc["slices"]) >= 4
    assert _top(numpy_doc)[0] == [("workclass", "==", "Self-emp-not-inc"), ("sex", "==", "Male")]
    assert numpy_doc["slices"][0]["significant"]


def test_duckdb_gives_numpys_top_ten(adult_planted, numpy_doc):
    frame, path = adult_planted
    doc = find_slices_spec(str(path), SPEC, errors="planted_error", engine="duckdb").to_dict()
    assert _top(doc) == _top(numpy_doc)
    assert differences(numpy_doc, doc) == []
    # the search's own top ten, before collapsing
    raw = find_slices_spec(frame, SPEC, errors="planted_error", collapse=False).to_dict()
    doc = find_slices_spec(str(path), SPEC, errors="planted_error", engine="duckdb",
                           collapse=False).to_dict()
    assert len(raw["slices"]) == 10
    assert _top(doc) == _top(raw)
    assert differences(raw, doc) == []


def test_spark_gives_numpys_top_ten(spark, adult_planted):
    # four features keep the Spark jobs few (every level is one job on the shared session)
    frame, path = adult_planted
    spec = AuditSpec(sensitive=["race", "sex"], features=["age", "workclass", "hours_per_week",
                                                          "sex"])
    expected = find_slices_spec(frame, spec, errors="planted_error", collapse=False).to_dict()
    doc = find_slices_spec(spark.read.parquet(str(path)), spec, errors="planted_error",
                           engine="spark", collapse=False).to_dict()
    assert len(expected["slices"]) == 10
    assert _top(doc) == _top(expected)
    assert {("workclass", "==", "Self-emp-not-inc"), ("sex", "==", "Male")} <= set(_top(doc)[0])
    assert differences(expected, doc) == []


@pytest.fixture(scope="module")
def planted_file(tmp_path_factory):
    """Generated predictions with missing numbers and categories, as a frame and as Parquet."""
    frame = make_planted(n=6_000, seed=3).frame.copy()
    frame.loc[::97, "income"] = np.nan
    frame.loc[::89, "region"] = None
    path = tmp_path_factory.mktemp("slices") / "planted.parquet"
    frame.to_parquet(path)
    return frame, path


@pytest.mark.parametrize("options", [
    {"error": "misclassification"},
    {"error": "false_negative", "numeric_predicates": "bins", "n_bins": 7},
])
def test_duckdb_error_kinds_and_missing_values(planted_file, options):
    frame, path = planted_file
    spec = AuditSpec(label="label", score=["score"], sensitive=["group", "sex"],
                     features=["age", "income", "debt_ratio", "region", "education"])
    expected = find_slices_spec(frame, spec, **options).to_dict()
    doc = find_slices_spec(str(path), spec, engine="duckdb", **options).to_dict()
    assert expected["slices"]
    assert differences(expected, doc) == []


def test_engine_refuses_what_needs_the_rows(planted_file):
    _, path = planted_file
    spec = AuditSpec(label="label", pred=["pred"], features=["age", "region"])
    with pytest.raises(FairLensInputError, match="significance='split'"):
        find_slices_spec(str(path), spec, engine="duckdb", significance="split")
    with pytest.raises(FairLensInputError, match="name of a column"):
        find_slices_spec(str(path), spec, engine="duckdb", errors=np.zeros(6_000))
    with pytest.raises(FairLensInputError, match="'nope' is not in the data"):
        find_slices_spec(str(path), spec, engine="duckdb", errors="nope")


def test_cli_engine_duckdb_writes_numpys_json(adult_planted, tmp_path):
    _, path = adult_planted
    docs = []
    for engine in ("numpy", "duckdb"):
        out = tmp_path / f"{engine}.json"
        rc = main(["slices", str(path), "--features", "age,workclass,education,sex",
                   "--sensitive", "race,sex", "--errors-column", "planted_error",
                   "--engine", engine, "--json", str(out), "--quiet"])
        assert rc == 0
        docs.append(json.loads(out.read_text()))
    assert docs[0]["slices"] and docs[0] == docs[1]

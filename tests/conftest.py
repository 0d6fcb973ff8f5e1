"""Shared fixtures: the real datasets in ../shared/data (skip, or fail under CI)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def require_shared(*parts: str) -> Path:
    """Path inside ../shared/data; skips when absent, fails when FAIRLENS_REQUIRE_SHARED=1."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"{path} is not available (the real datasets live in ../shared/data)"
        if os.environ.get("FAIRLENS_REQUIRE_SHARED") == "1":
            pytest.fail(message + " and FAIRLENS_REQUIRE_SHARED=1 requires it")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def compas_csv() -> Path:
    """The ProPublica COMPAS file."""
    return require_shared("compas", "compas-scores-two-years.csv")


@pytest.fixture(scope="session")
def adult_dir() -> Path:
    """The UCI Adult folder."""
    return require_shared("adult")


@pytest.fixture
def quiet_numpy():
    """Silence numpy's RuntimeWarnings (0/0 inside the metric code, reported as null)."""
    # Empty groups give 0/0 and inf/inf inside the metric code (reported as null); the
    # RuntimeWarnings they raise are not what the tests that use this fixture are about.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (``local[2]``, two shuffle partitions, no UI) for the whole run.

    Skips when pyspark or Java is missing, unless FAIRLENS_REQUIRE_SHARED=1 (CI installs both).
    """
    import shutil

    try:
        from pyspark.sql import SparkSession
    except ImportError:
        SparkSession = None
    if SparkSession is None or shutil.which("java") is None:
        message = "the Spark engine tests need pyspark and Java 17"
        if os.environ.get("FAIRLENS_REQUIRE_SHARED") == "1":
            pytest.fail(message + " and FAIRLENS_REQUIRE_SHARED=1 requires them")
        pytest.skip(message)
    session = (SparkSession.builder.master("local[2]").appName("fairlens-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", "1g")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

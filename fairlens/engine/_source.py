"""Which engine reads a source, and the :class:`TableSource` of a source and a spec."""

from __future__ import annotations

import glob
import os
from typing import Any

import pandas as pd

from fairlens.data._errors import FairLensInputError
from fairlens.engine._duckdb import DUCKDB_URL
from fairlens.engine._protocol import ENGINES
from fairlens.engine._spark import is_spark_frame

#: ``engine="auto"`` reads a local file with DuckDB instead of pandas above this size (in
#: bytes, all files of a glob together): pandas would hold the whole table in memory, about
#: five times the size of a Parquet file.
AUTO_DUCKDB_BYTES = 200 * 1024 * 1024
_REMOTE = ("s3://", "s3a://", "s3n://", "gs://", "abfs://", "abfss://", "hdfs://", "dbfs:/",
           "wasbs://")


def _files(path: str) -> list[str]:
    if os.path.isdir(path):
        return [os.path.join(root, f) for root, _, names in os.walk(path) for f in names]
    return [p for p in glob.glob(path) if os.path.isfile(p)]


def resolve_engine(source: Any, engine: str = "auto") -> str:
    """The engine that reads ``source``: ``"numpy"``, ``"duckdb"`` or ``"spark"``.

    ``"auto"``: numpy for a frame in memory, Spark for a Spark DataFrame or a remote lake
    path (``s3a://``, ``abfss://``, ``dbfs:/`` ...), DuckDB for a ``duckdb:`` URL and for local
    files above :data:`AUTO_DUCKDB_BYTES`, numpy (a pandas read) for smaller files.
    """
    if engine not in ENGINES:
        raise FairLensInputError(
            f"Unknown engine {engine!r}; use one of {', '.join(ENGINES)}.")
    if engine != "auto":
        return engine
    if isinstance(source, pd.DataFrame):
        return "numpy"
    if is_spark_frame(source):
        return "spark"
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if path.startswith(DUCKDB_URL):
            return "duckdb"
        if path.startswith(_REMOTE):
            return "spark"
        files = _files(path)
        if len(files) > 1 or (files and files[0] != path) or \
                sum(os.path.getsize(f) for f in files) > AUTO_DUCKDB_BYTES:
            return "duckdb"
    return "numpy"


def open_tables(source: Any, spec: Any, engine: str) -> Any:
    """The :class:`fairlens.engine.TableSource` of ``source`` on a SQL engine.

    Parameters
    ----------
    source : DataFrame, Spark DataFrame, str or PathLike
    spec : AuditSpec
    engine : {"duckdb", "spark"}
    """
    from fairlens.engine._sql import SqlTables

    if engine == "duckdb":
        if is_spark_frame(source):
            raise FairLensInputError("A Spark DataFrame is audited with engine='spark'.")
        try:
            from fairlens.engine._duckdb import DuckDBBackend
        except ImportError as exc:  # pragma: no cover - duckdb is a dependency
            raise FairLensInputError("The DuckDB engine needs the duckdb package "
                                     "(pip install duckdb).") from exc
        backend = DuckDBBackend(source)
    elif engine == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError as exc:
            raise FairLensInputError("The Spark engine needs pyspark (pip install pyspark) "
                                     "and Java 17.") from exc
        from fairlens.engine._spark import SparkBackend

        backend = SparkBackend(source)
    else:
        raise FairLensInputError(f"Engine {engine!r} does not build tables with SQL.")
    try:
        return SqlTables(backend, spec)
    except Exception:
        backend.close()
        raise


def head_frame(source: Any, engine: str, rows: int = 10_000) -> pd.DataFrame:
    """The first ``rows`` rows of a source as a frame (to guess its column roles)."""
    if engine == "duckdb":
        from fairlens.engine._duckdb import DuckDBBackend

        backend = DuckDBBackend(source)
        try:
            return backend.con.execute(f"SELECT * FROM fl_src LIMIT {int(rows)}").df()
        finally:
            backend.close()
    if engine == "spark":
        from fairlens.engine._spark import read

        return read(source).limit(int(rows)).toPandas()
    raise FairLensInputError(f"Engine {engine!r} reads no file heads.")

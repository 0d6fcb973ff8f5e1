"""The Spark engine: Spark SQL on a Spark DataFrame, a table, or files Spark can read.

Spark builds the count tables where the data lives (a local session, a cluster, Databricks, or
Spark Connect when ``SPARK_REMOTE=sc://host:15002`` is set); only the aggregated cells come
back to the driver.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import numpy as np
import pandas as pd

from fairlens.data._errors import FairLensInputError
from fairlens.engine._sql import Column

_COUNTER = itertools.count()
_INT = ("ByteType", "ShortType", "IntegerType", "LongType")
_FLOAT = ("FloatType", "DoubleType", "DecimalType")


def is_spark_frame(obj: Any) -> bool:
    """True for a classic or a Spark Connect ``DataFrame`` (without importing pyspark)."""
    module = type(obj).__module__
    return module.startswith("pyspark.sql") and hasattr(obj, "createOrReplaceTempView")


def _kind(data_type: Any) -> str:
    name = type(data_type).__name__
    if name == "BooleanType":
        return "bool"
    if name in _INT:
        return "int"
    if name in _FLOAT:
        return "float"
    if name in ("StringType", "VarcharType", "CharType"):
        return "string"
    return "other"


def session() -> Any:
    """The active Spark session, or a new one (Spark Connect when ``SPARK_REMOTE`` is set)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("fairlens")
    if not os.environ.get("SPARK_REMOTE") and not os.environ.get("MASTER"):
        builder = builder.master("local[*]").config("spark.ui.enabled", "false")
    return builder.getOrCreate()


def read(source: Any, spark: Any | None = None) -> Any:
    """A Spark DataFrame of ``source``: a Spark or pandas frame, a path/glob, or a table name."""
    if is_spark_frame(source):
        return source
    spark = spark or session()
    if isinstance(source, pd.DataFrame):
        return spark.createDataFrame(source)
    path = os.fspath(source)
    lower = path.lower()
    try:
        if lower.endswith((".csv", ".tsv", ".txt", ".csv.gz")):
            sep = "\t" if ".tsv" in lower else ","
            return spark.read.options(header=True, inferSchema=True, sep=sep).csv(path)
        if "/" in path or lower.endswith((".parquet", ".pq")) or os.path.exists(path):
            return spark.read.parquet(path)
        return spark.table(path)
    except Exception as exc:  # AnalysisException and friends: say what could not be read
        raise FairLensInputError(f"Spark could not read {path!r}: {exc}") from exc


class SparkBackend:
    """:class:`fairlens.engine._sql.Backend` on a Spark DataFrame.

    Parameters
    ----------
    source : Spark DataFrame, DataFrame, str or PathLike
        See :func:`read`.
    """

    engine = "spark"
    varchar = "STRING"

    def __init__(self, source: Any) -> None:
        frame = read(source)
        self.spark = frame.sparkSession
        self.source = f"fl_src_{os.getpid()}_{next(_COUNTER)}"
        frame.createOrReplaceTempView(self.source)
        self.columns = [Column(f.name, _kind(f.dataType)) for f in frame.schema.fields]

    def rows(self, sql: str) -> list[tuple]:
        """See :class:`fairlens.engine._sql.Backend`."""
        return [tuple(r) for r in self.spark.sql(sql).collect()]

    def arrays(self, sql: str) -> dict[str, np.ndarray]:
        """See :class:`fairlens.engine._sql.Backend`."""
        table = self.spark.sql(sql).toArrow()
        return {name: table.column(name).to_numpy() for name in table.column_names}

    def quote(self, name: str) -> str:
        """See :class:`fairlens.engine._sql.Backend`."""
        return "`" + name.replace("`", "``") + "`"

    def string(self, value: str) -> str:
        """See :class:`fairlens.engine._sql.Backend`."""
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def row_number(self) -> str:
        """See :class:`fairlens.engine._sql.Backend`."""
        return "(row_number() OVER (ORDER BY monotonically_increasing_id()) - 1)"

    def close(self) -> None:
        """Drop the temporary view."""
        self.spark.catalog.dropTempView(self.source)

    def materialize(self, name: str, sql: str) -> int:
        """Keep the result of ``sql`` (cached on the executors) as the view ``name``; its
        number of rows."""
        frame = self.spark.sql(sql).cache()
        rows = int(frame.count())
        frame.createOrReplaceTempView(name)
        self._cached = getattr(self, "_cached", {})
        self._cached[name] = frame
        return rows

    def drop(self, name: str) -> None:
        """Drop a view of :meth:`materialize` and free its cache."""
        frame = getattr(self, "_cached", {}).pop(name, None)
        if frame is not None:
            frame.unpersist()
        self.spark.catalog.dropTempView(name)

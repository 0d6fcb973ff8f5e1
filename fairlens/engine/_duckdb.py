"""The DuckDB engine: embedded SQL on Parquet/CSV files, a DuckDB database or a frame.

DuckDB reads the files itself (no pandas, no copy of the rows in Python), streams them through
each ``GROUP BY`` with a bounded amount of memory and uses every core.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd

from fairlens.data._errors import FairLensInputError
from fairlens.engine._sql import Column

#: Memory DuckDB may use for its hash tables before it spills to disk.
MEMORY_LIMIT = "1GB"
DUCKDB_URL = "duckdb:"
_INT = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
        "UINTEGER", "UBIGINT", "UHUGEINT")
_FLOAT = ("FLOAT", "DOUBLE", "REAL")


def _kind(type_name: str) -> str:
    t = type_name.upper()
    if t == "BOOLEAN":
        return "bool"
    if t in _INT:
        return "int"
    if t in _FLOAT or t.startswith("DECIMAL"):
        return "float"
    if t == "VARCHAR" or t.startswith("ENUM"):
        return "string"
    return "other"


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def file_relation(path: str) -> str:
    """The DuckDB table function that reads a Parquet/CSV/TSV path or glob."""
    lower = path.lower()
    if lower.endswith((".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")):
        return f"read_csv({_string(path)}, header = true)"
    if lower.endswith((".parquet", ".pq", ".parq")) or os.path.isdir(path):
        target = os.path.join(path, "**", "*.parquet") if os.path.isdir(path) else path
        return f"read_parquet({_string(target)})"
    head = b""
    matches = glob.glob(path)
    if matches and os.path.isfile(matches[0]):
        with open(matches[0], "rb") as fh:
            head = fh.read(4)
    return f"read_parquet({_string(path)})" if head == b"PAR1" else \
        f"read_csv({_string(path)}, header = true)"


def parse_url(url: str) -> tuple[str, str]:
    """``duckdb:PATH?table=NAME`` or ``duckdb:PATH?query=SQL`` as (database path, relation).

    ``duckdb:///abs/path.duckdb?table=preds`` and ``duckdb:rel/path.duckdb?table=preds`` both
    work; ``query=`` takes any ``SELECT`` (URL-encoded where needed).
    """
    parsed = urlparse(url)
    path = (parsed.netloc + parsed.path) if parsed.netloc else parsed.path
    params = parse_qs(parsed.query)
    if not path:
        raise FairLensInputError(f"No database file in {url!r}; write duckdb:PATH?table=NAME.")
    if "table" in params:
        table = params["table"][0]
        relation = ".".join('"' + p.replace('"', '""') + '"' for p in table.split("."))
    elif "query" in params:
        relation = f"({params['query'][0]})"
    else:
        raise FairLensInputError(
            f"Say which table of {path!r} to audit: duckdb:{path}?table=NAME or "
            f"duckdb:{path}?query=SELECT ...")
    if not Path(path).exists():
        raise FairLensInputError(f"DuckDB database {path!r} not found.")
    return path, relation


class DuckDBBackend:
    """:class:`fairlens.engine._sql.Backend` on an in-process DuckDB connection.

    Parameters
    ----------
    source : DataFrame, str or PathLike
        A frame, a Parquet/CSV path or glob, or ``duckdb:PATH?table=NAME`` /
        ``duckdb:PATH?query=SQL``.
    """

    engine = "duckdb"
    varchar = "VARCHAR"
    source = "fl_src"

    def __init__(self, source: Any) -> None:
        import duckdb

        if isinstance(source, str) and source.startswith(DUCKDB_URL):
            path, relation = parse_url(source)
            self.con = duckdb.connect(path, read_only=True)
        else:
            self.con = duckdb.connect()
            if isinstance(source, pd.DataFrame):
                self.con.register("fl_frame", source)
                relation = "fl_frame"
            else:
                path = os.fspath(source)
                if not glob.glob(path) and not path.startswith(("s3://", "http")):
                    raise FairLensInputError(f"No file matches {path!r}.")
                relation = file_relation(path)
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        try:
            self.con.execute(f"CREATE TEMP VIEW fl_src AS SELECT * FROM {relation}")
            described = self.con.execute("DESCRIBE SELECT * FROM fl_src").fetchall()
        except duckdb.Error as exc:
            raise FairLensInputError(f"DuckDB could not read the data: {exc}") from exc
        self.columns = [Column(str(r[0]), _kind(str(r[1]))) for r in described]

    def rows(self, sql: str) -> list[tuple]:
        """See :class:`fairlens.engine._sql.Backend`."""
        return self.con.execute(sql).fetchall()

    def arrays(self, sql: str) -> dict[str, np.ndarray]:
        """See :class:`fairlens.engine._sql.Backend`."""
        return {k: np.asarray(v) for k, v in self.con.execute(sql).fetchnumpy().items()}

    def quote(self, name: str) -> str:
        """See :class:`fairlens.engine._sql.Backend`."""
        return '"' + name.replace('"', '""') + '"'

    def string(self, value: str) -> str:
        """See :class:`fairlens.engine._sql.Backend`."""
        return _string(value)

    def row_number(self) -> str:
        """See :class:`fairlens.engine._sql.Backend`."""
        return "(row_number() OVER () - 1)"

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def materialize(self, name: str, sql: str) -> int:
        """Keep the result of ``sql`` as the temporary table ``name``; its number of rows."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        return int(self.con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])

    def drop(self, name: str) -> None:
        """Drop a table of :meth:`materialize`."""
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

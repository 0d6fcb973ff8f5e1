"""The one interface between the rows and the metrics: :class:`TableSource`.

An engine reads the rows once per table and hands back the small count tables of
:mod:`fairlens.engine._tables`; everything after that (metrics, bootstrap, sweeps,
``at_threshold``, model comparison, the JSON) reads only the tables, so it never knows which
engine built them. Three engines implement the protocol:

* ``numpy`` -- validated in-memory arrays (:class:`fairlens.engine._numpy.NumpyTables`);
* ``duckdb`` -- embedded SQL on Parquet/CSV files, a DuckDB database or a frame;
* ``spark`` -- Spark SQL on a Spark DataFrame, a table or files Spark can read (a local
  session, a cluster or Spark Connect).

All three follow the same validation messages and the same binning rules, so their tables
are equal and the audits agree to rounding (1e-12).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import numpy as np

from fairlens.engine._groups import Grouping
from fairlens.engine._tables import CalibrationTable, ConfusionTable, ScoreTable, ValueTable

EngineName = Literal["auto", "numpy", "duckdb", "spark"]
ENGINES = ("auto", "numpy", "duckdb", "spark")


class TableSource(Protocol):
    """Validated data of one audit, able to build every count table the metrics read.

    Attributes
    ----------
    engine : str
        ``"numpy"``, ``"duckdb"`` or ``"spark"``.
    task : {"binary", "multiclass", "per_sample"}
    n_rows : int
    classes : list
        Binary: ``[negative, positive]`` label values; multiclass: class names.
    prediction_kind : {"score", "pred", "proba", "metric"}
    models : list of str
        Score or predicted-label columns (binary), metric columns (per-sample).
    weighted : bool
    warnings : list of str
        Validation warnings, in the order the numpy path gives them.
    groupings : list of Grouping
    n_fine : int
        Number of finest (intersection) groups that occur.
    fine_counts : numpy.ndarray
        Rows per finest group.
    """

    engine: str
    task: str
    n_rows: int
    classes: list[Any]
    prediction_kind: str
    models: list[str]
    weighted: bool
    warnings: list[str]
    groupings: list[Grouping]
    n_fine: int
    fine_counts: np.ndarray

    def score_table(self, model: str, *, probability: bool) -> ScoreTable:
        """Counts per (finest group, y, score bin) of a score column."""

    def exact_aucs(self, model: str) -> dict[str, np.ndarray] | None:
        """Exact AUC per group of every grouping (and ``"(overall)"``) when the score table is
        on a grid and there are at most ``EXACT_MAX_ROWS`` rows; ``None`` otherwise."""

    def confusion_table(self, model: str, threshold: float) -> ConfusionTable:
        """Counts per (finest group, y, y_hat) with ``y_hat = score >= threshold``."""

    def calibration_table(self, model: str) -> CalibrationTable:
        """Score sums per (finest group, y, calibration bin)."""

    def multiclass_tables(self) -> tuple[np.ndarray, np.ndarray, list[ScoreTable]]:
        """Multiclass confusion counts and weights ``(G, K, K)`` and one-vs-rest score tables."""

    def value_table(self, metric: str) -> ValueTable:
        """Counts and sums per (finest group, value bin) of a per-sample metric."""

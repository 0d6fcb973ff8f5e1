"""Sufficient-statistics engine: group codes and per-group count tables.

The tables come from one of three engines behind :class:`TableSource`: numpy (in memory),
DuckDB (files, databases, frames; larger than memory) and Spark (a cluster or Spark Connect).
"""

from fairlens.engine._groups import GroupIndex, Grouping, build_group_index
from fairlens.engine._protocol import ENGINES, EngineName, TableSource
from fairlens.engine._tables import CalibrationTable, ConfusionTable, ScoreTable, ValueTable

__all__ = [
    "ENGINES",
    "CalibrationTable",
    "ConfusionTable",
    "EngineName",
    "GroupIndex",
    "Grouping",
    "ScoreTable",
    "TableSource",
    "ValueTable",
    "build_group_index",
]

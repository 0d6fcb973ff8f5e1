"""Sufficient-statistics engine: group codes and per-group count tables (numpy backend)."""

from fairlens.engine._groups import GroupIndex, Grouping, build_group_index
from fairlens.engine._tables import CalibrationTable, ConfusionTable, ScoreTable, ValueTable

__all__ = [
    "CalibrationTable",
    "ConfusionTable",
    "GroupIndex",
    "Grouping",
    "ScoreTable",
    "ValueTable",
    "build_group_index",
]

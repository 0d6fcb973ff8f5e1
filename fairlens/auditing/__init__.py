"""Audit orchestration: statistics -> summaries -> :class:`Audit`."""

from fairlens.auditing._api import DEFAULT_MIN_GROUP_SIZE, audit, audit_spec
from fairlens.auditing._result import SCHEMA, Audit
from fairlens.auditing._statistics import Statistics, build_statistics
from fairlens.auditing._summary import GroupingResult, ModelResult, Options

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "SCHEMA",
    "Audit",
    "GroupingResult",
    "ModelResult",
    "Options",
    "Statistics",
    "audit",
    "audit_spec",
    "build_statistics",
]

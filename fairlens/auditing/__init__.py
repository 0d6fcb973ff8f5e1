"""Audit orchestration: statistics -> summaries -> :class:`Audit`."""

from fairlens.auditing._api import audit, audit_spec
from fairlens.auditing._options import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_MIN_GROUP_SIZE,
    AuditOptions,
    CIMethod,
)
from fairlens.auditing._result import SCHEMA, Audit
from fairlens.auditing._statistics import Statistics, build_statistics
from fairlens.auditing._summary import GroupingResult, ModelResult

__all__ = [
    "DEFAULT_BOOTSTRAP",
    "DEFAULT_MIN_GROUP_SIZE",
    "SCHEMA",
    "Audit",
    "AuditOptions",
    "CIMethod",
    "GroupingResult",
    "ModelResult",
    "Statistics",
    "audit",
    "audit_spec",
    "build_statistics",
]

"""FairLens: fairness and error analysis for model prediction files.

The library never imports streamlit; the app in ``app.py``/``pages/`` is a thin layer on top.
Every analysis is an :class:`Analysis` in :mod:`fairlens.registry`, configured by one
:class:`AuditOptions`.
"""

from fairlens import registry
from fairlens.auditing import Audit, AuditOptions, audit, audit_spec
from fairlens.data import AuditSpec, FairLensInputError, infer_spec, read_table
from fairlens.registry import Analysis, register

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Audit",
    "AuditOptions",
    "AuditSpec",
    "FairLensInputError",
    "__version__",
    "audit",
    "audit_spec",
    "infer_spec",
    "read_table",
    "register",
    "registry",
]

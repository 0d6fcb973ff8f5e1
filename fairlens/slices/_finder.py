"""The slice finder as a registered analysis (family ``"slices"`` of :mod:`fairlens.registry`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec
from fairlens.registry import Analysis, register
from fairlens.slices._api import find_slices_spec
from fairlens.slices._result import SliceResult


@register
class SliceLine(Analysis):
    """SliceLine's search with exact pruning, Benjamini-Hochberg tests and collapsing.

    Parameters
    ----------
    **search_options
        Keywords of :func:`find_slices_spec` (``max_depth``, ``top_k``, ``error``,
        ``errors`` ...), kept for :meth:`run`.
    """

    family = "slices"
    name = "sliceline"
    title = "SliceLine error slices"
    needs = ("label", "binary", "prediction", "features")

    def __init__(self, **search_options: Any) -> None:
        self.search_options = search_options

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> SliceResult:
        """:func:`find_slices_spec` with the audit's ``options`` and the search options."""
        return find_slices_spec(frame, spec, options=options, **self.search_options)

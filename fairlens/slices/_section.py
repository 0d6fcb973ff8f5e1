"""Slice search as a report section (registered in :mod:`fairlens.registry`)."""

from __future__ import annotations

import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.registry import register
from fairlens.slices._finder import SliceLine
from fairlens.slices._result import SliceResult

MSG_TASK = "Slice search needs binary predictions (a score or a predicted-label column)."
MSG_FEATURES = ("Slice search needs feature columns; map them (--features COL,COL) or leave out "
                "--slices.")


@register
class SliceSection(SliceLine):
    """Where the model errs most, in words, with significance."""

    family = "section"
    name = "slices"
    title = "Error slices"

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> SliceResult:
        """The slice finder on the spec's first model, with the audit's ``options``."""
        if spec.task != "binary":
            raise FairLensInputError(MSG_TASK)
        if not (self.search_options.get("features") or spec.features):
            raise FairLensInputError(MSG_FEATURES)
        return super().run(frame, spec, options=options)

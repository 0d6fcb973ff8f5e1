"""Slice search as a report section (registered in :mod:`fairlens.registry`)."""

from __future__ import annotations

import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.registry import Analysis, register
from fairlens.slices._api import SliceResult, find_slices

MSG_TASK = "Slice search needs binary predictions (a score or a predicted-label column)."
MSG_FEATURES = ("Slice search needs feature columns; map them (--features COL,COL) or leave out "
                "--slices.")


@register
class SliceSection(Analysis):
    """Where the model errs most, in words, with significance."""

    family = "section"
    name = "slices"
    title = "Error slices"
    needs = ("label", "binary", "prediction", "features")

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> SliceResult:
        """:func:`find_slices` on the spec's first model, seeded by ``options``."""
        if spec.task != "binary":
            raise FairLensInputError(MSG_TASK)
        if not spec.features:
            raise FairLensInputError(MSG_FEATURES)
        threshold = spec.threshold if options.threshold is None else options.threshold
        return find_slices(frame, features=list(spec.features), label=spec.label,
                           score=spec.score[0] if spec.score else None,
                           pred=spec.pred[0] if spec.pred and not spec.score else None,
                           threshold=float(threshold), sensitive=list(spec.sensitive),
                           seed=options.seed)

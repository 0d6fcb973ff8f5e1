"""What a mapping offers for finding label errors: feature candidates and probability sources."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from fairlens import registry
from fairlens.data import AuditSpec
from fairlens.data._features import leak_warnings


def feature_candidates(columns: list[str], spec: AuditSpec) -> list[str]:
    """The columns a cross-validated model may learn the label from.

    Every column except the label, the predictions (scores, predicted labels, class
    probabilities, per-sample metrics), the weight and the sensitive attributes.
    """
    roles = {spec.label, *spec.score, *spec.pred, *spec.metric, spec.weight, *spec.sensitive}
    if spec.proba_prefix:
        roles.update(c for c in columns if str(c).startswith(spec.proba_prefix))
    return [c for c in columns if c not in roles]


def available_sources(spec: AuditSpec, features: list[str] | None = None) -> list[str]:
    """The probability sources the registered detectors can read for ``spec``, in the
    registry's order (``"proba"``, ``"score"``, ``"features"``).

    ``features`` replaces ``spec.features`` (e.g. the :func:`feature_candidates` of a file).
    """
    if features is not None:
        spec = replace(spec, features=list(features))
    found = [getattr(cls, "source", None) for cls in registry.available("labels", spec)]
    return list(dict.fromkeys(s for s in found if s))


def feature_leak_warnings(frame: pd.DataFrame, spec: AuditSpec, features: list[str]
                          ) -> list[str]:
    """The column screening's warning for every feature of a cross-validated model that it
    would leave out (identifier, label leak, score copy); see
    :func:`fairlens.data.feature_warnings`."""
    return leak_warnings(frame, spec, list(features))

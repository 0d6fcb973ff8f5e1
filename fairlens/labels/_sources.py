"""What a mapping offers for finding label errors: feature candidates and probability sources."""

from __future__ import annotations

from dataclasses import replace

from fairlens import registry
from fairlens.data import AuditSpec


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

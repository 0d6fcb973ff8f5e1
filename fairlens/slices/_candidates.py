"""Which columns a slice can be described by (the Slices page offers these)."""

from __future__ import annotations

import pandas as pd

from fairlens.data import AuditSpec


def is_identifier(frame: pd.DataFrame, column: str) -> bool:
    """A row identifier: named ``id`` / ``*_id``, or a different value on every row."""
    name = str(column).lower()
    return name == "id" or name.endswith("_id") or \
        frame[column].nunique(dropna=False) >= len(frame)


def candidate_features(frame: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """The columns of ``frame`` that slices can be described by.

    Every column except those the mapping gives a role (label, predictions, sensitive
    attributes, weight, class probabilities) and row identifiers, which describe no slice.
    """
    roles = set(spec.columns(frame.columns))
    return [c for c in frame.columns if c not in roles and not is_identifier(frame, c)]

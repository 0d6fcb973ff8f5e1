"""Which columns a slice can be described by (the Slices page offers these)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairlens.data import AuditSpec


def is_identifier(frame: pd.DataFrame, column: str) -> bool:
    """A row identifier: named ``id`` / ``*_id``; or a different value on every row, unless
    it is a measurement (numbers other than a row number can be cut into ranges: an income
    with cents is distinct on every row and still describes slices)."""
    name = str(column).lower()
    if name == "id" or name.endswith("_id"):
        return True
    series = frame[column]
    if series.nunique(dropna=False) < len(frame):
        return False
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.dropna().to_numpy(dtype=float)
        whole = bool(np.all(values == np.round(values)))
        return whole and len(values) > 0 and values.max() - values.min() + 1 == len(values)
    return True


def candidate_features(frame: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """The columns of ``frame`` that slices can be described by.

    Every column except those the mapping gives a role (label, predictions, sensitive
    attributes, weight, class probabilities) and row identifiers, which describe no slice.
    """
    roles = set(spec.columns(frame.columns))
    return [c for c in frame.columns if c not in roles and not is_identifier(frame, c)]

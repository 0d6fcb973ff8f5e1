"""Disparities between groups (fairlearn's definitions) and against a reference group."""

from __future__ import annotations

import numpy as np

from fairlens.metrics._rates import safe_divide


def _masked(values: np.ndarray, include: np.ndarray | None) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values if include is None else np.where(include, values, np.nan)


def between_groups(
    values: np.ndarray, include: np.ndarray | None = None, *, min_groups: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """``max - min`` and ``min / max`` over the defined groups; axes ``(..., G) -> (...)``.

    This is fairlearn's ``method="between_groups"`` for ``MetricFrame.difference`` and
    ``ratio``. Returns NaN when fewer than ``min_groups`` groups are defined (fairlearn's
    ``1``; the audit asks for 2: the gap of one group to itself is no comparison, and a CI
    gate must not pass on it).
    """
    v = _masked(values, include)
    defined = np.sum(~np.isnan(v), axis=-1) >= max(min_groups, 1)
    hi = np.max(np.where(np.isnan(v), -np.inf, v), axis=-1)
    lo = np.min(np.where(np.isnan(v), np.inf, v), axis=-1)
    hi = np.where(defined, hi, np.nan)
    lo = np.where(defined, lo, np.nan)
    diff = hi - lo
    ratio = safe_divide(lo, hi)
    ratio = np.where(defined & (hi == 0) & (lo == 0), 1.0, ratio)
    return diff, ratio


def to_reference(values: np.ndarray, reference: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group minus, and divided by, the reference group; axes ``(..., G)``."""
    v = np.asarray(values, dtype=np.float64)
    ref = v[..., reference : reference + 1]
    return v - ref, safe_divide(v, np.broadcast_to(ref, v.shape))


def equalized_odds_difference(tpr: np.ndarray, fpr: np.ndarray, include=None, *,
                              min_groups: int = 1) -> np.ndarray:
    """``max(TPR max-min, FPR max-min)`` (fairlearn ``equalized_odds_difference``)."""
    return np.fmax(between_groups(tpr, include, min_groups=min_groups)[0],
                   between_groups(fpr, include, min_groups=min_groups)[0])


def equalized_odds_ratio(tpr: np.ndarray, fpr: np.ndarray, include=None, *,
                         min_groups: int = 1) -> np.ndarray:
    """``min(TPR min/max, FPR min/max)`` (fairlearn ``equalized_odds_ratio``)."""
    return np.fmin(between_groups(tpr, include, min_groups=min_groups)[1],
                   between_groups(fpr, include, min_groups=min_groups)[1])

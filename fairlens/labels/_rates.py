"""Per-group label-issue rates with Wilson intervals and BH-corrected tests against a reference.

The rates come from one pass over the rows (bincounts per finest group, the engine's group
index); every grouping (each attribute and the intersection) is a sum of those counts.
Intervals, tests and the correction are FairLens's own (:mod:`fairlens.metrics`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairlens.auditing import DEFAULT_MIN_GROUP_SIZE
from fairlens.data import FairLensInputError
from fairlens.engine import GroupIndex, Grouping
from fairlens.labels import _errors as E
from fairlens.metrics import benjamini_hochberg, wilson_interval
from fairlens.metrics._significance import two_proportion_tests

RATE_COLUMNS = [
    "grouping", "group", "n", "n_issues", "rate", "rate_low", "rate_high", "mean_quality",
    "difference_to_reference", "ratio_to_reference", "p_value", "q_value", "significant",
    "reference", "small",
]
"""Columns of the per-group table (attribute columns are inserted after ``group``)."""
MAX_LISTED_GROUPS = 30
"""At most this many groups are named in an error message."""


def _text(value: Any) -> str:
    return " x ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def reference_index(grouping: Grouping, n: np.ndarray, reference: Any) -> int:
    """The reference group of ``grouping``: the requested one where it exists, else the largest.

    ``reference`` is a group value used wherever it occurs, a tuple for an intersection, or a
    dict ``{grouping name: value}``.
    """
    wanted = reference.get(grouping.name) if isinstance(reference, dict) else reference
    if wanted is not None:
        text = _text(wanted)
        for i, lab in enumerate(grouping.labels):
            if _text(lab) == text:
                return i
    return int(np.argmax(n))


def check_reference(index: GroupIndex, reference: Any) -> None:
    """Raise when a requested reference group occurs in none of the groupings it names."""
    if reference is None:
        return
    if isinstance(reference, dict):
        names = {g.name for g in index.groupings}
        for name, value in reference.items():
            if name not in names:
                raise FairLensInputError(
                    f"Reference given for unknown grouping {name!r}; groupings are "
                    f"{sorted(names)}.")
            g = index.grouping(name)
            labels = [_text(lab) for lab in g.labels]
            if value is not None and _text(value) not in labels:
                raise FairLensInputError(E.REFERENCE_NOT_FOUND.format(
                    ref=value, grouping=name, groups=labels[:MAX_LISTED_GROUPS]))
        return
    text = _text(reference)
    if not any(_text(lab) == text for g in index.groupings for lab in g.labels):
        groups = sorted({_text(lab) for g in index.groupings if len(g.attributes) == 1
                         for lab in g.labels})
        raise FairLensInputError(E.REFERENCE_NOT_FOUND.format(
            ref=reference, grouping=", ".join(g.name for g in index.groupings),
            groups=groups[:MAX_LISTED_GROUPS]))


def issue_rates(
    issues: np.ndarray,
    quality: np.ndarray,
    index: GroupIndex | None,
    *,
    reference: Any = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    level: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Label-issue rate of every group of every grouping, with intervals and tests.

    Parameters
    ----------
    issues : numpy.ndarray
        Boolean mask of flagged rows.
    quality : numpy.ndarray
        Label-quality score per row (its group mean is reported).
    index : GroupIndex or None
        Group codes (:func:`fairlens.engine.build_group_index`); None gives an empty table.
    reference : optional
        Reference group (see :func:`reference_index`); default the largest group.
    min_group_size : int, default 30
        Smaller groups are reported and flagged ``small`` but not tested.
    level : float, default 0.95
        Level of the Wilson intervals.
    alpha : float, default 0.05
        ``significant`` is ``q_value < alpha``.

    Returns
    -------
    DataFrame
        One row per group (:data:`RATE_COLUMNS` plus one column per attribute). ``p_value`` is
        the two-proportion test of the group's rate against the reference group's (Fisher's
        exact test for small counts); ``q_value`` its Benjamini-Hochberg adjustment over the
        groups of the same grouping.
    """
    if index is None or not index.groupings:
        return pd.DataFrame(columns=RATE_COLUMNS)
    if isinstance(min_group_size, bool) or int(min_group_size) < 0:
        raise FairLensInputError(E.POSITIVE_INT.format(name="min_group_size",
                                                       value=min_group_size))
    check_reference(index, reference)
    codes = index.fine_codes
    n_fine = np.bincount(codes, minlength=index.n_fine).astype(np.float64)
    x_fine = np.bincount(codes, weights=issues.astype(np.float64), minlength=index.n_fine)
    q_fine = np.bincount(codes, weights=quality, minlength=index.n_fine)
    rows = []
    for g in index.groupings:
        n = np.rint(g.marginalize(n_fine, 0))
        x = np.rint(g.marginalize(x_fine, 0))
        qsum = g.marginalize(q_fine, 0)
        include = n >= int(min_group_size)
        ref = reference_index(g, n, reference)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(n > 0, x / np.maximum(n, 1), np.nan)
            mean_quality = np.where(n > 0, qsum / np.maximum(n, 1), np.nan)
            ratio = np.where(rate[ref] > 0, rate / rate[ref], np.nan)
        low, high = wilson_interval(x, n, level)
        p = np.where(include, two_proportion_tests(x, n, ref), np.nan)
        q = benjamini_hochberg(p)
        for i, lab in enumerate(g.labels):
            row: dict[str, Any] = {"grouping": g.name, "group": _text(lab)}
            for a, v in zip(g.attributes, lab, strict=True):
                row[a] = v
            row.update(
                n=int(n[i]), n_issues=int(x[i]), rate=float(rate[i]), rate_low=float(low[i]),
                rate_high=float(high[i]), mean_quality=float(mean_quality[i]),
                difference_to_reference=float(rate[i] - rate[ref]),
                ratio_to_reference=float(ratio[i]), p_value=float(p[i]), q_value=float(q[i]),
                significant=bool(q[i] < alpha), reference=i == ref, small=not bool(include[i]))
            rows.append(row)
    frame = pd.DataFrame(rows)
    attrs = [c for c in frame.columns if c not in RATE_COLUMNS]
    return frame[["grouping", "group", *attrs, *RATE_COLUMNS[2:]]]

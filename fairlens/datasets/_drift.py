"""A generated predictions log over time with a planted drift (a known change of one group's TPR).

Every month has the same number of rows, spread over its days. Labels are positive with
probability ``base_rate`` in every group; the model predicts positive (``score >= 0.5``) with
probability TPR for positive rows and FPR for negative rows. From the change month on, the TPR
of ``drift_group`` drops from ``tpr`` to ``tpr - tpr_drop``; nothing else changes. With
``tpr_drop=0`` the log is stationary.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

DRIFT_GROUPS = ("A", "B", "C")
DRIFT_SEXES = ("Female", "Male")
DRIFT_START = "2025-01"

#: The mapping of the sample (``fairlens.datasets.SAMPLES`` style keywords).
DRIFT_AUDIT: dict[str, Any] = {"label": "label", "score": "score", "sensitive": ["group", "sex"],
                               "time": "date"}

MSG_MONTHS = "n_months must be an integer of at least 2; got {value!r}."
MSG_ROWS = "rows_per_month must be an integer of at least 10; got {value!r}."
MSG_CHANGE = "change_month must be between 1 and n_months - 1 ({top}); got {value!r}."
MSG_RATE = "{name} must be between 0 and 1; got {value!r}."
MSG_GROUP = "drift_group must be one of {choices}; got {value!r}."


@dataclass(frozen=True)
class DriftLog:
    """A generated log and the drift planted in it.

    Attributes
    ----------
    frame : DataFrame
        Columns ``date`` (a timestamp), ``group`` (A/B/C), ``sex``, ``label`` (0/1) and
        ``score`` (in [0, 1]).
    change_month : int
        Index of the first month with the new TPR (0 is the first month).
    change_label : str
        That month for a person (``"July 2025"``), as the monthly windows name it.
    drift_group : str
    tpr_before, tpr_after : float
        The planted TPR of ``drift_group`` before and from the change.
    params : dict
    """

    frame: pd.DataFrame
    change_month: int
    change_label: str
    drift_group: str
    tpr_before: float
    tpr_after: float
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def audit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`fairlens.audit` for this log (with ``time``)."""
        return dict(DRIFT_AUDIT)


def _check(n_months, rows_per_month, change_month, tpr, tpr_drop, fpr, base_rate, group):
    if isinstance(n_months, bool) or not isinstance(n_months, (int, np.integer)) or n_months < 2:
        raise ValueError(MSG_MONTHS.format(value=n_months))
    if isinstance(rows_per_month, bool) or not isinstance(rows_per_month, (int, np.integer)) \
            or rows_per_month < 10:
        raise ValueError(MSG_ROWS.format(value=rows_per_month))
    if not isinstance(change_month, (int, np.integer)) or not 1 <= change_month <= n_months - 1:
        raise ValueError(MSG_CHANGE.format(top=n_months - 1, value=change_month))
    for name, value in (("tpr", tpr), ("fpr", fpr), ("base_rate", base_rate),
                        ("tpr - tpr_drop", tpr - tpr_drop)):
        if not 0 <= value <= 1:
            raise ValueError(MSG_RATE.format(name=name, value=value))
    if group not in DRIFT_GROUPS:
        raise ValueError(MSG_GROUP.format(choices=", ".join(DRIFT_GROUPS), value=group))


def make_drift_log(
    *,
    n_months: int = 12,
    rows_per_month: int = 3000,
    change_month: int = 8,
    drift_group: str = "B",
    tpr: float = 0.8,
    tpr_drop: float = 0.3,
    fpr: float = 0.2,
    base_rate: float = 0.4,
    group_shares: tuple[float, float, float] = (0.5, 0.3, 0.2),
    seed: int = 0,
) -> DriftLog:
    """Generate a monthly predictions log whose ``drift_group`` loses TPR at ``change_month``.

    Parameters
    ----------
    n_months : int, default 12
        Months from January 2025.
    rows_per_month : int, default 3000
    change_month : int, default 8
        First month (0-based) with the lower TPR: September 2025 by default.
    drift_group : {"A", "B", "C"}, default "B"
    tpr : float, default 0.8
        TPR of every group before the change (and of the other groups throughout).
    tpr_drop : float, default 0.3
        How much ``drift_group``'s TPR falls (0: a stationary log).
    fpr : float, default 0.2
    base_rate : float, default 0.4
    group_shares : tuple of three floats
        Shares of groups A, B and C.
    seed : int, default 0

    Returns
    -------
    DriftLog
    """
    _check(n_months, rows_per_month, change_month, tpr, tpr_drop, fpr, base_rate, drift_group)
    rng = np.random.default_rng(seed)
    n = n_months * rows_per_month
    month = np.repeat(np.arange(n_months), rows_per_month)
    starts = pd.period_range(DRIFT_START, periods=n_months, freq="M")
    days = np.array([p.days_in_month for p in starts])[month]
    first = starts.start_time.to_numpy()[month]
    offset = (rng.random(n) * days * 86_400).astype("timedelta64[s]")
    date = first + offset
    shares = np.asarray(group_shares, dtype=float)
    group = np.asarray(DRIFT_GROUPS)[rng.choice(3, size=n, p=shares / shares.sum())]
    sex = np.asarray(DRIFT_SEXES)[rng.integers(0, 2, size=n)]
    label = (rng.random(n) < base_rate).astype(np.int64)
    rate = np.where(label == 1, tpr, fpr)
    drifted = (group == drift_group) & (month >= change_month) & (label == 1)
    rate = np.where(drifted, tpr - tpr_drop, rate)
    predicted = rng.random(n) < rate
    # A score on the right side of 0.5 for the prediction, uniform within its half.
    score = np.where(predicted, 0.5 + 0.5 * rng.random(n), 0.5 * rng.random(n))
    score = np.round(score, 3).clip(0.0, 1.0)
    score = np.where(predicted, np.maximum(score, 0.5), np.minimum(score, 0.499))
    frame = pd.DataFrame({"date": date, "group": group, "sex": sex, "label": label,
                          "score": score})
    change = starts[change_month]
    params = dict(n_months=n_months, rows_per_month=rows_per_month, change_month=change_month,
                  drift_group=drift_group, tpr=tpr, tpr_drop=tpr_drop, fpr=fpr,
                  base_rate=base_rate, group_shares=tuple(group_shares), seed=seed)
    return DriftLog(frame=frame, change_month=int(change_month),
                    change_label=f"{calendar.month_name[change.month]} {change.year}",
                    drift_group=drift_group, tpr_before=float(tpr),
                    tpr_after=float(tpr - tpr_drop), params=params)


def load_drift_log() -> pd.DataFrame:
    """The default planted-drift log (12 months of 3,000 rows; group B's TPR falls 0.3 in
    September 2025)."""
    return make_drift_log().frame

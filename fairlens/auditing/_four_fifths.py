"""The four-fifths rule of the EEOC Uniform Guidelines, in the direction of the favorable outcome.

29 CFR 1607.4(D): "A selection rate for any race, sex, or ethnic group which is less than
four-fifths (4/5) (or eighty percent) of the rate for the group with the highest rate will
generally be regarded by the Federal enforcement agencies as evidence of adverse impact."

The rule compares the rate of the *favorable* outcome. When a positive prediction is the good
outcome (``favorable="positive"``: a loan approved) that rate is the selection rate
``P(y_hat = 1)``; when a positive prediction harms (``favorable="negative"``: labelled high
risk, flagged for fraud) it is ``1 - P(y_hat = 1)``. Each group's rate is divided by the highest
rate among the groups large enough to count (``n >= min_group_size``); a group fails below 0.8.
The rates are the audit's (weighted, when the audit has weights): nothing here reads rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

FOUR_FIFTHS = 0.8
"""A group whose favorable rate is below this share of the highest rate fails the rule."""

NOT_ENOUGH_GROUPS = "fewer than two groups are large enough to count"
NO_FAVORABLE_OUTCOME = "no group that counts receives the favorable outcome"


def favorable_rates(selection_rate: np.ndarray, favorable: str) -> np.ndarray:
    """Rate of the favorable outcome per group: the selection rate, or one minus it."""
    rates = np.asarray(selection_rate, dtype=float)
    return rates if favorable == "positive" else 1.0 - rates


def _value(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def four_fifths_rule(labels: Sequence[str], selection_rate: np.ndarray, n: np.ndarray,
                     eligible: np.ndarray, favorable: str) -> dict[str, Any]:
    """The four-fifths rule of one grouping, as the audit's JSON writes it.

    Parameters
    ----------
    labels : sequence of str
        Group names, in the audit's order.
    selection_rate : array
        ``P(y_hat = 1)`` per group (weighted when the audit is).
    n : array
        Rows per group.
    eligible : array of bool
        Groups large enough to count (``n >= min_group_size``); the others get a ratio for
        information but no verdict, and are never the comparison group.
    favorable : {"positive", "negative"}
        Which prediction is the favorable outcome.

    Returns
    -------
    dict
        ``favorable``, ``threshold`` (0.8), ``tested`` (False when fewer than two eligible groups
        have a rate, or the highest rate is 0; ``reason`` then says which), ``comparison_group``
        and ``comparison_rate`` (the highest favorable rate among eligible groups; ties go to
        the larger group), ``passes`` (None when not tested), ``failing_groups`` (lowest ratio
        first) and ``groups``: group name -> ``n``, ``eligible``, ``selection_rate``, ``rate``
        (of the favorable outcome), ``ratio`` (rate / comparison rate) and ``passes``
        (None for groups that do not count or when nothing was tested).
    """
    rates = favorable_rates(selection_rate, favorable)
    n = np.asarray(n)
    eligible = np.asarray(eligible, dtype=bool)
    usable = [i for i in range(len(labels)) if eligible[i] and np.isfinite(rates[i])]
    best = max(usable, key=lambda i: (rates[i], n[i]), default=None)
    reason = None
    if len(usable) < 2:
        reason = NOT_ENOUGH_GROUPS
    elif rates[best] <= 0:
        reason = NO_FAVORABLE_OUTCOME
    tested = reason is None
    top = rates[best] if tested else np.nan
    groups: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(labels):
        ratio = rates[i] / top if tested else np.nan
        counts = tested and i in usable
        groups[str(name)] = {
            "n": int(n[i]), "eligible": bool(eligible[i]),
            "selection_rate": _value(selection_rate[i]), "rate": _value(rates[i]),
            "ratio": _value(ratio),
            "passes": bool(ratio >= FOUR_FIFTHS) if counts else None,
        }
    failing = sorted((g for g, e in groups.items() if e["passes"] is False),
                     key=lambda g: groups[g]["ratio"])
    return {
        "favorable": favorable,
        "threshold": FOUR_FIFTHS,
        "tested": tested,
        "reason": reason,
        "comparison_group": str(labels[best]) if tested else None,
        "comparison_rate": _value(top),
        "passes": (not failing) if tested else None,
        "failing_groups": failing,
        "groups": groups,
    }

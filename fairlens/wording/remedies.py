"""How a remedy's effect is put in words (the sentence of a remedy result)."""

from __future__ import annotations

import math

from fairlens.wording import fmt, fmt_int

MEASURE_WORDS = {
    "demographic_parity_difference": "demographic-parity gap",
    "equal_opportunity_difference": "equal-opportunity gap",
    "equalized_odds_difference": "equalized-odds gap",
}
"""How each constraint's disparity is named in a sentence."""

_THIRD_PERSON = {"cost": "costs", "gain": "gains", "leave": "leaves", "cut": "cuts",
                 "raise": "raises"}
_SAME = 0.005
"""A change of the gap smaller than this reads as 'about where it was'."""


def measure_words(measure: str) -> str:
    """The words for an audit-JSON disparity (``"equalized-odds gap"``)."""
    return MEASURE_WORDS.get(measure, measure.replace("_", " "))


def sentence_for(title: str, measure: str, attribute: str, before_gap: float,
                 after_gap: float, before_acc: float, after_acc: float, n_test: int,
                 extra: str = "", *, plural: bool = False) -> str:
    """One plain sentence: what the remedy did to the disparity and what it cost.

    Parameters
    ----------
    title : str
        The remedy's title (the subject of the sentence).
    measure : str
        The audit-JSON disparity of the constraint.
    attribute : str
    before_gap, after_gap : float
        The disparity on the held-out rows before and after (NaN: undefined).
    before_acc, after_acc : float
        Held-out accuracy before and after.
    n_test : int
        Held-out rows.
    extra : str, optional
        A clause appended after a semicolon.
    plural : bool, default False
        The title is a plural subject ("Group-specific thresholds cut ...").

    Examples
    --------
    "Group-specific thresholds cut the equalized-odds gap (race) from 0.58 to 0.04 and cost
    1.2 points of accuracy on held-out data (2,165 rows)."
    """
    words = measure_words(measure)
    if math.isnan(before_gap) or math.isnan(after_gap):
        change = f"leave the {words} ({attribute}) undefined"
    elif after_gap < before_gap - _SAME:
        change = f"cut the {words} ({attribute}) from {fmt(before_gap, 2)} to {fmt(after_gap, 2)}"
    elif after_gap > before_gap + _SAME:
        change = (f"raise the {words} ({attribute}) from {fmt(before_gap, 2)} to "
                  f"{fmt(after_gap, 2)}")
    else:
        change = f"leave the {words} ({attribute}) about where it was ({fmt(after_gap, 2)})"
    points = 100.0 * (after_acc - before_acc)
    if abs(points) < 0.05:
        cost = "leave accuracy unchanged"
    elif points < 0:
        cost = f"cost {abs(points):.1f} points of accuracy"
    else:
        cost = f"gain {points:.1f} points of accuracy"
    if not plural:
        change, cost = _third_person(change), _third_person(cost)
    text = f"{title} {change} and {cost} on held-out data ({fmt_int(n_test)} rows)"
    if extra:
        text += f"; {extra}"
    return text + "."


def _third_person(phrase: str) -> str:
    first, _, rest = phrase.partition(" ")
    return _THIRD_PERSON.get(first, first) + " " + rest


__all__ = ["MEASURE_WORDS", "measure_words", "sentence_for"]

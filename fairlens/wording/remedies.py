"""How a remedy's effect is put in words: the headline of a remedy result, the notes under its
before/after table, and its progress messages.

Every sentence is chosen from the numbers it states: "cuts" only when the gap went down by
more than :data:`_SAME`, "larger than on the fitting rows" only when it is. A remedy that
retrains a model is credited only with what it added beyond retraining: its gap is compared
with the same learner retrained without the fairness method, on the same split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from fairlens.wording._numbers import fmt, fmt_int

MEASURE_WORDS = {
    "demographic_parity_difference": "demographic-parity gap",
    "equal_opportunity_difference": "equal-opportunity gap",
    "equalized_odds_difference": "equalized-odds gap",
}
"""How each constraint's disparity is named in a sentence."""

_THIRD_PERSON = {"cost": "costs", "gain": "gains", "leave": "leaves", "cut": "cuts",
                 "raise": "raises", "add": "adds"}
_SAME = 0.005
"""A change of the gap smaller than this reads as 'about where it was'."""
_SAME_ES = 0.0005
"""ES values closer than this print the same at 3 decimals: 'with and without'."""
DIGITS = 3
"""Decimals of the gaps in the sentences (those of the before/after table)."""


def measure_words(measure: str) -> str:
    """The words for an audit-JSON disparity (``"equalized-odds gap"``)."""
    return MEASURE_WORDS.get(measure, measure.replace("_", " "))


def _nan(*values: float) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)


def _cost(before_acc: float, after_acc: float) -> str:
    points = 100.0 * (after_acc - before_acc)
    if abs(points) < 0.05:
        return "leave accuracy unchanged"
    if points < 0:
        return f"cost {abs(points):.1f} points of accuracy"
    return f"gain {points:.1f} points of accuracy"


def _change(words: str, attribute: str, before: float, after: float) -> str:
    if _nan(before, after):
        return f"leave the {words} ({attribute}) undefined"
    if after < before - _SAME:
        return f"cut the {words} ({attribute}) from {fmt(before, DIGITS)} to {fmt(after, DIGITS)}"
    if after > before + _SAME:
        return (f"raise the {words} ({attribute}) from {fmt(before, DIGITS)} to "
                f"{fmt(after, DIGITS)}")
    return f"leave the {words} ({attribute}) about where it was ({fmt(after, DIGITS)})"


def sentence_for(title: str, measure: str, attribute: str, before_gap: float,
                 after_gap: float, before_acc: float, after_acc: float, n_test: int,
                 extra: str = "", *, plural: bool = False) -> str:
    """One plain sentence for a remedy that does not retrain (group thresholds): what it did
    to the disparity and what it cost, against the original predictions.

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
    "Group-specific thresholds cut the equalized-odds gap (race) from 0.581 to 0.042 and cost
    1.2 points of accuracy on held-out data (2,165 rows)."
    """
    change = _change(measure_words(measure), attribute, before_gap, after_gap)
    cost = _cost(before_acc, after_acc)
    if not plural:
        change, cost = _third_person(change), _third_person(cost)
    text = f"{title} {change} and {cost} on held-out data ({fmt_int(n_test)} rows)"
    if extra:
        text += f"; {extra}"
    return text + "."


def retrained_sentence(title: str, measure: str, attribute: str, before_gap: float,
                       after_gap: float, baseline_gap: float | None, before_acc: float,
                       after_acc: float, baseline_acc: float | None, n_test: int,
                       extra: str = "", *, plural: bool = False,
                       interval: tuple[float, float] | None = None) -> str:
    """The sentence of a remedy that retrains a model: what the fairness method added beyond
    retraining (against the same learner retrained without it, on the same split), then what
    retraining alone did against the original predictions.

    Without a baseline (``baseline_gap`` None) the change against the original predictions
    is stated with the caveat that it mixes retraining and the method. ``interval``: the
    paired bootstrap interval of (gap with the method - gap without it); a "cut" or "raise"
    whose interval holds 0 is said to be within the noise of the held-out rows.

    Examples
    --------
    "Fair identity scaling (FIS) of the training loss adds nothing to the equalized-odds gap
    (sex) beyond retraining (0.070 with it, 0.074 for the same learner retrained without it)
    and costs 0.1 points of accuracy against that learner; retraining alone cut the gap from
    0.151 (original predictions) to 0.074, on held-out data (4,885 rows)."
    """
    words = measure_words(measure)
    verb = (lambda p: p) if plural else _third_person
    if baseline_gap is None or baseline_acc is None:
        change = verb(_change(words, attribute, before_gap, after_gap))
        return (f"{title} {change} and {verb(_cost(before_acc, after_acc))} against the "
                f"original predictions on held-out data ({fmt_int(n_test)} rows); this mixes "
                "the effect of retraining with that of the method (the same learner was not "
                "trained without it for comparison)" + (f"; {extra}" if extra else "") + ".")
    if _nan(after_gap, baseline_gap):
        effect = f"leave the {words} ({attribute}) undefined"
    elif abs(after_gap - baseline_gap) > _SAME:
        direction = "cut" if after_gap < baseline_gap else "raise"
        effect = (f"{direction} the {words} ({attribute}) from {fmt(baseline_gap, DIGITS)}, "
                  f"the same learner retrained without it, to {fmt(after_gap, DIGITS)}")
        spread = _interval_text(interval)
        if spread:
            noise = "within the noise of the held-out rows: " if interval[0] <= 0 <= \
                interval[1] else ""
            effect += f" ({noise}{spread})"
    else:
        spread = _interval_text(interval)
        effect = (f"add nothing to the {words} ({attribute}) beyond retraining "
                  f"({fmt(after_gap, DIGITS)} with it, {fmt(baseline_gap, DIGITS)} for the "
                  "same learner retrained without it" + (f"; {spread}" if spread else "") + ")")
    cost = _cost(baseline_acc, after_acc)
    cost += "" if cost.startswith("leave") else " against that learner"
    retrain = _retrain_clause(before_gap, baseline_gap)
    text = (f"{title} {verb(effect)} and {verb(cost)}; retraining alone {retrain}, on held-out "
            f"data ({fmt_int(n_test)} rows)")
    if extra:
        text += f"; {extra}"
    return text + "."


def _interval_text(interval: tuple[float, float] | None) -> str:
    if interval is None or _nan(*interval):
        return ""
    return f"95% interval of the difference {interval[0]:+.3f} to {interval[1]:+.3f}"


def _retrain_clause(before: float, retrained: float) -> str:
    """What retraining without fairness did to the gap, against the original predictions."""
    if _nan(before, retrained):
        return "left the gap undefined"
    b, r = fmt(before, DIGITS), fmt(retrained, DIGITS)
    if retrained < before - _SAME:
        return f"cut the gap from {b} (original predictions) to {r}"
    if retrained > before + _SAME:
        return f"raised the gap from {b} (original predictions) to {r}"
    return f"left the gap about where it was ({b} for the original predictions, {r} retrained)"


def es_clause(attribute: str, with_method: float, without: float, method: str) -> str:
    """ES-AUC with and without the fairness method, compared from its numbers."""
    if _nan(with_method, without):
        return ""
    if abs(with_method - without) < _SAME_ES:
        return f"ES-AUC ({attribute}) {fmt(with_method, 3)} with and without {method}"
    return (f"ES-AUC ({attribute}) {fmt(with_method, 3)} with {method}, {fmt(without, 3)} "
            "without it")


def _article(words: str) -> str:
    return "an" if words[:1].lower() in "aeiou" else "a"


def noise_phrase(noise: Mapping[str, Any] | None) -> str:
    """The range of the held-out gap that sampling noise alone gives (empty without one)."""
    if not noise:
        return ""
    return (f"sampling noise alone on {fmt_int(noise['n_rows'])} held-out rows puts it "
            f"between {fmt(noise['low'], DIGITS)} and {fmt(noise['high'], DIGITS)} (90% of "
            "simulated samples)")


def expected_gap_clause(measure: str, expected: float, tolerance: float,
                        noise: Mapping[str, Any] | None = None) -> str:
    """The clause of the thresholds' headline: the gap cross-fitting expected on new rows,
    and the range that sampling noise gives at the held-out size."""
    if _nan(expected):
        return ""
    words = measure_words(measure)
    within = "within" if expected <= tolerance + 1e-9 else "above"
    text = (f"cross-fitting on the fitting rows expected {_article(words)} {words} of "
            f"{fmt(expected, DIGITS)} on new rows ({within} the tolerance {tolerance:g})")
    spread = noise_phrase(noise)
    return text + (f"; {spread}" if spread else "")


def not_held_warning(chosen: Any, tolerance: float) -> str:
    """The warning when no cross-fitted rule kept the gap within the tolerance."""
    return (f"No threshold rule kept the gap within the tolerance {tolerance:g} on rows it "
            f"was not fitted on (cross-fitting); the rule with the smallest expected gap "
            f"({fmt(chosen.expected_gap, DIGITS)}) is used. A larger tolerance, or more rows "
            "of the smaller groups, would let the constraint hold on new data.")


def change_words(value: float | None, missing: str = "n/a") -> str:
    """A change in words for a table cell: ``down 0.357``, ``up 0.004``, ``no change``
    (never a leading sign: a spreadsheet would read it as a formula)."""
    if value is None or value != value:
        return missing
    if abs(value) < 0.0005:
        return "no change"
    return f"{'down' if value < 0 else 'up'} {abs(value):.3f}"


def training_progress(name: str, epoch: int, epochs: int, loss: float) -> str:
    """The progress message of one training epoch, for a person."""
    return f"{name}: epoch {epoch} of {epochs} (loss {fmt(loss, 4)})"


# --- the notes under the before/after table ------------------------------------------------

def _gap(doc: Mapping[str, Any], part: str) -> float | None:
    try:
        value = doc[part]["disparities"][doc["attribute"]][doc["measure"]]
    except (KeyError, TypeError):
        return None
    return None if value is None else float(value)


def _accuracy(doc: Mapping[str, Any], part: str) -> float | None:
    try:
        value = doc[part]["overall"]["accuracy"]
    except (KeyError, TypeError):
        return None
    return None if value is None else float(value)


def _kind(kind: Any) -> str:
    text = str(kind or "decisions")
    return "randomized decisions in expectation" if text.startswith("expected") else text


def fit_notes(doc: Mapping[str, Any]) -> list[str]:
    """The notes under a remedy's before/after table, from its JSON document
    (``fairlens.remedy/1``): the gap on the fitting rows (against the tolerance only for a
    remedy that takes a constraint), how the held-out gap compares with it, the cross-fitted
    choice of the thresholds, the held-out rows in expectation and the learner retrained
    without fairness."""
    notes = []
    fc = doc.get("fit_check") or {}
    measure = str(doc.get("measure", ""))
    words = measure_words(measure)
    held = _gap(doc, "after")
    takes = doc.get("takes_constraint", True) and doc.get("tolerance") is not None
    if fc and fc.get("value") is not None:
        fit = float(fc["value"])
        if takes:
            tol = float(doc["tolerance"])
            target = fc.get("fit_tolerance")
            aim = "" if target is None or abs(float(target) - tol) < 1e-12 else \
                f", fitted at the tighter tolerance {float(target):g}"
            notes.append(f"On the fitting rows ({_kind(fc.get('kind'))}, every group "
                         f"counted): {words} {fmt(fit, DIGITS)} against the tolerance {tol:g}"
                         f"{aim} - {'holds' if fit <= tol + 1e-9 else 'does not hold'}.")
        else:
            notes.append(f"On the fitting rows ({_kind(fc.get('kind'))}, every group "
                         f"counted): {words} {fmt(fit, DIGITS)}. This remedy takes no "
                         "constraint or tolerance; the gap is measured, not targeted.")
        if held is not None and not math.isnan(held) and not math.isnan(fit):
            if held > fit + _SAME:
                notes.append(f"The held-out gap ({fmt(held, DIGITS)}) is larger than on the "
                             f"fitting rows ({fmt(fit, DIGITS)}): a fit adapts to the rows "
                             "it was fitted on.")
            elif held < fit - _SAME:
                notes.append(f"The held-out gap ({fmt(held, DIGITS)}) is smaller than on the "
                             f"fitting rows ({fmt(fit, DIGITS)}).")
            else:
                notes.append(f"The held-out gap ({fmt(held, DIGITS)}) is about the same as on the "
                             f"fitting rows ({fmt(fit, DIGITS)}).")
    cross = fc.get("cross_fit") if fc else None
    if cross:
        notes.append(f"The rule was chosen by {cross['folds']}-fold cross-fitting on the "
                     f"fitting rows: {cross['max_bins']} score bins, fitted at tolerance "
                     f"{float(cross['fit_tolerance']):g}; the {words} expected on new rows is "
                     f"{fmt(cross['expected_gap'], DIGITS)}"
                     f" ({'within' if cross['holds'] else 'above'} the tolerance)"
                     + (f"; {noise_phrase(cross.get('noise'))}" if cross.get("noise") else "")
                     + ".")
    expected = fc.get("held_out_expected") if fc else None
    if expected:
        notes.append(f"The held-out rows in expectation (without the noise of the random "
                     f"draws): {words} {fmt(expected['value'], DIGITS)}, accuracy "
                     f"{fmt(expected['accuracy'], DIGITS)}.")
    if doc.get("baseline"):
        notes.append(f"The same learner retrained without fairness, on the same split: "
                     f"held-out accuracy {fmt(_accuracy(doc, 'baseline'), DIGITS)}, {words} "
                     f"{fmt(_gap(doc, 'baseline'), DIGITS)} (original predictions: "
                     f"{fmt(_accuracy(doc, 'before'), DIGITS)} and "
                     f"{fmt(_gap(doc, 'before'), DIGITS)}).")
    return notes


def constraint_line(doc: Mapping[str, Any]) -> str:
    """What the remedy aimed at: the constraint and tolerance for a remedy that takes one,
    the measured disparity for one that does not."""
    words = measure_words(str(doc.get("measure", "")))
    if doc.get("takes_constraint", True) and doc.get("tolerance") is not None:
        return (f"Constraint {str(doc.get('constraint', '')).replace('_', ' ')}, tolerance "
                f"{float(doc['tolerance']):g}.")
    return f"No constraint (this remedy takes none); the {words} is measured."


def _third_person(phrase: str) -> str:
    first, _, rest = phrase.partition(" ")
    return _THIRD_PERSON.get(first, first) + " " + rest


__all__ = ["MEASURE_WORDS", "change_words", "constraint_line", "es_clause",
           "expected_gap_clause", "fit_notes", "measure_words", "noise_phrase",
           "not_held_warning", "retrained_sentence", "sentence_for", "training_progress"]

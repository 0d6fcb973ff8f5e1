"""The direction of harm in words: the four-fifths rule from the point of view of the people it
harms, and which error rates matter most for a punitive or an assistive decision.

Every number comes from the audit's JSON document (``disparities[grouping]["four_fifths_rule"]``
and ``overall``); these functions only choose, order, format and word them.

Sources: the four-fifths rule of the EEOC Uniform Guidelines, 29 CFR 1607.4(D) (each group's
rate of the favorable outcome against the highest such rate); the fairness tree of Aequitas
(Saleiro et al., "Aequitas: A Bias and Fairness Audit Toolkit", 2018; Rodolfa, Saleiro and Ghani,
"Bias and Fairness", in *Big Data and Social Science*, 2nd ed., 2020): for a punitive
intervention, false positive errors weigh most (false discovery rate and false positive rate
parity); for an assistive one, false negative errors (false omission rate and false negative
rate parity), or recall parity when the intervention reaches only a small fraction of the people
who need it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fairlens.wording._numbers import fmt, is_missing
from fairlens.wording._text import md, names

MAX_FAILING_SHOWN = 4
"""Failing groups worded one sentence each; the rest are counted."""
MAX_LISTED = 6
"""Longest list of groups in one sentence."""


def _listed(items: list[str], limit: int = MAX_LISTED) -> str:
    """``a, b and c``, or ``a, b and 3 more`` past ``limit`` items."""
    if len(items) <= limit:
        return names(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


@dataclass(frozen=True)
class OutcomeWords:
    """How the sentences name the people and the prediction.

    Attributes
    ----------
    people : str or None
        Plural noun for the rows (``"defendants"``); None words a group as "the X group".
    positive : str
        What a positive prediction is, after "are"/"is" (``"predicted positive"``).
    negative : str
        What a negative prediction is (``"predicted negative"``).
    """

    people: str | None = None
    positive: str = "predicted positive"
    negative: str = "predicted negative"


NEUTRAL = OutcomeWords()
"""Words for data whose domain FairLens does not know."""


def _compas_words(threshold: float | None, score: str | None) -> OutcomeWords:
    """COMPAS: ``y_hat = 1`` is a risk decile of at least ``k``.

    The sample's ``score`` is ``decile / 10`` and ``decile_score`` the decile itself; any other
    prediction column gets the people's name only. COMPAS's own categories are Low (deciles
    1-4), Medium (5-7) and High (8-10): a cut at decile 5 is "medium or high risk" (ProPublica's
    reading), a cut at 8 is "high risk"; other cuts are named by their decile.
    """
    scale = {"score": 10, None: 10, "decile_score": 1}.get(score)
    if scale is None or threshold is None or is_missing(threshold):
        return OutcomeWords("defendants")
    k = next((d for d in range(1, 11) if d / scale >= threshold - 1e-12), None)
    if k is None:
        return OutcomeWords("defendants")
    positive = {1: "given any risk decile", 5: "labelled medium or high risk",
                8: "labelled high risk"}.get(k, f"given a risk decile of {k} or more")
    negative = {5: "labelled low risk", 8: "labelled low or medium risk"}.get(
        k, f"given a risk decile below {k}")
    return OutcomeWords("defendants", positive, negative)


SAMPLE_WORDS: dict[str, Callable[[float | None, str | None], OutcomeWords]] = {
    "compas": _compas_words}
"""Built-in samples whose outcome FairLens can name, by sample name (the threshold and the
prediction column decide)."""


def outcome_words(sample: str | None = None, threshold: float | None = None,
                  score: str | None = None) -> OutcomeWords:
    """Words for a built-in sample's people and prediction; :data:`NEUTRAL` for any other data.

    Parameters
    ----------
    sample : str or None
        The built-in sample's name (``"compas"``) when the audited data is one.
    threshold : float or None
        The decision threshold (the COMPAS words depend on it).
    score : str or None
        The audited score column (the primary model's name); the COMPAS words need to know
        the scale of the score (None: the sample's own ``score``).
    """
    make = SAMPLE_WORDS.get(sample or "")
    return make(threshold, score) if make else NEUTRAL


def _harmful(words: OutcomeWords, favorable: str) -> str:
    """The harmful prediction, said so where the words are FairLens' own."""
    harmful = words.positive if favorable == "negative" else words.negative
    neutral = harmful in (NEUTRAL.positive, NEUTRAL.negative)
    return f"{harmful} (the harmful outcome)" if neutral else harmful


def _good(words: OutcomeWords, favorable: str) -> str:
    return words.negative if favorable == "negative" else words.positive


def favorable_phrase(favorable: str, words: OutcomeWords = NEUTRAL) -> str:
    """``"the favorable outcome (predicted negative)"``."""
    return f"the favorable outcome ({_good(words, favorable)})"


class _Subject:
    """A group as the subject of a sentence: "**X** defendants are" or "the **X** group is"."""

    def __init__(self, name: str, words: OutcomeWords, escape: Callable[[Any], str]):
        self.plural = bool(words.people)
        self.text = (f"**{escape(name)}** {words.people}" if words.people
                     else f"the **{escape(name)}** group")
        self.be = "are" if self.plural else "is"
        self.pronoun = "they" if self.plural else "it"
        self.receive = "receive" if self.plural else "receives"

    def first(self) -> str:
        return self.text[0].upper() + self.text[1:]


def _harm_comparator(rule: dict[str, Any], worse: str, reference: str | None) -> str | None:
    """Whom a failing group's rate of the harmful outcome is compared with: the reference group,
    or (when that is the failing group itself, or not better off) the largest group that counts
    and is better off. The comparison group always is, so there is one whenever it was tested."""
    groups = rule["groups"]
    better = [g for g, e in groups.items() if g != worse and e["eligible"]
              and not is_missing(e["rate"]) and e["rate"] > groups[worse]["rate"]]
    if reference in better:
        return reference
    return max(better, key=lambda g: groups[g]["n"]) if better else None


def _harm_ratio(rule: dict[str, Any], worse: str, other: str) -> float | None:
    """A failing group's rate of the harmful outcome (a positive prediction, when favorable is
    negative) over ``other``'s."""
    harm = [rule["groups"][g]["selection_rate"] for g in (worse, other)]
    return harm[0] / harm[1] if harm[1] else None


def four_fifths_sentences(disp: dict[str, Any], *, words: OutcomeWords = NEUTRAL,
                          escape: Callable[[Any], str] = md) -> list[str]:
    """The four-fifths rule of one grouping, from the point of view of the groups it harms.

    Parameters
    ----------
    disp : dict
        ``doc["disparities"][grouping]`` of :meth:`fairlens.Audit.to_dict`.
    words : OutcomeWords
        How people and predictions are named (:func:`outcome_words`).
    escape : callable
        How group names are made safe (Markdown escaping; the report passes ``str``).

    Returns
    -------
    list of str
        One sentence per failing group (at most :data:`MAX_FAILING_SHOWN`, the lowest ratio
        first), then the groups that pass; empty without a four-fifths rule (no selection rate).
    """
    rule = disp.get("four_fifths_rule")
    if not rule:
        return []
    favorable = rule["favorable"]
    if not rule["tested"]:
        return [f"The four-fifths rule could not be applied: {rule['reason']}."]
    groups, top = rule["groups"], rule["comparison_group"]
    best = f"**{escape(top)}**'s rate, the highest"
    out = []
    for g in rule["failing_groups"][:MAX_FAILING_SHOWN]:
        who = _Subject(g, words, escape)
        ratio = fmt(groups[g]["ratio"], 2)
        if favorable == "negative":
            other = _harm_comparator(rule, g, disp.get("reference"))
            times = _harm_ratio(rule, g, other) if other else None
            if times is not None:
                why = ("the reference group" if other == disp.get("reference")
                       else "the largest group that fares better")
                them = (f"**{escape(other)}** {words.people}" if words.people
                        else f"the **{escape(other)}** group")
                out.append(
                    f"{who.first()} {who.be} {_harmful(words, favorable)} at **{fmt(times, 2)}** "
                    f"times the rate of {them} ({why}); {who.pronoun} {who.receive} "
                    f"{favorable_phrase(favorable, words)} at **{ratio}** of {best}: below "
                    "four-fifths (0.80).")
                continue
        out.append(f"{who.first()} {who.receive} {favorable_phrase(favorable, words)} at "
                   f"**{ratio}** of {best}: below four-fifths (0.80).")
    extra = len(rule["failing_groups"]) - MAX_FAILING_SHOWN
    if extra > 0:
        out.append(f"... and {extra} more group(s) below four-fifths of {best}.")
    passing = sorted((g for g, e in groups.items() if e["passes"] and g != top),
                     key=lambda g: groups[g]["ratio"])
    if not rule["failing_groups"]:
        low = passing[0] if passing else None
        lowest = (f" The lowest ratio is **{fmt(groups[low]['ratio'], 2)}** ({escape(low)})."
                  if low else "")
        out.append(f"Every group that counts receives {favorable_phrase(favorable, words)} at "
                   f"four-fifths (0.80) or more of {best}: the four-fifths rule holds.{lowest}")
    elif passing:
        listed = _listed([f"{escape(g)} ({fmt(groups[g]['ratio'], 2)})" for g in passing])
        out.append(f"Passing the rule (four-fifths or more of **{escape(top)}**'s rate): "
                   f"{listed}.")
    return out


def four_fifths_phrase(disp: dict[str, Any]) -> str | None:
    """A clause for the executive summary: ``"the four-fifths rule **fails** for X, at 0.52 of
    Other's rate of the favorable outcome (predicted negative)"``; None without a rule."""
    rule = disp.get("four_fifths_rule")
    if not rule:
        return None
    if not rule["tested"]:
        return f"the four-fifths rule could not be applied ({rule['reason']})"
    top, what = rule["comparison_group"], favorable_phrase(rule["favorable"])
    failing = rule["failing_groups"]
    if not failing:
        return (f"the four-fifths rule holds: every group that counts receives {what} at 0.80 "
                f"or more of {top}'s rate")
    ratios = [fmt(rule["groups"][g]["ratio"], 2) for g in failing]
    if len(failing) <= 3:
        return (f"the four-fifths rule **fails** for {names(failing)}, at {names(ratios)} of "
                f"{top}'s rate of {what}")
    listed = _listed([f"{g} ({r})" for g, r in zip(failing, ratios, strict=True)], 5)
    return f"the four-fifths rule **fails** for {listed}, below 0.80 of {top}'s rate of {what}"


#: The error rates the fairness tree puts first, by direction (metric names of the audit).
PRIORITY_METRICS: dict[str, tuple[str, ...]] = {
    "negative": ("fpr", "fdr"),
    "positive": ("fnr", "false_omission_rate"),
}


def priority_metrics(favorable: str) -> tuple[str, ...]:
    """The error rates that matter most for this direction (``("fpr", "fdr")`` when punitive)."""
    return PRIORITY_METRICS["negative" if favorable == "negative" else "positive"]


def error_rate_priority(favorable: str, overall: dict[str, Any] | None = None) -> str:
    """Which error rates matter most for this direction of harm, as Aequitas' fairness tree says.

    Parameters
    ----------
    favorable : {"positive", "negative"}
    overall : dict, optional
        ``doc["overall"]`` of the audit; its selection rate (punitive) or TPR (assistive) is
        quoted for the tree's "small fraction" question, which only the user can answer.
    """
    overall = overall or {}
    if favorable == "negative":
        share = overall.get("selection_rate")
        reach = ("" if is_missing(share) else
                 f" Here {fmt(100 * share, 0)}% of all rows are predicted positive.")
        return ("A positive prediction harms here (a punitive decision), so wrongly flagging "
                "someone is the costlier error: compare the **false positive rate** (FPR: among "
                "rows with a negative label, the share wrongly predicted positive) and the "
                "**false discovery rate** (FDR: among rows predicted positive, the share whose "
                "label is negative) across groups, as Aequitas' fairness tree advises. FDR parity "
                "matters most when only a small share of people is flagged, FPR parity when "
                f"the harm to any wrongly flagged person counts alike.{reach}")
    tpr = overall.get("tpr")
    reach = ("" if is_missing(tpr) or not math.isfinite(tpr) else
             f" Here the model predicts positive for {fmt(100 * tpr, 0)}% of the rows with a "
             "positive label (TPR).")
    return ("A positive prediction is the favorable outcome here (an assistive decision), so "
            "wrongly withholding it is the costlier error: compare the **false negative rate** "
            "(FNR: among rows with a positive label, the share predicted negative) and the "
            "**false omission rate** (FOR: among rows predicted negative, the share whose label "
            "is positive) across groups, as Aequitas' fairness tree advises. When the favorable "
            "outcome can reach only a small fraction of the people who qualify, the tree asks "
            f"for equal recall (TPR, equal opportunity) instead.{reach}")

"""The direction of harm in words: four-fifths sentences from the harmed side, the outcome's
name, and the error rates that matter (no audit needed: rules built by the library function)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fairlens.auditing._four_fifths import NOT_ENOUGH_GROUPS, four_fifths_rule
from fairlens.wording import md, plain
from fairlens.wording.harm import (
    NEUTRAL,
    OutcomeWords,
    error_rate_priority,
    four_fifths_phrase,
    four_fifths_sentences,
    outcome_words,
    priority_metrics,
)


def disp(rates: dict[str, tuple[int, float]], favorable: str, reference: str | None = None,
         min_size: int = 30) -> dict:
    labels = list(rates)
    n = np.array([rates[g][0] for g in labels])
    sel = np.array([rates[g][1] for g in labels])
    rule = four_fifths_rule(labels, sel, n, n >= min_size, favorable)
    return {"reference": reference or labels[int(np.argmax(n))], "four_fifths_rule": rule}


COMPAS_LIKE = {"African-American": (3696, 0.588), "Caucasian": (2454, 0.348),
               "Hispanic": (637, 0.298), "Other": (377, 0.2095), "Native American": (18, 0.667)}


@pytest.mark.parametrize(("threshold", "positive", "negative"), [
    (0.5, "labelled medium or high risk", "labelled low risk"),
    (0.8, "labelled high risk", "labelled low or medium risk"),
    (0.7, "given a risk decile of 7 or more", "given a risk decile below 7"),
    (0.45, "labelled medium or high risk", "labelled low risk"),
])
def test_compas_words_follow_the_threshold(threshold, positive, negative):
    words = outcome_words("compas", threshold)
    assert (words.people, words.positive, words.negative) == ("defendants", positive, negative)


def test_compas_words_know_the_score_scale():
    assert outcome_words("compas", 5, "decile_score").positive == "labelled medium or high risk"
    assert outcome_words("compas", 8, "decile_score").positive == "labelled high risk"
    assert outcome_words("compas", 0.5, "other_model") == OutcomeWords("defendants")
    d = disp(COMPAS_LIKE, "negative")
    first = four_fifths_sentences(d, words=OutcomeWords("defendants"), escape=str)[0]
    assert first.startswith("**African-American** defendants are predicted positive (the "
                            "harmful outcome) at")


def test_other_data_gets_neutral_words():
    assert outcome_words(None, 0.5) == NEUTRAL == outcome_words("adult", 0.5)
    assert NEUTRAL.people is None and NEUTRAL.positive == "predicted positive"


def test_every_number_in_the_sentences_comes_from_the_rule():
    d = disp(COMPAS_LIKE, "negative")
    rule = d["four_fifths_rule"]
    sentences = four_fifths_sentences(d, escape=str)
    groups = rule["groups"]
    allowed = {f"{e['ratio']:.2f}" for e in groups.values() if e["ratio"] is not None}
    harm = (1 - groups["African-American"]["rate"]) / (1 - groups["Caucasian"]["rate"])
    allowed |= {f"{harm:.2f}", "0.80"}
    for sentence in sentences:
        for number in re.findall(r"\d+\.\d+", sentence):
            assert number in allowed, (number, sentence)
    first = sentences[0]
    assert first.startswith("The **African-American** group is predicted positive (the harmful "
                            f"outcome) at **{harm:.2f}** times the rate of the **Caucasian** "
                            "group (the largest group that fares better); it receives the "
                            "favorable outcome (predicted negative) at **0.52** of **Other**'s "
                            "rate")
    assert sentences[1] == ("Passing the rule (four-fifths or more of **Other**'s rate): "
                            "Caucasian (0.82) and Hispanic (0.89).")
    assert "Native American" not in " ".join(sentences), "too small to count"


def test_harm_is_never_compared_with_a_group_worse_off():
    """25 - 45 is the reference; the largest other group (Less than 25) is worse off, so the
    harmful rate is compared with the largest group that fares better."""
    d = disp({"25 - 45": (4000, 0.45), "Less than 25": (1600, 0.63),
              "Greater than 45": (1500, 0.25)}, "negative")
    sentences = four_fifths_sentences(d, escape=str)
    middle = next(s for s in sentences if s.startswith("The **25 - 45** group"))
    assert "the rate of the **Greater than 45** group (the largest group that fares" in middle
    assert f"**{0.45 / 0.25:.2f}** times" in middle


def test_harm_is_compared_with_the_reference_when_it_is_another_group():
    d = disp(COMPAS_LIKE, "negative", reference="Caucasian")
    first = four_fifths_sentences(d, words=outcome_words("compas", 0.5), escape=str)[0]
    assert first.startswith("**African-American** defendants are labelled medium or high risk")
    assert "the rate of **Caucasian** defendants (the reference group); they receive" in first


def test_positive_direction_names_the_group_selected_less():
    d = disp({"A": (2000, 0.30), "B": (1000, 0.531)}, "positive")
    sentences = four_fifths_sentences(d, escape=str)
    assert sentences == ["The **A** group receives the favorable outcome (predicted positive) "
                         "at **0.56** of **B**'s rate, the highest: below four-fifths (0.80)."]
    assert four_fifths_phrase(d) == ("the four-fifths rule **fails** for A, at 0.56 of B's rate "
                                     "of the favorable outcome (predicted positive)")


def test_a_rule_that_holds_and_one_that_cannot_be_applied():
    d = disp({"x": (500, 0.40), "y": (400, 0.36), "z": (300, 0.38)}, "positive")
    (sentence,) = four_fifths_sentences(d)
    assert sentence == ("Every group that counts receives the favorable outcome (predicted "
                        "positive) at four-fifths (0.80) or more of **x**'s rate, the highest: "
                        "the four-fifths rule holds. The lowest ratio is **0.90** (y).")
    assert four_fifths_phrase(d).startswith("the four-fifths rule holds")
    lonely = disp({"x": (500, 0.40), "y": (4, 0.1)}, "negative")
    assert four_fifths_sentences(lonely) == [
        f"The four-fifths rule could not be applied: {NOT_ENOUGH_GROUPS}."]
    assert "holds" not in four_fifths_phrase(lonely)
    assert four_fifths_sentences({"reference": "x"}) == []


def test_group_names_are_escaped_and_long_lists_are_cut():
    many = {f"g*{i}": (100, 0.9 - 0.1 * i) for i in range(9)}
    sentences = four_fifths_sentences(disp(many, "positive"), escape=md)
    assert all("g*" not in plain(s).replace("g\\*", "") for s in sentences)
    assert any(s.startswith("... and ") for s in sentences)
    assert len([s for s in sentences if "below four-fifths (0.80)." in s]) == 4


def test_error_rates_that_matter():
    assert priority_metrics("negative") == ("fpr", "fdr")
    assert priority_metrics("positive") == ("fnr", "false_omission_rate")
    punitive = error_rate_priority("negative", {"selection_rate": 0.4613})
    assert "**false positive rate**" in punitive and "**false discovery rate**" in punitive
    assert punitive.endswith("Here 46% of all rows are predicted positive.")
    assistive = error_rate_priority("positive", {"tpr": 0.25})
    assert "**false negative rate**" in assistive and "**false omission rate**" in assistive
    assert "equal recall (TPR, equal opportunity)" in assistive
    assert assistive.endswith("25% of the rows with a positive label (TPR).")
    assert "Here" not in error_rate_priority("positive", {"tpr": None})
    assert "Here" not in error_rate_priority("negative")


def test_outcome_words_are_plain_values():
    words = OutcomeWords("applicants", "approved", "declined")
    d = disp({"A": (2000, 0.30), "B": (1000, 0.531)}, "positive")
    (sentence,) = four_fifths_sentences(d, words=words, escape=str)
    assert sentence.startswith("**A** applicants receive the favorable outcome (approved) at "
                               "**0.56**")

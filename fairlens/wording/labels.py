"""Words and number formats of the label-errors analysis (library, page, report and CLI).

Nothing here computes: the label-issue and label-aware fairness results pass their numbers
and judgements in, and these functions only format and word them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from fairlens.wording import fmt, is_missing
from fairlens.wording._text import names

DASH = "\u2014"
"""Shown for undefined cells (a plain "-" would render as a Markdown bullet in st.table)."""
UNDEFINED_VALUE = "undefined"
MISSING_VALUE = "(missing)"
"""A missing value of the user's data in a table."""
MAX_NAMED_FEATURES = 8

# --- number formats ----------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if is_missing(v) else v


def pct(value: Any, digits: int = 1) -> str:
    """A share as a percentage; ``-`` when undefined."""
    v = _number(value)
    return "-" if v is None else f"{v:.{digits}%}"


def pct_ci(value: Any, low: Any, high: Any) -> str:
    """``"12.9% [12.3%, 13.6%]"``."""
    text = pct(value)
    if text == "-" or pct(low) == "-" or pct(high) == "-":
        return text
    return f"{text} [{pct(low)}, {pct(high)}]"


def q_text(q: Any) -> str:
    """A q-value for people: ``< 0.001`` below a thousandth."""
    v = _number(q)
    if v is None:
        return DASH
    return "< 0.001" if v < 0.001 else fmt(v, 3)


def value_text(value: Any, digits: int = 2) -> str:
    """A measure in a verdict: ``undefined`` when it is."""
    return UNDEFINED_VALUE if value is None or is_missing(value) else fmt(value, digits)


def interval_text(low: Any, high: Any) -> str:
    """``" [0.10, 0.14]"`` after a value; empty when the interval is undefined."""
    if is_missing(low) or is_missing(high):
        return ""
    return f" [{fmt(low, 2)}, {fmt(high, 2)}]"


# --- notes of the detectors --------------------------------------------------------------------


def out_of_sample_note(how: str, features: Sequence[str], accuracy: float) -> str:
    """How cross-validated probabilities were made (``how`` names the model and folds)."""
    named = names(features[:MAX_NAMED_FEATURES])
    more = f" and {len(features) - MAX_NAMED_FEATURES} more" if len(features) > \
        MAX_NAMED_FEATURES else ""
    if more:
        named = ", ".join(features[:MAX_NAMED_FEATURES])
    plural = "s" if len(features) != 1 else ""
    return (f"Probabilities are out-of-sample: {how} {len(features)} feature column{plural} "
            f"({named}{more}); the model's most likely class agrees with {accuracy:.1%} of the "
            "given labels on the rows it did not train on.")


def trained_folds(model: str, n_splits: int) -> str:
    """``how`` of :func:`out_of_sample_note` for folds trained here."""
    return f"a {model_name(model)} trained in {n_splits} folds on"


def precomputed_folds(model: str, n_splits: int) -> str:
    """``how`` of :func:`out_of_sample_note` for probabilities computed earlier."""
    return f"cross-validated probabilities of a {model_name(model)} ({n_splits} folds) on"


def source_short(source: str, n_splits: Any = "?") -> str:
    """Where the probabilities came from, in two or three words."""
    if source == "features":
        return f"a {n_splits}-fold cross-validated model"
    if source == "score":
        return "the file's score"
    return "the file's probabilities"


# --- the method and its caveat (the headline of the page, the JSON, the CLI and the report) ----

MODEL_NAMES = {
    "hist_gradient_boosting": "gradient-boosting model",
    "logistic_regression": "logistic regression",
    "random_forest": "random forest",
}
"""The cross-validated models, for a person."""


def model_name(model: Any) -> str:
    """A cross-validated model for a person (``"gradient-boosting model"``)."""
    return MODEL_NAMES.get(str(model), f"{model} model")


def method_text(source: str, *, model: Any = None, n_splits: Any = None,
                features: Sequence[str] = (), columns: Sequence[str] = ()) -> str:
    """How the probabilities that found the errors were made (a clause after "found with")."""
    if source == "features":
        count = len(features)
        on = (f" on {count} feature column{'s' if count != 1 else ''}" if count else "")
        folds = f" in {n_splits} folds" if n_splits else ""
        return (f"out-of-sample probabilities of a {model_name(model)} cross-validated{folds}"
                f"{on}: each row is predicted by a model that did not train on it")
    if source == "score":
        named = f" ({names(columns)})" if columns else ""
        return (f"the model's score in the file{named}, read as the probability of the "
                "positive class")
    if source == "proba":
        named = f" ({names(columns)})" if columns else ""
        return f"the class probabilities in the file{named}"
    return "the given class probabilities"


CAVEAT_OUT_OF_SAMPLE = (
    "A flagged row is a suspect, not a verdict: correct labels of cases that are hard to "
    "predict from these features are flagged too, so review them before correcting anything.")
CAVEAT_FILE = (
    "These probabilities are used as they are. If they come from a model trained on these "
    "rows (in-sample), they agree with the given labels, wrong ones included, so most errors go "
    "unnoticed; and since the audited model's own probabilities pick the rows, excluding or "
    "relabelling them flatters that model. A cross-validated model of the features avoids both.")


def method_caveat(source: str) -> str:
    """What the method cannot tell (one sentence or two)."""
    return CAVEAT_OUT_OF_SAMPLE if source == "features" else CAVEAT_FILE


def sample_sentence(sample: dict[str, Any]) -> str:
    """What a row sample of big data means (``sample``: the JSON ``sample`` object)."""
    by = names(sample.get("stratified_by") or []) or "nothing"
    return (f"The data has {int(sample['rows_in_data']):,} rows, more than the "
            f"{int(sample['limit']):,} that label errors work on in memory, so these numbers "
            f"are for a random sample of {int(sample['rows_analysed']):,} rows, stratified by "
            f"{by} (seed {sample['seed']}).")


def headline(n_issues: int, n_rows: int, rate: Any, low: Any, high: Any, method: str,
             caveat: str, sample: dict[str, Any] | None = None) -> str:
    """The headline of the label section: the count, the method, the sample, the caveat."""
    share = pct_ci(rate, low, high)
    text = (f"{int(n_issues):,} of {int(n_rows):,} labels ({share}) look wrong to confident "
            f"learning, found with {method}.")
    if sample:
        text += " " + sample_sentence(sample)
    return f"{text} {caveat}"


def headline_of(doc: dict[str, Any]) -> str:
    """The headline of a ``fairlens.labels/1`` document (its own, or made from its fields)."""
    if doc.get("headline"):
        return str(doc["headline"])
    source = str(doc.get("source") or "arrays")
    options = (doc.get("detector") or {}).get("options") or {}
    columns = [doc["score_column"]] if doc.get("score_column") else []
    lo, hi = (list(doc.get("issue_rate_ci") or []) + [None, None])[:2]
    return headline(doc.get("n_issues") or 0, doc.get("n_rows") or 0, doc.get("issue_rate"),
                    lo, hi, method_text(source, model=options.get("model"),
                                        n_splits=options.get("n_splits"), columns=columns),
                    method_caveat(source), doc.get("sample"))


def raw_score_switch(column: str) -> str:
    """Why a raw score was passed over for the cross-validated model."""
    return (f'The score column "{column}" is a raw score (a risk scale, not a calibrated '
            "probability), so it is not used as the probability of each label: confident "
            "learning would read its top value as certainty and flag every label that "
            "contradicts it. A cross-validated model of the features gives the probabilities "
            "instead.")


# --- one flagged row, for a person ---------------------------------------------------------------


def chance(p: Any) -> str:
    """A probability as a share for a person: ``"3%"``, ``"under 0.1%"``, ``"over 99.9%"``."""
    v = _number(p)
    if v is None:
        return "-"
    if v < 0.001:
        return "under 0.1%" if v > 0 else "0%"
    if v > 0.999:
        return "over 99.9%" if v < 1 else "100%"
    return f"{v:.1%}" if v < 0.1 or v > 0.9 else f"{v:.0%}"


def row_line(row: int, given: Any, suggested: Any, p_given: Any) -> str:
    """One flagged row in a list (plain text): row, given and suggested label, the chance the
    probabilities give the given label."""
    return (f"row {int(row)}: labelled {given}, probably {suggested} (the probabilities give "
            f"the given label {chance(p_given)})")


def row_sentence(given: str, suggested: str, p_given: Any, p_suggested: Any,
                 source: str) -> str:
    """The probabilities of one row in words (Markdown; ``given``/``suggested`` are the class
    values, already escaped by the page)."""
    whose = ("the cross-validated model gives" if source == "features" else
             "the file's probabilities give")
    return (f"Labelled **{given}**. For this row {whose} **{given}** a chance of "
            f"**{chance(p_given)}** and **{suggested}** **{chance(p_suggested)}**, so the label "
            f"is probably **{suggested}**.")


def raw_score_page_no_features(column: str) -> str:
    """The page's refusal when the only prediction is a raw score and no column is left for a
    cross-validated model (Markdown; ``column`` already escaped)."""
    return (f"The score **{column}** is mapped as a **raw score** (a risk scale, not a "
            "probability), so it cannot tell how likely each label is, and the file has no "
            "other column a cross-validated model could learn the label from. Map class "
            "probabilities or a probability score on the Data page, or upload the file with "
            "its feature columns.")


PAGE_FEATURES_HINT = ("choose **A cross-validated model of the features** under **Find label "
                      "errors with** above")
"""How the page names the cross-validated model (its radio button)."""


def for_page(message: str, *, esc: Callable[[Any], str] = str) -> str:
    """A library message as the page shows it: the Python/CLI hint for the cross-validated
    model becomes the page's radio button. ``esc`` renders the message (the page passes
    :func:`fairlens.wording.md`; the hint's own Markdown is kept)."""
    from fairlens.labels._errors import FEATURES_HINT

    return esc(str(message)).replace(esc(" " + FEATURES_HINT), f" ({PAGE_FEATURES_HINT})")


def raw_score_page(column: str) -> str:
    """The page's reason for offering the cross-validated model instead of a raw score
    (Markdown; ``column`` already escaped)."""
    return (f"The score **{column}** is mapped as a **raw score** (a risk scale, not a "
            "probability), so it cannot tell how likely each label is: read as a probability, "
            "its top value would mean certainty, and every label that contradicts it would be "
            "flagged. FairLens finds the label errors with a **cross-validated model of the "
            "features** instead. If the score really is a calibrated probability, set its "
            "score kind to **probability** on the Data page.")


# --- per-group rates ---------------------------------------------------------------------------


def rate_sentences(rows: pd.DataFrame, grouping: str, *,
                   esc: Callable[[Any], str] = str) -> list[str]:
    """What the per-group table of one grouping says, in words (Markdown); ``esc`` renders the
    group and attribute names (a page passes :func:`fairlens.wording.md`)."""
    ref = rows[rows["reference"]]
    if ref.empty:
        return []
    ref = ref.iloc[0]
    tested = rows[~rows["small"] & ~rows["reference"]]
    higher = tested[tested["significant"] & (tested["difference_to_reference"] > 0)]
    lower = tested[tested["significant"] & (tested["difference_to_reference"] < 0)]
    out = []
    for _, r in higher.sort_values("rate", ascending=False).iterrows():
        out.append(f"**{esc(r['group'])}** has **{pct(r['rate'])}** suspected label errors, "
                   f"**{r['ratio_to_reference']:.2f}x** the rate of **{esc(ref['group'])}** "
                   f"(reference, {pct(ref['rate'])}; q {q_text(r['q_value'])}): label quality "
                   "is worse in this group.")
    for _, r in lower.sort_values("rate").iterrows():
        out.append(f"**{esc(r['group'])}** has fewer suspected label errors "
                   f"({pct(r['rate'])}) than **{esc(ref['group'])}** ({pct(ref['rate'])}; "
                   f"q {q_text(r['q_value'])}).")
    if not len(higher) and not len(lower) and len(tested):
        out.append(f"No group of **{esc(grouping)}** differs significantly from "
                   f"**{esc(ref['group'])}** ({pct(ref['rate'])}) in its rate of suspected "
                   "label errors after "
                   "Benjamini-Hochberg correction (q < 0.05).")
    return out


# --- label-aware fairness verdicts -------------------------------------------------------------


def bound_phrase(has_ci: bool) -> str:
    """What "moved" means: out of the interval, or past the tolerance without one."""
    if has_ci:
        return "outside the original 95% interval"
    return "by more than 0.01 and 10% of its value (no interval: the bootstrap is off)"


def moved_sentence(moves: list[tuple[str, bool]], has_ci: bool) -> str:
    """Which corrections (``(verb, towards more disparity)``) move a measure, and where."""
    if not moves:
        return "No verdict."
    who = " and ".join(v for v, _ in moves).capitalize()
    verb = "move" if len(moves) > 1 else "moves"
    bound = bound_phrase(has_ci)
    if all(g for _, g in moves):
        return (f"{who} them {verb} it {bound} towards **more** disparity: the "
                "suspected label errors may be **hiding** part of it.")
    if not any(g for _, g in moves):
        return (f"{who} them {verb} it {bound} towards **less** disparity: this "
                "disparity is **sensitive to label noise**; part of it may come from label errors "
                "rather than from the model.")
    return (f"Excluding and relabelling move it {bound} in opposite directions: "
            "the disparity depends on how the suspected errors are handled; review them before "
            "drawing conclusions.")


def grouping_verdict(grouping: str, pick: pd.Series, changed: dict[str, int],
                     robust: bool | None, moves: list[tuple[str, bool]], has_ci: bool) -> str:
    """The sentence on one grouping's headline measure (Markdown)."""
    label = str(pick["label"])
    name = label if label.startswith(("ES", "PSD", "AUC")) else label.lower()
    text = (f"**{grouping}**: {name} **{value_text(pick['before'])}**"
            f"{interval_text(pick['before_low'], pick['before_high'])} with the original labels")
    parts = []
    if "exclusion" in pick:
        parts.append(f"**{value_text(pick['exclusion'])}** with the "
                     f"{changed.get('exclusion', 0):,} suspected errors excluded")
    if "relabel" in pick:
        parts.append(f"**{value_text(pick['relabel'])}** with them relabelled")
    if parts:
        text += "; " + " and ".join(parts)
    text += ". "
    if robust is None:
        return text + "It is undefined in some of the audits, so no verdict."
    if robust:
        where = ("inside the original 95% interval (or within 0.01 of the original value)"
                 if has_ci else "within 0.01 or 10% of the original value (no "
                 "interval: the bootstrap is off)")
        return text + (f"Both stay {where}: this disparity is **robust** to the suspected label "
                       "errors.")
    return text + moved_sentence(moves, has_ci)


def overall_verdict(robust: int, total: int, has_ci: bool) -> str:
    """The summary sentence over every grouping and measure."""
    where = ("stay inside their original 95% interval (or within 0.01)" if has_ci else
             "change by at most 0.01 or 10% of their value")
    return (f"Over all attributes, {robust} of {total} key disparity and equity measures "
            f"{where} when the suspected label errors are excluded or relabelled.")


RELABEL_FAVOURS_MODEL = (
    "Relabelling uses the suggestions of the model whose probabilities found the errors, "
    "so on relabelled data that model is favoured; compare rankings after exclusion or "
    "after your reviewed corrections.")

# --- the plain-text summary (CLI) --------------------------------------------------------------


def issues_summary_lines(headline_text: str, filter_by: Any, top: pd.DataFrame,
                         by_group: pd.DataFrame) -> list[str]:
    """Headline, the most likely mislabeled rows and the per-group rates, as plain text."""
    lines = [f"FairLens labels: {headline_text}"]
    if filter_by:
        lines.append(f"Filter: {FILTER_NAMES.get(str(filter_by), filter_by)}.")
    if len(top):
        lines.append("")
        lines.append("Most likely mislabeled first:")
        for _, r in top.iterrows():
            lines.append("  " + row_line(r["row"], r["given_label"], r["suggested_label"],
                                         r["given_probability"]))
    for grouping, part in by_group.groupby("grouping", sort=False):
        lines.append("")
        lines.append(f"{grouping}: label-issue rate per group (* = q < 0.05 vs reference)")
        for _, r in part.iterrows():
            flag = " (ref)" if r["reference"] else " (small)" if r["small"] else ""
            sig = "*" if r["significant"] else " "
            q = "" if r["reference"] or r["small"] else f"  q={r['q_value']:.3g}"
            lines.append(f"  {(str(r['group']) + flag)[:32]:<32} {int(r['n']):>8} "
                         f"{int(r['n_issues']):>7}  {r['rate']:6.3f}{sig} "
                         f"[{r['rate_low']:.3f}, {r['rate_high']:.3f}]{q}")
    return lines


FILTER_NAMES = {
    "prune_by_noise_rate": "prune by noise rate (cleanlab's default)",
    "prune_by_class": "prune by class",
    "both": "both prune methods",
    "confident_learning": "off-diagonals of the confident joint",
    "predicted_neq_given": "predicted class differs from the given label",
    "low_normalized_margin": "lowest normalized margin",
    "low_self_confidence": "lowest self-confidence",
}


def listed_lines(title: str, items: Iterable[str], *, plain: bool = False) -> list[str]:
    """``title:`` then ``  - item`` per item (Markdown bold removed with ``plain``)."""
    return [f"{title}:", *(f"  - {s.replace('**', '') if plain else s}" for s in items)]


# --- the page ----------------------------------------------------------------------------------

PAGE_INTRO = (
    "Which labels are probably wrong, whether those errors sit in one group, and whether the "
    "disparities survive them. Suspected errors are found by **confident learning** "
    "(cleanlab): rows whose given label is unlikely under out-of-sample class probabilities.")
HOW_TO_READ = (
    "- A flagged row is a **suspect**, not a verdict: confident learning also flags correct "
    "labels of cases that are genuinely hard to predict. Review them below.\n"
    "- Flags come from a model's probabilities. Where that model is biased against a group, "
    "that group's correct labels look wrong to it: read a high rate together with the "
    "model's performance in that group (Fairness page), or find the errors with an "
    "independent cross-validated model of the features.")
SOURCE_HELP = (
    "Confident learning needs out-of-sample probabilities: from a model that did not "
    "train on these rows. If the file's scores come from a model trained on these rows, "
    "use a cross-validated model of the features instead.")
RATES_CAPTION = (
    "Issue rate: share of the group's rows flagged, with its 95% Wilson interval. q: "
    "two-proportion test against the reference group, Benjamini-Hochberg corrected "
    "over the groups of this attribute. Red bars: significantly higher than the "
    "reference group, teal bars: significantly lower (q < 0.05); grey bars are below "
    "the minimum group size and not tested.")
FAIRNESS_CAPTION = ("Value [95% bootstrap interval] of each key disparity and equity measure. "
                    "Differences and PSD: lower is fairer; ES: higher is fairer.")
QUALITY_CAPTION = ("Flagged rows (red) sit at the low end; a long red tail means many rows "
                   "whose given label the model finds very unlikely.")
NO_PREDICTIONS = ("Map the model's predictions on the Data page to compare the fairness audit "
                  "before and after removing the suspected errors.")
NO_SENSITIVE_AUDIT = ("Map at least one sensitive attribute to compare the audit before and "
                      "after.")
NO_SENSITIVE_RATES = "Map at least one sensitive attribute (sidebar) to compare groups."
PER_SAMPLE_PAGE = (
    "Label errors are defined for classification labels. This mapping audits a "
    "per-sample metric; map a label column with class probabilities, a score or "
    "features on the Data page.")
NO_LABEL_PAGE = ("No label column is mapped. Choose the column with the given labels on the "
                 "Data page.")
NO_SOURCE_PAGE = (
    "Nothing to find label errors with: map class probabilities or a score column, "
    "or keep feature columns in the file for a cross-validated model.")
FEATURES_HELP = ("Leave out identifiers and anything computed from the label or from the "
                 "audited model's output.")


def train_folds_hint(folds: int) -> str:
    """What pressing "Train the folds" does."""
    return ("Choose the features and press **Train the folds**: FairLens trains the "
            f"model {folds} times, each time predicting the rows it held out, so every "
            "row gets an out-of-sample probability.")


def fairness_intro(n_issues: int) -> str:
    """The paragraph above the before/after comparison."""
    return (f"The audit again, **without** the {n_issues:,} suspected errors and with their "
            "labels **replaced by the suggested label**, next to the original. A disparity that "
            "stays inside its original 95% interval is robust to the suspected errors.")


def review_progress(reviewed: int, n_issues: int, counts: dict[str, int]) -> str:
    """How far the review has come."""
    return (f"Flagged rows, most likely mislabeled first. **{reviewed:,} of "
            f"{n_issues:,}** reviewed: {counts['wrong']:,} label wrong, {counts['right']:,} "
            f"label right, {counts['unsure']:,} unsure. Decisions are saved in the workspace "
            "folder and survive a restart.")


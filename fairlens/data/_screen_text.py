"""The sentences of the column screening: why a column is left out, what a feature that
should have been left out does to the results, and the terminal summary.

The functions take a :class:`~fairlens.data.ColumnScreen` or a :class:`~fairlens.data.Screening`
(whose module imports this one). Numbers are written with plain format specs here:
:mod:`fairlens.wording` sits above :mod:`fairlens.data` and cannot be imported from it.
"""

from __future__ import annotations

from typing import Any


def _pct(value: float | None) -> str:
    if value is None:
        return "-"
    if 0.995 <= value < 1:
        return "over 99%"
    return f"{value:.0%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _how_well(auc: float | None) -> str:
    """How well a single column's AUC separates the label, in words."""
    if auc is not None and auc >= 0.95:
        return "predicts the label almost perfectly on its own"
    return "predicts the label on its own far better than an honest feature does"


def _what(c: Any) -> str:
    """The reason as a noun phrase (without "Left out:")."""
    d, against = c.detail, c.against or "the score"
    if c.reason == "identifier":
        if c.basis == "sequential":
            return f"an identifier (a row number: {_pct(d)} of its values are distinct)"
        if c.basis == "named":
            return (f"an identifier or a name (named like one, and {_pct(d)} of its values "
                    "are distinct)")
        return f"an identifier ({_pct(d)} of its values are distinct)"
    if c.reason == "free_text":
        return f"free text ({_num(d, 1)} words a value on average, and many different values)"
    if c.reason == "empty":
        return "an empty column (every value is missing)"
    if c.reason == "constant":
        return "a constant (it holds one value only, so it cannot tell rows apart)"
    if c.reason == "mostly_missing":
        return f"nearly all missing ({_pct(d)} of the rows have no value)"
    if c.reason == "date":
        return "a date or timestamp (dates are offered as the time column, not as features)"
    if c.reason == "label_leak":
        if c.basis == "function":
            return "a copy of the label (each of its values goes with one label only)"
        if c.basis == "missingness":
            return (f"whether it is filled in {_how_well(d)} (AUC {_num(d)}), so it is "
                    "probably recorded after the outcome")
        if c.basis == "implied":
            where = "where it is filled in" if c.state is None else f"where it is {c.state}"
            then = (f"{c.against} is missing" if c.against_state == ""
                    else f"{c.against} is {c.against_state}")
            return (f"{where}, {then} ({_pct(d)} of those rows), so it is probably recorded "
                    f"after the outcome, like {c.against}")
        return (f"it {_how_well(d)} (AUC {_num(d)}), so it is probably recorded after the "
                "outcome")
    if c.reason == "score_copy":
        if c.basis == "binning":
            return f"a binning of {against} (each of its values covers one range of it)"
        if c.basis == "other_model":
            return (f"another model's score (Spearman {_num(d)} with {against}); audit it as a "
                    "further model, not as a feature")
        if d is not None and d < 0.995:
            return f"nearly a monotone function of {against} (Spearman {_num(d)})"
        return f"a copy of {against} (Spearman {_num(d)})"
    if c.reason == "duplicate":
        return f"the same values as {c.against}, row for row (keep one of the two)"
    return str(c.reason)


def reason_sentence(c: Any) -> str | None:
    """Why ``c`` is left out, in one sentence ("Left out: ..."); the proposed time column's
    sentence; None for a feature or a given role."""
    if c.reason is None:
        return None
    if c.role == "time":
        return "Proposed as the time column: a date or timestamp, not a feature."
    return f"Left out: {_what(c)}."


def feature_warning(c: Any) -> str:
    """The warning for a feature that the screening would leave out."""
    if c.reason == "label_leak":
        harm = ("a model trained on it learns the outcome from the answer itself, so accuracy, "
                "slices and remedies that use it look far better than the model can be")
    elif c.reason == "score_copy":
        harm = ("a model trained on it copies the audited model, so the results that use it "
                "say little about the people and overstate how well a new model does")
    else:
        harm = ("a model can memorise rows by it, so results that use it overstate how well "
                "a model does on new people")
    return f"The feature {c.name} should be left out: {_what(c)}. {harm[0].upper()}{harm[1:]}."


def screening_warnings(screening: Any) -> list[str]:
    """What the screening could not check: leaks without a usable label, copies without a
    score."""
    spec = screening.spec
    out: list[str] = []
    if spec.label is None:
        out.append("No label column is mapped, so no column was checked for copies of the "
                   "label; name it (--label COL) to check.")
    if not (spec.score or spec.pred or spec.metric or spec.proba_prefix):
        out.append("No score or prediction column is mapped, so no column was checked for "
                   "copies of the score.")
    return out


def _roles_line(role: str, cols: list[Any]) -> str | None:
    cols = [c for c in cols if c]
    return f"  {role}: {', '.join(map(str, cols))}" if cols else None


def mapping_lines(screening: Any) -> list[str]:
    """The proposed mapping: one line per role, then the features."""
    spec = screening.spec
    lines = ["Proposed mapping:"]
    for role, cols in (("label", [spec.label]), ("score", spec.score), ("prediction", spec.pred),
                       ("probabilities", [f"{spec.proba_prefix}*" if spec.proba_prefix else None]),
                       ("metric", spec.metric), ("sensitive", spec.sensitive),
                       ("weight", [spec.weight]), ("time", [spec.time])):
        line = _roles_line(role, cols)
        if line:
            lines.append(line)
    lines.append(f"  features ({len(screening.features)}): "
                 + (", ".join(screening.features) or "none"))
    return lines


def summary_lines(screening: Any) -> list[str]:
    """The proposed mapping, then one line per left-out column with its reason."""
    lines = mapping_lines(screening)
    excluded = [c for c in screening.columns if c.role == "excluded"]
    lines.append(f"Left out ({len(excluded)} of {len(screening.columns)} columns):")
    lines += [f"  {c.name}: {_what(c)}" for c in excluded]
    lines += screening.warnings
    return lines

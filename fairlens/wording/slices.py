"""The words of error slices: conditions, slice descriptions, the CLI and page lines.

Nothing here searches or tests a slice; :mod:`fairlens.slices` computes, these functions
word what it found (the Slices page, the report and ``fairlens slices`` share them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from fairlens.wording import fmt_int

PAGE_INTRO = (
    "Where does the model fail? FairLens searches conjunctions of conditions on the features "
    "(SliceLine's score with exact pruning), tests every slice against the rest of the data "
    "with Benjamini-Hochberg control over all slices examined, and describes each slice in "
    "words with its make-up by sensitive group.")
"""What the Slices page shows, under its title."""

ERROR_LABELS: dict[str, str] = {
    "misclassification": "Misclassification (decision differs from the label)",
    "false_positive": "False positives",
    "false_negative": "False negatives",
    "log_loss": "Log-loss of the score",
    "label_issue": "Suspected label errors (from the Label errors page)",
}
"""The error signals a person chooses between, in words."""

MIN_SHARE_NAMED = 0.1
"""A sensitive group is named in a slice's description when it is at least this share of it."""
MIN_OVER_REPRESENTATION = 1.25
"""... and its share of the slice is at least this many times its share of all rows."""
MIN_SHARE_GAIN = 0.05
"""... and at least this many points (5) above it: "10% of them (10% overall)" says nothing."""


def format_value(value: Any) -> str:
    """A condition's value: floats in their shortest form (``25.0`` -> ``"25"``)."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe_conditions(conditions: list[dict[str, Any]]) -> str:
    """Conditions in words: ``"age under 25 and region is north"``."""
    parts = []
    for c in conditions:
        f, op, v = c["feature"], c["op"], c["value"]
        if op == "==" and v is None:
            parts.append(f"{f} is missing")
        elif op == "==":
            parts.append(f"{f} is {format_value(v)}")
        elif op == "<":
            parts.append(f"{f} under {format_value(v)}")
        elif op == ">=":
            parts.append(f"{f} at least {format_value(v)}")
        elif op == "between":
            parts.append(f"{f} {format_value(v[0])} to under {format_value(v[1])}")
        else:
            parts.append(f"{f} {op} {format_value(v)}")
    return " and ".join(parts)


def describe_slice(conditions: list[dict[str, Any]], rate: float, mean_error: float, size: int,
                   composition: Mapping[str, Mapping[str, float]],
                   overall_composition: Mapping[str, Mapping[str, float]],
                   binary: bool) -> str:
    """One slice in a sentence: its conditions, error, size and most over-represented group
    (named only when it is clearly over-represented: :data:`MIN_SHARE_NAMED`,
    :data:`MIN_OVER_REPRESENTATION`, :data:`MIN_SHARE_GAIN`).

    Parameters
    ----------
    conditions : list of dict
        The slice's conditions (see :func:`describe_conditions`).
    rate, mean_error : float
        The slice's mean error and the overall one.
    size : int
        Rows in the slice.
    composition, overall_composition : mapping
        ``{attribute: {value: share}}`` in the slice and in all rows.
    binary : bool
        0/1 errors (worded as rates) or losses (worded as means).
    """
    what = (f"error rate {rate:.0%} vs {mean_error:.0%} overall" if binary
            else f"mean error {rate:.3g} vs {mean_error:.3g} overall")
    text = f"{describe_conditions(conditions)}: {what}, {fmt_int(size)} rows"
    best = None
    for attr, shares in composition.items():
        for value, share in shares.items():
            base = overall_composition[attr].get(value, 0.0)
            if (base > 0 and share >= MIN_SHARE_NAMED
                    and share >= MIN_OVER_REPRESENTATION * base
                    and share - base >= MIN_SHARE_GAIN
                    and f"{share:.0%}" != f"{base:.0%}"):
                ratio = share / base
                if best is None or ratio > best[0]:
                    best = (ratio, attr, value, share, base)
    if best is not None:
        _, attr, value, share, base = best
        text += (f"; {share:.0%} of the slice is {attr} {format_value(value)} "
                 f"(against {base:.0%} of all rows)")
    return text


def significance_mark(significant: bool, *, markdown: bool = False) -> str:
    """``"significant"`` (red and bold on a page) or ``"not significant"``."""
    if not significant:
        return "not significant"
    return ":red[**significant**]" if markdown else "significant"


def slice_line(description: str, significant: bool, q_value: float, *,
               markdown: bool = False) -> str:
    """``"<description> (significant, q = 0.0012)"``: one slice in a list."""
    mark = significance_mark(significant, markdown=markdown)
    return f"{description} ({mark}, q = {q_value:.2g})"


def summary_header(n: int, error: str, overall_error: float, n_examined: int) -> str:
    """The first line of ``fairlens slices``' summary."""
    return (f"FairLens slices: {n} rows, overall {error} rate {overall_error:.1%}, "
            f"{n_examined} slices examined")


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The slices table as shown: intervals as ``"a% - b%"``, p- and q-values to 2 digits."""
    out = table.copy()
    if len(out):
        out["ci"] = out["ci"].map(lambda c: f"{c[0]:.1%} - {c[1]:.1%}")
        for col in ("p_value", "q_value"):
            if col in out:
                out[col] = out[col].map(lambda v: f"{v:.2g}")
    return out

"""The sentences of a drift analysis (one place, shared by the page, the report and the CLI)."""

from __future__ import annotations

import math
from typing import Any

from fairlens.wording import fmt, fmt_int, measure_label, metric_label

_ES_PREFIX = "es_"


def measure_name(measure: str) -> str:
    """A measure for a person: ``"TPR"``, ``"Equal opportunity difference"``, ``"ES-AUC"``."""
    if measure.startswith(_ES_PREFIX):
        return f"ES-{metric_label(measure[len(_ES_PREFIX):])}"
    return measure_label(measure)


def q_text(q: float) -> str:
    """``q = 0.003``, or ``q < 0.001`` for smaller values."""
    return "q < 0.001" if q < 0.001 else f"q = {fmt(q, 3)}"


def subject(measure: str, grouping: str, group: str | None) -> str:
    """``"the TPR of race = B"`` or ``"the equal opportunity difference (race)"``."""
    name = measure_name(measure)
    if name[:2] != name[:2].upper():
        name = name[:1].lower() + name[1:]
    if group is not None:
        return f"the {name} of {grouping} = {group}"
    return f"the {name} ({grouping})"


def change_sentence(row: dict[str, Any], *, alpha: float) -> str:
    """One sentence for a detected change (a test or a CUSUM alarm)."""
    before, after = float(row["before"]), float(row["after"])
    verb = "rose" if after > before else "fell" if after < before else "stayed"
    what = subject(row["measure"], row["grouping"], row["group"])
    where = row["window"]
    against = {"baseline": f"the baseline ({row['reference_label']})",
               "previous": f"the window before ({row['reference_label']})",
               "cusum": f"the windows before it ({row['reference_label']})"}[row["reference"]]
    head = (f"{what[0].upper()}{what[1:]} {verb} from {fmt(before, 2)} to {fmt(after, 2)} in "
            f"{where}, compared with {against}")
    if row["reference"] == "cusum":
        return (f"{head}; the CUSUM monitor raised an alarm (statistic "
                f"{fmt(row['statistic'], 1)} above its limit {fmt(row['limit'], 1)}).")
    q = float(row["q_value"])
    if math.isnan(q):
        return f"{head}; the change could not be tested."
    verdict = "significant" if q < alpha else "not significant"
    return f"{head}; the change is {verdict}, {q_text(q)}."


def window_sentence(label: str, n: int) -> str:
    """``"March 2026: 2,000 rows"``."""
    return f"{label}: {fmt_int(n)} rows"

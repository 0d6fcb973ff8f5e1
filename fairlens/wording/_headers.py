"""Column headers of the tables FairLens shows: one name for a person per internal column.

Tables that FairLens builds (per-group metrics, slices, label-error queues, remedy points)
carry internal column names such as ``error_rate`` or ``p_value``; every page, the HTML/PDF
report and the CSV downloads shown next to them use :func:`header` so that a column is called
the same everywhere. User columns (a preview of the uploaded file) keep their own names.
"""

from __future__ import annotations

import pandas as pd

from fairlens.wording.metrics import METRIC_LABELS

COLUMN_HEADERS: dict[str, str] = {
    "n": "Rows",
    "n_rows": "Rows",
    "size": "Rows",
    "count": "Rows",
    "share": "Share of rows",
    "group": "Group",
    "grouping": "Grouping",
    "attribute": "Attribute",
    "feature": "Feature",
    "value": "Value",
    "metric": "Metric",
    "measure": "Measure",
    "difference": "Difference",
    "ratio": "Ratio",
    "error_rate": "Error rate",
    "p_value": "p-value",
    "q_value": "q-value (BH)",
    "ci_low": "Interval low",
    "ci_high": "Interval high",
    "low": "Interval low",
    "high": "Interval high",
    "threshold": "Threshold",
    "reference": "Reference",
    "description": "Description",
    "importance": "Importance",
    "weight": "Weight",
    "label": "Label",
    "given_label": "Given label",
    "suggested_label": "Suggested label",
    "label_quality": "Label quality",
    "row": "Row",
    "window": "Window",
    "start": "Start",
    "end": "End",
    "flags": "Flags",
    "column": "Column",
    "type": "Type",
    "distinct": "Distinct values",
    "missing": "Missing",
    "examples": "Examples",
    "ci": "95% interval",
    "lift": "Lift",
    "significant": "Significant",
    "score": "Score",
}
"""Internal column name -> the header a person reads (metric names come from
:data:`fairlens.wording.metrics.METRIC_LABELS`)."""


def header(name: object) -> str:
    """The header of an internal column ``name`` (``error_rate`` -> ``Error rate``).

    Known columns and metric names get their fixed header; other snake_case names get their
    underscores turned into spaces and a capital first letter.
    """
    text = str(name)
    if text in COLUMN_HEADERS:
        return COLUMN_HEADERS[text]
    if text in METRIC_LABELS:
        return str(METRIC_LABELS[text])
    if "_" in text and text == text.lower():
        words = text.replace("_", " ").strip()
        return words[:1].upper() + words[1:]
    return text


def person_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`header` applied to every column name (a renamed copy)."""
    return frame.rename(columns={c: header(c) for c in frame.columns})

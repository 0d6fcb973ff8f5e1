"""The report's content model: sections of paragraphs, bullets, tables and figure requests.

Both renderers (HTML and PDF) walk the same :class:`Section` list, so the two documents always
carry the same numbers. Text may carry ``**bold**`` markers; renderers escape the text first
and then turn the markers into bold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fairlens.wording import fmt, fmt_int, header, is_missing

MAX_TABLE_ROWS = 60
"""Longest table drawn in the documents (the CSV and JSON files hold every row)."""


@dataclass
class Table:
    """A display table: formatted cells, a CSS-like class per row and a note under it."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    row_classes: list[str] = field(default_factory=list)
    note: str = ""
    truncated: int = 0
    keep: tuple[str, ...] = ()
    """Columns named by the user's data (group values): shown as they are."""

    def __post_init__(self) -> None:
        self.columns = [c if c in self.keep else person_header(c) for c in self.columns]


def person_header(name: object) -> str:
    """A column header for a person: :func:`fairlens.wording.header` (``error_rate`` ->
    ``Error rate``, ``n`` -> ``Rows``), with a capital first letter (``p-value`` and
    ``q-value`` keep theirs)."""
    text = header(name)
    if text[:1].islower() and not text.startswith(("p-", "q-")):
        text = text[:1].upper() + text[1:]
    return text


@dataclass
class Figure:
    """A request for a chart; each renderer draws it its own way (plotly or matplotlib).

    ``kind`` is ``"group_bars"`` (``data``: per-group rows and metrics), ``"disparities"``
    (``data``: measure rows with CIs) or ``"bars"`` (``data``: labelled values).
    """

    kind: str
    title: str
    data: dict[str, Any]


@dataclass
class Section:
    """One heading of the report with its paragraphs, bullet list, tables and figures."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    code: str | None = None


def frame_table(frame: pd.DataFrame, title: str, *, note: str = "",
                formats: dict[str, str] | None = None, classes: list[str] | None = None,
                max_rows: int = MAX_TABLE_ROWS, keep: tuple[str, ...] = ()) -> Table:
    """A :class:`Table` from a frame: numbers to 3 decimals, counts with separators."""
    formats = formats or {}
    rows = []
    for _, r in frame.head(max_rows).iterrows():
        cells = []
        for c in frame.columns:
            v = r[c]
            kind = formats.get(c)
            if kind == "int":
                cells.append(fmt_int(v))
            elif kind == "text" or isinstance(v, str):
                cells.append(str(v))
            elif isinstance(v, bool):
                cells.append("yes" if v else "no")
            elif isinstance(v, (int, float)) or is_missing(v):
                cells.append(fmt(v, 3 if kind is None else int(kind)) if not (
                    isinstance(v, int) and kind is None) else fmt_int(v))
            else:
                cells.append(str(v))
        rows.append(cells)
    return Table(title, [str(c) for c in frame.columns], rows,
                 (classes or [""] * len(frame))[:max_rows], note,
                 max(0, len(frame) - max_rows), tuple(str(k) for k in keep))

"""Every number format, name and sentence a user reads: pages, the report and the CLI share it.

Nothing here computes a metric: every number comes from a result object (its frames and its
JSON document); these functions only choose, order, format and word them, so a finding is
worded in one place. The modules:

- :mod:`fairlens.wording._numbers`: numbers, intervals and counts (``fmt``, ``fmt_ci``);
- :mod:`fairlens.wording.metrics`: metric and measure names, the per-group table's columns;
- :mod:`fairlens.wording.audit`: an audit's findings (per-group tables, disparity sentences);
- :mod:`fairlens.wording.report`: the report's summary and limitations;
- ``labels``, ``slices``, ``remedies``, ``explain``: each analysis' own words.

The analyses' modules are imported by their full path (``from fairlens.wording.slices import
...``); this package exports the shared core.
"""

from __future__ import annotations

from fairlens.wording._headers import COLUMN_HEADERS, header, person_headers
from fairlens.wording._numbers import UNDEFINED, fmt, fmt_ci, fmt_int, is_missing
from fairlens.wording._text import could_not_run, md, names, plain
from fairlens.wording.audit import (
    MAX_LISTED,
    SIGNIFICANCE_MARK,
    ci_phrase,
    disparity_sentences,
    equity_sentences,
    equity_table,
    group_rows,
    group_table,
    headline,
    ranking_table,
    spread_phrase,
)
from fairlens.wording.harm import (
    OutcomeWords,
    error_rate_priority,
    four_fifths_sentences,
    outcome_words,
    priority_metrics,
)
from fairlens.wording.metrics import (
    BINARY_TABLE_METRICS,
    MEASURE_LABELS,
    METRIC_HELP,
    METRIC_LABELS,
    MULTICLASS_TABLE_METRICS,
    es_label,
    groupings_of,
    measure_label,
    metric_label,
    table_metrics,
)

__all__ = [
    "COLUMN_HEADERS",
    "header",
    "person_headers",
    "OutcomeWords",
    "error_rate_priority",
    "four_fifths_sentences",
    "outcome_words",
    "priority_metrics",
    "names",
    "could_not_run",
    "BINARY_TABLE_METRICS",
    "MAX_LISTED",
    "MEASURE_LABELS",
    "METRIC_HELP",
    "METRIC_LABELS",
    "MULTICLASS_TABLE_METRICS",
    "SIGNIFICANCE_MARK",
    "UNDEFINED",
    "ci_phrase",
    "disparity_sentences",
    "equity_sentences",
    "equity_table",
    "es_label",
    "fmt",
    "fmt_ci",
    "fmt_int",
    "group_rows",
    "group_table",
    "groupings_of",
    "headline",
    "is_missing",
    "md",
    "measure_label",
    "metric_label",
    "plain",
    "ranking_table",
    "spread_phrase",
    "table_metrics",
]

"""Error-slice discovery: where the model fails, in words, with significance.

:func:`find_slices_spec` searches conjunctions of conditions on the mapped features
(SliceLine's score and exact pruning), tests each slice against the rest with
Benjamini-Hochberg control, collapses redundant children and describes each slice in plain
language with its composition by sensitive group; :func:`find_slices` is the same search with
the columns named by keyword. The search is registered as the ``"sliceline"`` analysis of the
``"slices"`` family (:class:`SliceLine`). :func:`error_tree` (drawn by
:func:`error_tree_figure`) and :func:`error_heatmap` build plotly figures to explore the error
signal.
"""

from fairlens.slices._api import (
    error_signal,
    error_signal_spec,
    find_slices,
    find_slices_spec,
)
from fairlens.slices._binning import bin_features, readable_edges
from fairlens.slices._candidates import candidate_features
from fairlens.slices._finder import SliceLine
from fairlens.slices._kernels import warm_up as warm_up_kernels
from fairlens.slices._plots import (
    error_heatmap,
    error_heatmap_table,
    error_tree,
    error_tree_figure,
)
from fairlens.slices._result import SCHEMA, Slice, SliceResult, slice_mask
from fairlens.slices._search import score_upper_bound, slice_score
from fairlens.wording.slices import describe_conditions

__all__ = [
    "warm_up_kernels",
    "SCHEMA",
    "Slice",
    "SliceLine",
    "SliceResult",
    "bin_features",
    "candidate_features",
    "describe_conditions",
    "error_heatmap",
    "error_heatmap_table",
    "error_signal",
    "error_signal_spec",
    "error_tree",
    "error_tree_figure",
    "find_slices",
    "find_slices_spec",
    "readable_edges",
    "score_upper_bound",
    "slice_mask",
    "slice_score",
]

from fairlens.slices import _section  # noqa: E402,F401 - registers the report section

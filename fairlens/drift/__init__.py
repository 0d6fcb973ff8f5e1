"""Fairness over time: every group metric and disparity per window, with intervals and tests.

:func:`drift_spec` cuts a predictions log into windows (calendar periods, fixed numbers of rows
or batches), audits each window from count tables built in one pass with the window as one
more key, and tests each window against a baseline and against the window before
(Benjamini-Hochberg over all windows and measures; optionally a CUSUM monitor).
"""

from fairlens.drift._api import drift, drift_spec
from fairlens.drift._changes import CUSUM_H, CUSUM_K, cusum, cusum_arl
from fairlens.drift._compare import ModelComparison, compare_spec, fit_curve, model_comparison
from fairlens.drift._result import SCHEMA, Change, Drift, Window
from fairlens.drift._windows import WINDOW_CHOICES, WindowPlan, parse_window, plan_windows

__all__ = [
    "CUSUM_H",
    "CUSUM_K",
    "SCHEMA",
    "WINDOW_CHOICES",
    "Change",
    "Drift",
    "ModelComparison",
    "Window",
    "WindowPlan",
    "compare_spec",
    "cusum",
    "cusum_arl",
    "drift",
    "drift_spec",
    "fit_curve",
    "model_comparison",
    "parse_window",
    "plan_windows",
]

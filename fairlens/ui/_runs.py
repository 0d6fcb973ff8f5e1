"""What the analyst ran on the pages, with its settings: the report reproduces exactly that.

A page that runs an analysis calls :func:`record_run` with the analysis' report-section name
(``"labels"``, ``"slices"``, ``"explain"``, ``"remedy"``) and the keyword arguments that the
registered report section takes (JSON-safe values only: strings, numbers, booleans, lists).
The Report page reads :func:`recorded_runs` and builds each section with those arguments; a
section the analyst did not run on a page is run with stated defaults. The record belongs to
the active data: opening other data starts an empty record.
"""

from __future__ import annotations

import copy
from typing import Any

import streamlit as st

RUNS = "fl_runs"
"""Session key: ``{"data": data key, "runs": {analysis: params}}``."""


def _data_key() -> str | None:
    from fairlens.ui._session import active

    return active().key


def record_run(analysis: str, params: dict[str, Any]) -> None:
    """Record that ``analysis`` ran on a page of the active data with section ``params``."""
    key = _data_key()
    saved = st.session_state.get(RUNS)
    if not saved or saved.get("data") != key:
        saved = {"data": key, "runs": {}}
    saved["runs"][analysis] = copy.deepcopy(dict(params))
    st.session_state[RUNS] = saved


def recorded_runs() -> dict[str, dict[str, Any]]:
    """The analyses run on the pages of the active data (analysis -> section params)."""
    saved = st.session_state.get(RUNS)
    if not saved or saved.get("data") != _data_key():
        return {}
    return copy.deepcopy(saved["runs"])

"""Showing tables on a page: as data (never Markdown), formula-safe, with headers for a person.

Streamlit's table toolbar offers "Download as CSV" of exactly what is shown, so every table a
page shows goes through :func:`table`: its text cells are made formula-safe by the same writer
as FairLens's own CSV downloads (:func:`fairlens._csv.formula_safe`), and FairLens's internal
column names get their headers from :func:`fairlens.wording.header`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from fairlens._csv import formula_safe
from fairlens.wording._headers import person_headers


def shown_frame(frame: pd.DataFrame, *, headers: bool = True) -> pd.DataFrame:
    """What :func:`table` shows: a formula-safe copy, internal headers renamed when
    ``headers`` (leave ``headers=False`` for the user's own columns, as in a file preview)."""
    out = person_headers(frame) if headers else frame
    return formula_safe(out)


def table(frame: pd.DataFrame, *, headers: bool = True, width: Any = "stretch",
          **kwargs: Any) -> Any:
    """``st.dataframe`` of :func:`shown_frame` without the index (other keyword arguments go to
    ``st.dataframe``: ``key``, ``height``, ``column_config``, ``on_select`` ...)."""
    kwargs.setdefault("hide_index", True)
    return st.dataframe(shown_frame(frame, headers=headers), width=width, **kwargs)

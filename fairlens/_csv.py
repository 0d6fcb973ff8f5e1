"""Formula-safe CSV: the one writer every FairLens CSV export uses.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection). Such text cells get a leading single quote; plain negative
numbers stay numbers.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet treat a cell as a formula."""
_PLAIN_NEGATIVE = re.compile(r"^-(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading quote when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and \
            not _PLAIN_NEGATIVE.match(value):
        return "'" + value
    return value


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` that spreadsheets cannot run as formulas.

    Text cells (and column names) that begin with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return get a leading single quote; plain negative numbers (``-3``, ``-0.25``) and
    numeric columns are left as they are.
    """
    out = frame.copy()
    for c in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c])):
            out[c] = out[c].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as formula-safe UTF-8 CSV (no index; RFC 4180 CRLF line ends, so that cells
    holding a carriage return or a line feed are quoted)."""
    buffer = io.StringIO()
    formula_safe(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8")

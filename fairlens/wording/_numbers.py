"""Number and interval formats: the one way every page, report and CLI line writes a number."""

from __future__ import annotations

import math
from typing import Any

UNDEFINED = "-"
"""What an undefined number (None, NaN) is written as."""


def is_missing(value: Any) -> bool:
    """True for None and NaN (Python, numpy or a numeric string)."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def fmt(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals; ``-`` when undefined."""
    if is_missing(value):
        return UNDEFINED
    return f"{float(value):.{digits}f}"


def fmt_ci(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    """``"0.588 [0.571, 0.604]"``; the interval is left out when it is undefined."""
    text = fmt(value, digits)
    if text == UNDEFINED or is_missing(low) or is_missing(high):
        return text
    return f"{text} [{float(low):.{digits}f}, {float(high):.{digits}f}]"


def fmt_int(value: Any) -> str:
    """An integer with thousands separators (``7,214``); ``-`` when undefined."""
    return UNDEFINED if is_missing(value) else f"{int(value):,}"

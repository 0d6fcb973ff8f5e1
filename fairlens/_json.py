"""JSON-safe copies of results: the one converter behind every ``to_dict``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def json_safe(value: Any) -> Any:
    """A JSON-safe copy of ``value``.

    NaN and infinities become ``None``; numpy scalars and arrays become Python numbers and
    lists; dict keys become strings; lists, tuples and dicts are converted recursively.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value[()]) if value.ndim == 0 else [json_safe(v) for v in value.tolist()]
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    return value

"""Shared helpers of the drift tests: comparing documents to a tolerance."""

from __future__ import annotations

import math
from typing import Any


def assert_close(a: Any, b: Any, *, tol: float = 1e-12, path: str = "") -> None:
    """Assert two JSON-like documents are equal, numbers to ``tol`` (absolute)."""
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert set(a) == set(b), f"{path}: keys {sorted(set(a) ^ set(b))}"
        for k in a:
            assert_close(a[k], b[k], tol=tol, path=f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: {a!r} vs {b!r}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, tol=tol, path=f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        assert math.isclose(a, b, rel_tol=0, abs_tol=tol), f"{path}: {a!r} vs {b!r}"
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """An audit document without the parts that may differ between equal audits (the words
    of validation warnings, which name the whole log's columns)."""
    return {k: v for k, v in doc.items() if k not in ("warnings", "spec")}

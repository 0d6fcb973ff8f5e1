"""Helpers shared by the test folders: small generated frames, strategies and assertions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import fairlens
from fairlens import FairLensInputError

# --- validation: a small frame with race and sex --------------------------------------------


def small_frame(n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame({
        "y": y,
        "score": np.round(np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1), 3),
        "race": rng.choice(["Black", "White", "Asian"], n),
        "sex": rng.choice(["F", "M"], n),
        "w": rng.uniform(0.5, 2.0, n),
    })


def with_value(frame: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    """``frame`` with ``value`` in one cell (the column becomes ``object`` to hold any value)."""
    frame = frame.astype({column: object})
    frame.loc[row, column] = value
    return frame


def small_audit(frame, **kw):
    opts = {"label": "y", "score": "score", "sensitive": ["race", "sex"], "bootstrap": 0}
    opts.update(kw)
    return fairlens.audit(frame, **opts)


def input_error(fn, *args, **kw) -> str:
    with pytest.raises(FairLensInputError) as info:
        fn(*args, **kw)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def assert_contains(message: str, *parts: str) -> None:
    for part in parts:
        assert part.lower() in message.lower(), f"{part!r} not in {message!r}"


# --- property tests: a binary frame with attributes a and b --------------------------------


FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# Numerical noise allowed between two runs on the same rows in another order: score and loss
# sums are accumulated in row order, so Brier/ECE (and replicates scaled by them) may differ in
# the last bits.
REL, ABS = 1e-9, 1e-12


SCORES = st.one_of(
    st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]),  # ties, and values at the threshold
    st.floats(0.0, 1.0, allow_nan=False),
)


@st.composite
def binary_frames(draw, min_rows=1, max_rows=60, missing=True, single_class=True):
    """A binary-task frame: y (0/1), score in [0, 1], sensitive ``a`` (str) and ``b`` (int)."""
    n = draw(st.integers(min_rows, max_rows))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    if not single_class and len(set(y)) < 2:
        y[-1] = 1 - y[0]  # both classes present (callers ask for at least two rows)
    score = draw(st.lists(SCORES, min_size=n, max_size=n))
    a_values = ["u", "v", "w"] + ([None] if missing else [])
    a = draw(st.lists(st.sampled_from(a_values), min_size=n, max_size=n))
    if all(v is None for v in a):
        a[0] = "u"
    b_values = [1, 2] + ([None] if missing else [])
    b = draw(st.lists(st.sampled_from(b_values), min_size=n, max_size=n))
    if all(v is None for v in b):
        b[0] = 1
    return pd.DataFrame({"y": y, "score": score, "a": a, "b": b})


def document_leaves(obj, path=()):
    """Every leaf of a to_dict() document as (path, value)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from document_leaves(v, (*path, str(k)))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from document_leaves(v, (*path, i))
    else:
        yield path, obj


def as_number(value):
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return None


def assert_same_document(d1, d2):
    l1 = dict(document_leaves({k: v for k, v in d1.items() if k != "warnings"}))
    l2 = dict(document_leaves({k: v for k, v in d2.items() if k != "warnings"}))
    assert l1.keys() == l2.keys()
    for path, v1 in l1.items():
        v2 = l2[path]
        x1, x2 = as_number(v1), as_number(v2)
        if x1 is not None and x2 is not None:
            if math.isnan(x1) or math.isnan(x2):
                assert math.isnan(x1) and math.isnan(x2), path
            else:
                assert x1 == pytest.approx(x2, rel=REL, abs=ABS), path
        else:
            assert v1 == v2, path
    assert sorted(d1["warnings"]) == sorted(d2["warnings"])


def audit_ab(frame, **kw):
    opts = {"label": "y", "score": "score", "sensitive": ["a", "b"], "bootstrap": 0, "seed": 0}
    opts.update(kw)
    return fairlens.audit(frame, **opts)

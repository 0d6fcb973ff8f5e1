"""Property tests of the count tables: row order does not matter and group counts add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairlens.data import MISSING_GROUP
from tests._helpers import (
    ABS,
    FAST,
    REL,
    assert_same_document,
    audit_ab,
    binary_frames,
)

pytestmark = pytest.mark.usefixtures("quiet_numpy")


@FAST
@given(frame=binary_frames(min_rows=2, single_class=False), seed=st.integers(0, 2**32 - 1))
def test_permutation_invariance_of_tables(frame, seed):
    order = np.random.default_rng(seed).permutation(len(frame))
    shuffled = frame.iloc[order].reset_index(drop=True)
    a1, a2 = audit_ab(frame, min_group_size=0), audit_ab(shuffled, min_group_size=0)
    pd.testing.assert_frame_equal(a1.by_group, a2.by_group, rtol=REL, atol=ABS)
    pd.testing.assert_frame_equal(a1.equity, a2.equity, rtol=REL, atol=ABS)
    pd.testing.assert_frame_equal(a1.disparities, a2.disparities, rtol=REL, atol=ABS)
    pd.testing.assert_frame_equal(a1.sweep(), a2.sweep(), rtol=REL, atol=ABS)
    moved1, moved2 = a1.at_threshold(0.25).to_dict(), a2.at_threshold(0.25).to_dict()
    assert_same_document(moved1, moved2)


@FAST
@given(frame=binary_frames(), min_group_size=st.sampled_from([0, 5, 30]))
def test_group_counts_add_up(frame, min_group_size):
    result = audit_ab(frame, min_group_size=min_group_size)
    doc = result.to_dict()
    n = len(frame)
    assert doc["n_rows"] == n
    groups = pd.DataFrame(
        [{"grouping": g["grouping"], "n": g["n"], **g["attributes"]} for g in doc["groups"]])
    assert set(groups["grouping"]) == {"a", "b", "a x b"}
    for name, rows in groups.groupby("grouping"):
        assert rows["n"].sum() == n, name
        assert (rows["n"] > 0).all(), name
    # Missing values are a group of their own, never dropped.
    for col in ("a", "b"):
        rows = groups[groups["grouping"] == col]
        n_missing = int(frame[col].isna().sum())
        missing_rows = rows[rows[col].astype(str) == MISSING_GROUP]
        assert int(missing_rows["n"].sum()) == n_missing
        # Each attribute group equals the sum of its intersection cells.
        inter = groups[groups["grouping"] == "a x b"]
        for value, count in zip(rows[col], rows["n"], strict=True):
            assert inter.loc[inter[col].astype(str) == str(value), "n"].sum() == count
    # The by_group frame tells the same story.
    by = result.by_group
    assert (by.groupby("grouping")["n"].sum() == n).all()
    # Groups below the minimum size are flagged, the others are not.
    assert (by["small"] == (by["n"] < min_group_size)).all()

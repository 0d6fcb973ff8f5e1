"""Slice descriptions name a sensitive group only when it says something."""

from __future__ import annotations

from fairlens.wording.slices import describe_slice

CONDITIONS = [{"feature": "age", "op": "<", "value": 25.0}]


def _describe(share: float, base: float) -> str:
    return describe_slice(CONDITIONS, 0.41, 0.35, 1000,
                          {"race": {"Asian": share, "Other": 1 - share}},
                          {"race": {"Asian": base, "Other": 1 - base}}, binary=True)


def test_a_group_as_common_as_overall_is_not_named():
    assert _describe(0.10, 0.10) == "age under 25: error rate 41% vs 35% overall, 1,000 rows"
    assert "Asian" not in _describe(0.11, 0.10), "1 point more says nothing"
    assert "Asian" not in _describe(0.12, 0.10), "under 1.25 times and 5 points"


def test_an_over_represented_group_is_named_with_both_shares():
    assert _describe(0.57, 0.21) == (
        "age under 25: error rate 41% vs 35% overall, 1,000 rows; 57% of the slice is race "
        "Asian (against 21% of all rows)")

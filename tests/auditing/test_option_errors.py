"""Errors of the audit's options: reference groups, bootstrap replicates, minimum group size."""

from __future__ import annotations

import pytest

from tests._helpers import (
    assert_contains,
    input_error,
    small_audit,
    small_frame,
)

pytestmark = pytest.mark.usefixtures("quiet_numpy")


def test_reference_group_not_found():
    msg = input_error(small_audit, small_frame(), reference="Martian")
    assert_contains(msg, "'Martian'", "does not occur", "Black", "White", "largest group")


def test_reference_group_not_found_in_the_named_grouping():
    msg = input_error(small_audit, small_frame(), reference={"race": "F"})
    assert_contains(msg, "'F'", "'race'", "Asian", "Pick one of the listed groups")


def test_reference_for_unknown_grouping():
    msg = input_error(small_audit, small_frame(), reference={"religion": "x"})
    assert_contains(msg, "religion", "race")


def test_reference_group_is_used():
    result = small_audit(small_frame(), reference={"race": "Asian"})
    by = result.by_group
    ref = by[(by["grouping"] == "race") & by["reference"]]
    assert ref["group"].tolist() == ["Asian"]


@pytest.mark.parametrize("bootstrap", [1, 49, -5])
def test_bootstrap_too_small(bootstrap):
    msg = input_error(small_audit, small_frame(), bootstrap=bootstrap)
    assert_contains(msg, "bootstrap", "at least 50", repr(bootstrap))


def test_negative_min_group_size():
    msg = input_error(small_audit, small_frame(), min_group_size=-1)
    assert_contains(msg, "min_group_size", "non-negative", "-1")

"""The data contract for frames given through the API and the group budgets (issue 15, 2/6).

Duplicate and non-string column names, values that cannot form groups, values that print the
same, and the limits on groups per attribute and per intersection.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens.data import AuditSpec, _prepare, bucket_rare, prepare
from tests._helpers import assert_contains, input_error

pytestmark = pytest.mark.usefixtures("quiet_numpy")

N = 400


def _frame(race) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"label": rng.integers(0, 2, N), "score": rng.random(N), "race": race})


def _groups(audit: fairlens.Audit, grouping: str = "race") -> dict:
    return {tuple(g["attributes"].values()): g["n"] for g in audit.to_dict()["groups"]
            if g["grouping"] == grouping}


def test_duplicate_column_names_in_a_frame_are_an_input_error():
    frame = _frame(["a", "b"] * (N // 2))
    frame["other"] = "c"
    frame.columns = ["label", "score", "race", "race"]
    msg = input_error(fairlens.audit, frame, label="label", score="score", sensitive="race")
    assert_contains(msg, "duplicate column names: 'race'", "Rename")
    spec = AuditSpec(label="label", score=["score"], sensitive=["race"])
    assert_contains(input_error(prepare, frame, spec), "'race'")
    assert any("'race'" in p for p in spec.problems(frame))


def test_integer_column_names_are_read_as_their_text():
    base = _frame(["a", "b"] * (N // 2))
    numbered = base.set_axis([0, 1, 2], axis=1)
    expected = _groups(fairlens.audit(base.set_axis(["0", "1", "2"], axis=1),
                                      label="0", score="1", sensitive="2"), "2")
    assert _groups(fairlens.audit(numbered, label=0, score=1, sensitive=2), "2") == expected
    assert _groups(fairlens.audit(numbered, label="0", score="1", sensitive=["2"]),
                   "2") == expected == {("a",): N // 2, ("b",): N // 2}


def test_column_names_that_print_the_same_are_refused():
    frame = _frame(["a", "b"] * (N // 2)).set_axis(["label", 1, "1"], axis=1)
    msg = input_error(fairlens.audit, frame, label="label", score="1", sensitive="1")
    assert_contains(msg, "become the same text ('1')", "Rename")


def test_values_that_print_the_same_are_one_group():
    race = pd.Series([1, "1", "2", 2.5] * (N // 4), dtype=object)
    groups = _groups(fairlens.audit(_frame(race), label="label", score="score",
                                    sensitive="race"))
    assert groups == {("1",): N // 2, ("2",): N // 4, ("2.5",): N // 4}


def test_unhashable_values_are_an_input_error():
    msg = input_error(fairlens.audit, _frame(pd.Series([[1], [2]] * (N // 2))),
                      label="label", score="score", sensitive="race")
    assert_contains(msg, "'race'", "list", "cannot form groups")


def test_a_column_of_100000_values_is_refused_before_any_table(monkeypatch):
    n = 100_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"label": rng.integers(0, 2, n), "score": rng.random(n),
                          "race": [f"g{i}" for i in range(n)]})
    start = time.perf_counter()
    msg = input_error(fairlens.audit, frame, label="label", score="score", sensitive="race")
    assert time.perf_counter() - start < 10
    assert_contains(msg, "'race' has 100,000 distinct values", "limit of 1,000",
                    "--bucket-rare N", "fairlens.data.bucket_rare", "FAIRLENS_MAX_GROUPS")
    # The offered remedy works: the 50 most frequent values and "other".
    bucketed = _prepare.bucket_sensitive(frame, ["race"], 50)
    assert bucketed["race"].nunique() == 51 and frame["race"].nunique() == n
    frame["race"] = bucket_rare(frame["race"], top=50)
    assert len(_groups(fairlens.audit(frame, label="label", score="score",
                                      sensitive="race"))) == 51
    monkeypatch.setenv(_prepare.MAX_GROUPS_ENV, "10")
    msg = input_error(fairlens.audit, frame, label="label", score="score", sensitive="race")
    assert_contains(msg, "51 distinct values", "limit of 10")


def test_numeric_attributes_with_many_values_are_cut_not_refused():
    audit = fairlens.audit(_frame(np.arange(N)), label="label", score="score",
                           sensitive="race")
    assert len(_groups(audit)) == 4


def test_the_intersection_limit(monkeypatch):
    rng = np.random.default_rng(2)
    frame = _frame(rng.choice(list("abcdefghij"), N))
    frame["sex"] = rng.choice(list("mfxyz"), N)
    monkeypatch.setenv(_prepare.MAX_INTERSECTION_GROUPS_ENV, "20")
    msg = input_error(fairlens.audit, frame, label="label", score="score",
                      sensitive=["race", "sex"])
    assert_contains(msg, "intersection of 'race' x 'sex' has 50 groups", "limit of 20",
                    "--bucket-rare", "FAIRLENS_MAX_INTERSECTION_GROUPS")
    monkeypatch.setenv(_prepare.MAX_INTERSECTION_GROUPS_ENV, "50")
    assert len(_groups(fairlens.audit(frame, label="label", score="score",
                                      sensitive=["race", "sex"]), "race x sex")) == 50

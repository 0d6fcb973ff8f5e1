"""Windows: calendar periods, fixed row counts and batches; their names; bad time columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlens import AuditOptions, AuditSpec
from fairlens.data import FairLensInputError
from fairlens.datasets import make_drift_log
from fairlens.drift import drift_spec, parse_window, plan_windows


def _frame(dates) -> pd.DataFrame:
    return pd.DataFrame({"t": dates})


def test_calendar_windows_and_their_names() -> None:
    frame = _frame(["2026-03-02", "2026-03-31 23:59", "2026-04-01", None, "2026-07-15"])
    month = plan_windows(frame, "t", "month")
    assert month.labels == ["March 2026", "April 2026", "July 2026"]
    assert month.codes.tolist() == [0, 0, 1, -1, 2]
    assert month.starts == ["2026-03-01", "2026-04-01", "2026-07-01"]
    assert month.ends == ["2026-03-31", "2026-04-30", "2026-07-31"]
    assert month.missing == 1
    quarter = plan_windows(frame, "t", "quarter")
    assert quarter.labels == ["Q1 2026", "Q2 2026", "Q3 2026"]
    assert quarter.ends[0] == "2026-03-31"
    week = plan_windows(frame, "t", "week")
    assert week.labels[0] == "week of 2 March 2026"  # weeks start on Monday
    assert week.codes.tolist()[:3] == [0, 1, 1]
    day = plan_windows(frame, "t", "day")
    assert day.labels[:2] == ["2 March 2026", "31 March 2026"]


def test_timestamps_with_time_zones_and_mixed_formats() -> None:
    aware = pd.Series(pd.to_datetime(["2026-01-31 23:30", "2026-02-01 00:30"]))
    aware = aware.dt.tz_localize("America/New_York")
    assert plan_windows(_frame(aware), "t", "month").labels == ["January 2026", "February 2026"]
    mixed = _frame(["2026-01-05", "05 Feb 2026", "2026/03/09"])
    assert plan_windows(mixed, "t", "month").labels == ["January 2026", "February 2026",
                                                        "March 2026"]


def test_row_and_batch_windows() -> None:
    frame = _frame(["2026-01-03", "2026-01-01", "2026-01-02", "2026-01-04", "2026-01-05"])
    rows = plan_windows(frame, "t", "rows:2")
    assert rows.codes.tolist() == [1, 0, 0, 1, 2]  # time order
    assert rows.labels == ["rows 1-2", "rows 3-4", "rows 5-5"]
    assert rows.starts == ["2026-01-01", "2026-01-03", "2026-01-05"]
    file_order = plan_windows(frame, None, "rows:2")
    assert file_order.codes.tolist() == [0, 0, 1, 1, 2]
    batches = plan_windows(pd.DataFrame({"t": [10, 2, 10, None, 2]}), "t", "batch")
    assert batches.labels == ["batch 2", "batch 10"]
    assert batches.codes.tolist() == [1, 0, 1, -1, 0]


@pytest.mark.parametrize(("values", "window", "fragment"), [
    (["2026-01-01", "not a date"], "month", "not dates"),
    ([1, 2, 3], "month", "holds numbers"),
    ([None, None], "month", "is empty"),
    (["2026-01-01"], "fortnight", "Unknown window"),
    (["2026-01-01"], "rows:1", "at least 2"),
])
def test_bad_time_columns_are_explained(values, window, fragment) -> None:
    with pytest.raises(FairLensInputError, match=fragment):
        plan_windows(_frame(values), "t", window)


def test_time_column_must_exist_and_be_named() -> None:
    with pytest.raises(FairLensInputError, match="not in the data"):
        plan_windows(_frame(["2026-01-01"]), "when", "month")
    with pytest.raises(FairLensInputError, match="need a time column"):
        plan_windows(_frame(["2026-01-01"]), None, "month")
    assert parse_window(" Rows:500 ") == ("rows", 500)


def test_rows_without_time_are_left_out_with_a_warning() -> None:
    log = make_drift_log(n_months=3, rows_per_month=300, change_month=1, seed=0)
    frame = log.frame.copy()
    frame.loc[:9, "date"] = pd.NaT
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"], time="date")
    result = drift_spec(frame, spec, options=AuditOptions(bootstrap=0))
    assert sum(w.n for w in result.windows) == len(frame) - 10
    assert any("10 row(s) have no value in the time column" in w for w in result.warnings)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=1, max_size=60), st.integers(2, 9))
def test_every_placed_row_is_in_exactly_one_window(days, size) -> None:
    dates = pd.Timestamp("2025-01-01") + pd.to_timedelta(days, unit="D")
    frame = _frame(dates)
    for window in ("day", "week", "month", "quarter", f"rows:{size}"):
        plan = plan_windows(frame, "t", window)
        assert np.all(plan.codes >= 0)
        counts = np.bincount(plan.codes, minlength=plan.n_windows)
        assert np.all(counts > 0) and counts.sum() == len(frame)
        # Windows are in time order.
        first = [dates[plan.codes == w].min() for w in range(plan.n_windows)]
        assert first == sorted(first)

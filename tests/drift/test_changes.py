"""Known truth: a planted TPR drop is found at its window; stationary logs raise no alarm."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fairlens import AuditOptions, AuditSpec
from fairlens.datasets import make_drift_log
from fairlens.drift import CUSUM_K, cusum, cusum_arl, drift_spec

SPEC = AuditSpec(label="label", score=["score"], sensitive=["group", "sex"], time="date")
FAST = AuditOptions(bootstrap=0)


@pytest.fixture(scope="module")
def planted():
    log = make_drift_log(n_months=8, rows_per_month=1500, change_month=5, seed=11)
    return log, drift_spec(log.frame, SPEC, options=AuditOptions(bootstrap=200, seed=1),
                           sequential=True)


def _found(result, measure, grouping, group=None, reference="baseline"):
    return [c for c in result.changes if c.measure == measure and c.grouping == grouping
            and c.group == group and c.reference == reference]


def test_planted_tpr_drop_found_at_its_window(planted) -> None:
    log, result = planted
    hits = _found(result, "tpr", "group", log.drift_group)
    assert hits, "the planted TPR drop was not found"
    assert hits[0].window == log.change_label == result.windows[log.change_month].label
    assert hits[0].q_value < 0.01
    assert hits[0].after < hits[0].before - 0.15
    # Nothing about group B's TPR before the change.
    assert all(c.window_index >= log.change_month for c in result.changes
               if c.group == log.drift_group and c.measure == "tpr")
    # The window before the change shows it too, and so does the disparity (bootstrap SE).
    assert _found(result, "tpr", "group", log.drift_group, "previous")[0].window == \
        log.change_label
    eo = _found(result, "equal_opportunity_difference", "group")
    assert eo and eo[0].window == log.change_label and eo[0].q_value < 0.01
    assert "rose from" in eo[0].description and log.change_label in eo[0].description


def test_planted_drop_raises_a_cusum_alarm(planted) -> None:
    log, result = planted
    alarms = _found(result, "tpr", "group", log.drift_group, "cusum")
    assert alarms and alarms[0].window == log.change_label
    assert alarms[0].statistic > result.cusum["h"]
    assert "CUSUM" in alarms[0].description and "the windows before it" in alarms[0].description
    assert math.isnan(alarms[0].q_value)


def test_cusum_false_alarm_rate_on_stationary_logs() -> None:
    """Self-starting standardization keeps the in-control rate near 1 / ARL (469 windows)."""
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"], time="date")
    alarms = steps = 0
    for seed in range(30):
        log = make_drift_log(n_months=10, rows_per_month=600, change_month=3, tpr_drop=0.0,
                             seed=100 + seed)
        result = drift_spec(log.frame, spec, options=FAST, sequential=True)
        alarms += sum(c.reference == "cusum" for c in result.changes)
        series = result.tests[result.tests.reference == "baseline"]
        steps += len(series)
    assert steps > 4000
    assert alarms / steps < 2 / cusum_arl()


def test_stationary_logs_flag_nothing_in_95_of_100_seeds() -> None:
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"], time="date")
    flagged = 0
    for seed in range(100):
        log = make_drift_log(n_months=6, rows_per_month=600, change_month=3, tpr_drop=0.0,
                             seed=seed)
        result = drift_spec(log.frame, spec, options=FAST)
        assert len(result.tests) > 100
        flagged += bool(result.changes)
    assert flagged <= 5


def test_tests_cover_every_window_against_baseline_and_previous() -> None:
    log = make_drift_log(n_months=4, rows_per_month=400, change_month=2, seed=2)
    result = drift_spec(log.frame, SPEC, options=FAST, baseline=2)
    tests = result.tests
    base = tests[tests.reference == "baseline"]
    prev = tests[tests.reference == "previous"]
    assert sorted(base.window_index.unique()) == [2, 3]
    assert sorted(prev.window_index.unique()) == [1, 2, 3]
    assert set(base.reference_label) == {f"{result.windows[0].label} to "
                                         f"{result.windows[1].label}"}
    q = tests.q_value.to_numpy()
    p = tests.p_value.to_numpy()
    ok = ~np.isnan(p)
    assert np.all(q[ok] >= p[ok] - 1e-15) and np.all(q[ok] <= 1)
    # A chosen reference window: every other window is compared with it.
    ref = drift_spec(log.frame, SPEC, options=FAST, baseline=result.windows[1].label)
    assert sorted(ref.tests[ref.tests.reference == "baseline"].window_index.unique()) == \
        [0, 2, 3]


def test_pooled_baseline_equals_the_audit_of_its_rows() -> None:
    from fairlens import audit_spec

    log = make_drift_log(n_months=4, rows_per_month=400, change_month=2, seed=2)
    result = drift_spec(log.frame, SPEC, options=FAST, baseline=2)
    rows = log.frame[log.frame["date"] < "2025-03-01"]
    pooled = audit_spec(rows, SPEC, options=FAST)
    tests = result.tests
    tpr = tests[(tests.reference == "baseline") & (tests.measure == "tpr") &
                (tests.grouping == "group") & (tests.group == "A")]
    expected = pooled.by_group.set_index(["grouping", "group"]).loc[("group", "A"), "tpr"]
    assert np.allclose(tpr.before, expected, rtol=0, atol=1e-12)


def test_cusum_run_length_matches_siegmund() -> None:
    rng = np.random.default_rng(0)
    h = 3.0
    _, alarm = cusum(rng.standard_normal((4000, 600)), h=h, k=CUSUM_K)
    assert np.all(alarm >= 0)
    assert math.isclose(np.mean(alarm + 1), cusum_arl(h, CUSUM_K), rel_tol=0.08)
    path, first = cusum(np.array([0.0, 3.0, 3.0, np.nan, -1.0]), h=4.0)
    assert first == 2 and np.allclose(path, [0.0, 2.5, 5.0, 5.0, 3.5])
    assert math.isclose(cusum_arl(5.0, 0.5), 469, rel_tol=0.01)  # Montgomery's table: 465


def test_bad_baseline_and_one_window_are_explained() -> None:
    from fairlens.data import FairLensInputError

    log = make_drift_log(n_months=3, rows_per_month=200, change_month=1, seed=0)
    with pytest.raises(FairLensInputError, match="between 1 and"):
        drift_spec(log.frame, SPEC, options=FAST, baseline=3)
    with pytest.raises(FairLensInputError, match="is not a window"):
        drift_spec(log.frame, SPEC, options=FAST, baseline="May 1999")
    with pytest.raises(FairLensInputError, match="one window"):
        drift_spec(log.frame, SPEC, options=FAST, window="quarter")


def test_rate_tests_are_the_pooled_z_test_on_the_window_counts() -> None:
    from fairlens.metrics import two_proportion_test

    log = make_drift_log(n_months=3, rows_per_month=900, change_month=1, seed=5)
    result = drift_spec(log.frame, SPEC, options=FAST)
    row = result.tests[(result.tests.reference == "previous") & (result.tests.measure == "tpr")
                       & (result.tests.group == "A")].iloc[0]
    before, after = result.windows[row.window_index - 1], result.windows[row.window_index]
    x = []
    for w in (after, before):
        grouping = w.audit.statistics.groupings[0]
        table = grouping.marginalize(w.audit.statistics.models["score"].families[0].n, 0)
        i = [lab[0] for lab in grouping.labels].index("A")
        x.append((table[i, 1, 1], table[i, 1].sum()))
    expected = two_proportion_test(x[0][0], x[0][1], x[1][0], x[1][1])
    assert math.isclose(row.p_value, expected, rel_tol=1e-12)


def test_no_disparity_change_when_a_window_has_one_group_that_counts() -> None:
    """A disparity over one counted group reads 0.00 and must not be tested as a change."""
    rng = np.random.default_rng(5)
    n = 1200
    month = np.repeat(["2024-01-15", "2024-02-15", "2024-03-15"], n // 3)
    group = rng.choice(["A", "B"], size=n)
    keep = ~((month == "2024-02-15") & (group == "B")) | (rng.random(n) < 0.02)
    frame = pd.DataFrame({"date": month, "group": group, "sex": rng.choice(["F", "M"], n),
                          "label": rng.integers(0, 2, n), "score": rng.random(n)})[keep]
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"], time="date")
    result = drift_spec(frame, spec, options=FAST)
    february = result.windows[1]
    assert int(february.audit.primary.groupings[0].include.sum()) == 1
    tested = result.tests
    feb_group = tested[(tested.window_index == 1) & (tested.grouping == "group")]
    assert feb_group.group.notna().all(), "only group rates are tested in February"
    assert not any(c.grouping == "group" and c.group is None and c.window == february.label
                   for c in result.changes)

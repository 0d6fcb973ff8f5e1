"""Every window's audit equals ``fairlens.audit_spec`` on that window's rows alone (1e-12),
bootstrap included (the same seed in every window)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairlens import AuditOptions, AuditSpec, audit_spec
from fairlens.datasets import load_segmentation, make_drift_log
from fairlens.drift import drift_spec, plan_windows
from fairlens.engine import _tables as engine_tables
from tests.drift._helpers import assert_close, comparable

OPTIONS = AuditOptions(bootstrap=100, seed=7)


def _log(**kwargs) -> pd.DataFrame:
    params = dict(n_months=4, rows_per_month=300, change_month=2, seed=1)
    params.update(kwargs)
    return make_drift_log(**params).frame


def _check_windows(frame: pd.DataFrame, spec: AuditSpec, window: str,
                   options: AuditOptions = OPTIONS) -> None:
    result = drift_spec(frame, spec, options=options, window=window)
    plan = plan_windows(frame, spec.time, window)
    assert [w.label for w in result.windows] == plan.labels
    for w in result.windows:
        rows = frame[plan.codes == w.index]
        expected = audit_spec(rows, spec, options=options)
        assert w.n == len(rows)
        assert_close(comparable(w.audit.to_dict()), comparable(expected.to_dict()))


def test_monthly_windows_equal_audits_with_bootstrap() -> None:
    frame = _log()
    spec = AuditSpec(label="label", score=["score"], sensitive=["group", "sex"], time="date")
    _check_windows(frame, spec, "month")


def test_a_group_missing_from_one_window() -> None:
    frame = _log()
    month = frame["date"].dt.month
    frame = frame[~((month == 2) & (frame["group"] == "C"))].reset_index(drop=True)
    spec = AuditSpec(label="label", score=["score"], sensitive=["group", "sex"], time="date")
    _check_windows(frame, spec, "month")


def test_grid_binned_scores_with_exact_aucs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Too many distinct scores for exact bins: windows bin on the grid, AUCs from rows."""
    monkeypatch.setattr(engine_tables, "EXACT_MAX_CELLS", 500)
    rng = np.random.default_rng(3)
    frame = _log()
    frame["score"] = np.clip(frame["score"] + rng.normal(0, 1e-4, len(frame)), 0, 1)
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"], time="date")
    result = drift_spec(frame, spec, options=OPTIONS)
    assert not result.windows[0].audit.statistics.models["score"].score_table.exact
    _check_windows(frame, spec, "month")


def test_weights_predicted_labels_and_raw_scores() -> None:
    frame = _log()
    rng = np.random.default_rng(5)
    frame["w"] = rng.uniform(0.5, 2.0, len(frame))
    frame["pred"] = (frame["score"] >= 0.5).astype(int)
    frame["decile"] = np.ceil(frame["score"] * 10).clip(1, 10)
    weighted = AuditSpec(label="label", score=["score"], sensitive=["group"], weight="w",
                         time="date")
    _check_windows(frame, weighted, "month")
    preds = AuditSpec(label="label", pred=["pred"], sensitive=["group", "sex"], time="date")
    _check_windows(frame, preds, "month")
    raw = AuditSpec(label="label", score=["decile"], sensitive=["sex"], score_kind="raw",
                    threshold=5.0, time="date")
    _check_windows(frame, raw, "month")


def test_row_and_batch_windows() -> None:
    frame = _log().sample(frac=1.0, random_state=0).reset_index(drop=True)
    frame["batch"] = frame.index % 3 + 1
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"], time="date")
    _check_windows(frame, spec, "rows:400")
    _check_windows(frame, AuditSpec(label="label", score=["score"], sensitive=["group"],
                                    time="batch"), "batch")


def test_per_sample_metrics_windows() -> None:
    frame = load_segmentation().head(1500).copy()
    frame["batch"] = np.repeat(np.arange(3), 500)
    spec = AuditSpec(metric=["dice"], sensitive=["race"], time="batch")
    _check_windows(frame, spec, "batch", AuditOptions(bootstrap=50, seed=2))


def test_multiclass_windows() -> None:
    rng = np.random.default_rng(4)
    n = 1200
    proba = rng.dirichlet([2, 2, 2], n)
    frame = pd.DataFrame({"label": rng.integers(0, 3, n).astype(str),
                          "race": rng.choice(["x", "y"], n), "batch": np.repeat([1, 2, 3], 400)})
    for k in range(3):
        frame[f"p_{k}"] = proba[:, k]
    spec = AuditSpec(label="label", proba_prefix="p_", sensitive=["race"], time="batch")
    _check_windows(frame, spec, "batch", AuditOptions(bootstrap=50, seed=1))


def test_column_keyword_convenience() -> None:
    from fairlens.drift import drift

    frame = _log()
    result = drift(frame, time="date", label="label", score="score", sensitive="group",
                   bootstrap=0)
    assert len(result.windows) == 4 and result.options.bootstrap == 0


def test_score_tables_over_the_memory_budget_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    from fairlens.drift import _api

    monkeypatch.setattr(_api, "RETAINED_CELLS", 10)
    frame = _log()
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"], time="date")
    result = drift_spec(frame, spec, options=OPTIONS)
    assert any("score tables" in w for w in result.warnings)
    plan = plan_windows(frame, "date", "month")
    for w in result.windows:
        assert w.audit.statistics.models["score"].score_table is None
        expected = audit_spec(frame[plan.codes == w.index], spec, options=OPTIONS)
        assert_close(comparable(w.audit.to_dict()), comparable(expected.to_dict()))

"""The planted-drift log: its truth, its checks, and the built-in sample."""

from __future__ import annotations

import numpy as np
import pytest

from fairlens import AuditOptions
from fairlens.datasets import SAMPLES, load_sample, make_drift_log
from fairlens.drift import drift_spec


def test_planted_rates_are_realised() -> None:
    log = make_drift_log(n_months=4, rows_per_month=5000, change_month=2, tpr=0.8,
                         tpr_drop=0.3, seed=1)
    frame = log.frame
    month = frame["date"].dt.month.to_numpy() - 1
    positive = frame["label"].to_numpy() == 1
    predicted = frame["score"].to_numpy() >= 0.5
    for group in ("A", "B", "C"):
        for after in (False, True):
            rows = (frame["group"].to_numpy() == group) & positive & ((month >= 2) == after)
            expected = 0.5 if (group == "B" and after) else 0.8
            assert abs(predicted[rows].mean() - expected) < 0.04
    assert log.change_label == "March 2025" and log.tpr_after == pytest.approx(0.5)
    assert frame["date"].dt.year.eq(2025).all() and len(frame) == 20_000


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"n_months": 1}, "n_months"),
    ({"rows_per_month": 5}, "rows_per_month"),
    ({"change_month": 0}, "change_month"),
    ({"tpr_drop": 0.9}, "tpr - tpr_drop"),
    ({"drift_group": "Z"}, "drift_group"),
])
def test_bad_arguments_are_explained(kwargs, fragment) -> None:
    with pytest.raises(ValueError, match=fragment):
        make_drift_log(**kwargs)


def test_the_drift_sample_finds_its_planted_change() -> None:
    frame, spec = load_sample("drift")
    assert "planted drift" in SAMPLES["drift"].description
    result = drift_spec(frame, spec, options=AuditOptions(bootstrap=0))
    hits = [c for c in result.changes if c.measure == "tpr" and c.group == "B"
            and c.grouping == "group"]
    assert hits[0].window == "September 2025" and hits[0].q_value < 0.01
    assert np.isclose(sum(w.n for w in result.windows), 36_000)

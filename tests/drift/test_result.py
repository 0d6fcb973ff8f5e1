"""The Drift result: the plotting frame, tables, text, the JSON; the real COMPAS file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairlens import AuditOptions, AuditSpec, audit_spec
from fairlens.datasets import make_drift_log
from fairlens.drift import SCHEMA, Drift, drift_spec

SPEC = AuditSpec(label="label", score=["score"], sensitive=["group", "sex"], time="date")


@pytest.fixture(scope="module")
def result() -> Drift:
    log = make_drift_log(n_months=4, rows_per_month=500, change_month=2, seed=9)
    return drift_spec(log.frame, SPEC, options=AuditOptions(bootstrap=100, seed=3),
                      sequential=True)


def test_frame_is_long_and_matches_the_window_audits(result: Drift) -> None:
    frame = result.frame()
    assert list(frame.columns) == ["window", "window_index", "start", "grouping", "group",
                                   "measure", "value", "lo", "hi"]
    assert set(frame.window) == {w.label for w in result.windows}
    w = result.windows[1]
    picked = frame[(frame.window == w.label) & (frame.measure == "tpr")]
    expected = pd.concat([pd.DataFrame({
        "grouping": g.name, "group": [g.label(i) for i in range(len(g.labels))],
        "tpr": g.metrics["tpr"], "lo": g.ci["tpr"][0]}) for g in w.audit.primary.groupings])
    assert picked.group.tolist() == expected.group.tolist()
    assert np.allclose(picked.value, expected.tpr, atol=1e-15)
    assert np.allclose(picked.lo, expected.lo, atol=1e-15)
    disp = frame[(frame.window == w.label) & (frame.measure == "equalized_odds_difference")]
    assert disp.group.isna().all() and len(disp) == 3
    expected = w.audit.disparities.set_index(["grouping", "measure"])
    for _, row in disp.iterrows():
        assert row.value == expected.loc[(row.grouping, row.measure), "value"]
    assert {"es_auc", "psd_std_auc", "psd_max_auc"} <= set(frame.measure)


def test_tables_text_and_json(result: Drift) -> None:
    tables = result.tables()
    assert set(tables) == {"windows", "series", "tests", "changes"}
    assert tables["windows"].n.sum() == 2000
    lines = result.summary_lines()
    text = "\n".join(lines)
    assert "4 window(s) by month, from January 2025 to April 2025" in text
    assert not re.search(r"\bNone\b|\bnan\b|\[\'", text)
    assert "a false alarm about once every 469 windows" in text
    doc = result.to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["schema"] == SCHEMA == "fairlens.drift/1"
    assert len(doc["windows"]) == 4
    ci = doc["windows"][0]["disparities"]["group"]["ci"]["equalized_odds_difference"]
    assert ci[0] <= doc["windows"][0]["disparities"]["group"]["equalized_odds_difference"] <= ci[1]
    assert doc["tests"]["count"] == len(result.tests)
    for change in result.changes:
        assert change.description.endswith(".")
        assert "None" not in change.description and "nan" not in change.description


def test_compas_screening_dates_by_quarter(compas_csv: Path) -> None:
    """The raw ProPublica export (53 columns, identifiers, dates) by its screening date."""
    frame = pd.read_csv(compas_csv)
    spec = AuditSpec(label="two_year_recid", score=["decile_score"], score_kind="raw",
                     threshold=5.0, sensitive=["race", "sex"], favorable="negative",
                     time="compas_screening_date")
    options = AuditOptions(bootstrap=0, min_group_size=30)
    result = drift_spec(frame, spec, options=options, window="quarter")
    assert [w.label for w in result.windows][:2] == ["Q1 2013", "Q2 2013"]
    assert sum(w.n for w in result.windows) == len(frame) == 7214
    quarter = pd.PeriodIndex(pd.to_datetime(frame["compas_screening_date"]), freq="Q")
    rows = frame[quarter == quarter.min()]
    first = audit_spec(rows, spec, options=options)
    assert result.windows[0].n == len(rows)
    assert np.allclose(result.windows[0].audit.by_group.tpr, first.by_group.tpr, atol=1e-12,
                       equal_nan=True)
    # ProPublica's two-year file keeps only the people screened late in 2014 who reoffended.
    assert any("Q4 2014 every label is positive: FPR, TNR and AUC are undefined" in w
               for w in result.warnings)

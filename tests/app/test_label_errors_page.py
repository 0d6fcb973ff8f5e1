"""The Label errors page (AppTest): it shows the library's numbers and its review queue works.

The page runs on its own script (``pages/label_errors.py``) with the session state the app
sets up (:mod:`fairlens.ui.keys`); once ``app.py`` lists the page, the same tests run through
the app's navigation.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import fairlens.labels as fl
from fairlens import AuditSpec
from fairlens.datasets import COMPAS_AUDIT, PlantedData, load_compas, make_planted
from fairlens.ui import ActiveData, keys
from fairlens.ui import labels_page as L
from tests.app.conftest import restart_server

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGE = ROOT / L.PAGE
TIMEOUT = 120
PLANTED_KEY = "planted0seed0rows20000"


@pytest.fixture(autouse=True)
def cold_caches() -> None:
    """Every test starts with cold caches (the workspace folder is tests/app/conftest's)."""
    restart_server()


@pytest.fixture(scope="module")
def planted() -> PlantedData:
    """The default planted data: 20,000 rows, 5 % label noise, 80 % of it in group B."""
    return make_planted()


def _through_app() -> bool:
    return APP.exists() and L.PAGE in APP.read_text()


def open_page(session: dict | None = None) -> AppTest:
    """The Label errors page after its first run, with ``session`` state put in first."""
    if _through_app():
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    else:
        at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.run()
    if _through_app():
        at.switch_page(L.PAGE).run()
    assert not at.exception, at.exception
    return at


def planted_session(frame: pd.DataFrame, spec: AuditSpec, **settings) -> dict:
    """The state the app keeps for an uploaded file held in memory."""
    active = ActiveData(key=PLANTED_KEY, name="planted.csv", kind="upload", location="memory",
                        n_rows=len(frame), n_columns=frame.shape[1],
                        columns=[str(c) for c in frame.columns], filename="planted.csv")
    return {keys.ACTIVE: active, keys.MEMORY_FRAME: frame, keys.SPEC: spec,
            keys.SETTINGS: {**copy.deepcopy(keys.DEFAULT_SETTINGS), **settings},
            keys.SPEC_VERSION: 1}


@pytest.fixture(scope="module")
def compas() -> fl.LabelAnalysis:
    """The library called directly on the COMPAS sample with the page's defaults."""
    return fl.analyze_labels(load_compas(), **COMPAS_AUDIT)


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The shown ``st.dataframe`` that has ``column``."""
    for element in at.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with a {column!r} column")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_compas_shows_the_library_numbers(compas):
    at = open_page()
    assert [t.value for t in at.title] == ["Label errors"]
    issues = compas.issues
    shown = metrics(at)
    assert shown["Rows analysed"] == "7,214"
    assert shown["Suspected label errors"] == f"{issues.n_issues:,}"
    assert shown["Share of rows"] == L.pct(issues.rate)
    assert shown["Probabilities"] == "score column"
    # The page opens on the attribute whose groups differ most; the table is the library's.
    assert L.most_uneven(issues.by_group) == "race"
    assert at.segmented_control(key=L.W_GROUPING).value == "race"
    race = issues.by_group[issues.by_group["grouping"] == "race"].reset_index(drop=True)
    table = at.table[0].value
    expected = L.rate_table(race, 30).set_index("Group")
    assert list(table.index) == list(expected.index)
    assert table.to_dict() == expected.to_dict()
    assert table.loc["African-American", "Flags"] == "reference group"
    assert table.loc["African-American", "Issue rate [95% CI]"] == L.pct_ci(
        race.loc[0, "rate"], race.loc[0, "rate_low"], race.loc[0, "rate_high"])
    assert "not tested" in table.loc["Native American", "Flags"]
    # The before/after table is the library's label-aware audit.
    comparison = at.dataframe[0].value
    want = L.comparison_display(compas.fairness.table, "race", ["before", "exclusion",
                                                                 "relabel"])
    pd.testing.assert_frame_equal(comparison.reset_index(drop=True), want)
    assert list(comparison.columns) == ["Measure", "Original labels",
                                        "Suspected errors excluded",
                                        "Suspected errors relabelled",
                                        "Robust to label errors?"]
    for sentence in compas.fairness.sentences:
        assert sentence in text(at)
    assert any("audited model itself" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 3  # rates, before/after, label quality
    assert f"0 of {issues.n_issues:,}" in text(at)


def test_switching_the_attribute(compas):
    at = open_page()
    at.segmented_control(key=L.W_GROUPING).set_value("sex").run()
    assert list(at.table[0].value.index) == ["Female", "Male"]
    at.segmented_control(key=L.W_FAIR_GROUPING).set_value("age_cat").run()
    want = L.comparison_display(compas.fairness.table, "age_cat", ["before", "exclusion",
                                                                    "relabel"])
    pd.testing.assert_frame_equal(at.dataframe[0].value.reset_index(drop=True), want)


def test_planted_noise_group_is_named(planted):
    spec = AuditSpec(label="label", score=["score"], sensitive=["group", "sex"],
                     features=planted.features)
    at = open_page(planted_session(planted.frame, spec))
    rows = at.table[0].value
    assert "higher than reference" in rows.loc["B", "Flags"]
    assert rows.loc["A", "Flags"] == "reference group"
    found = fl.label_issues(planted.frame, label="label", score="score",
                            sensitive=["group", "sex"])
    b = found.by_group.set_index(["grouping", "group"]).loc[("group", "B")]
    assert (f"**B** has **{L.pct(b['rate'])}** suspected label errors, "
            f"**{b['ratio_to_reference']:.2f}x** the rate of **A**") in text(at)


def test_review_decisions_are_saved_and_survive_a_restart(planted, workspace_dir):
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"],
                     features=planted.features)
    session = planted_session(planted.frame, spec, ci="wilson", bootstrap=0)
    at = open_page(session)
    row = at.selectbox(key=L.W_ROW).value
    found = fl.label_issues(planted.frame, label="label", score="score", sensitive="group")
    assert row == int(found.ranked_rows[0])
    at.radio(key=f"{L.W_DECISION}_{row}").set_value("wrong")
    at.text_input(key=f"{L.W_NOTE}_{row}").input("=looks flipped")
    at.button(key=L.W_SAVE).click().run()
    assert not at.exception, at.exception
    assert any(f"Saved: row {row}" in s.value for s in at.success)
    assert f"**1 of {found.n_issues:,}** reviewed: 1 label wrong" in text(at)
    # The next undecided row is up for review.
    assert at.selectbox(key=L.W_ROW).value == int(found.ranked_rows[1])
    files = list((workspace_dir / "reviews").glob("*.json"))
    assert len(files) == 1
    saved = json.loads(files[0].read_text())
    assert saved["data_key"] == PLANTED_KEY and saved["label"] == "label"
    assert saved["decisions"][0]["row"] == row and saved["decisions"][0]["decision"] == "wrong"
    assert saved["decisions"][0]["corrected_label"] == found.class_value(found.suggested[row])
    # The audit is recomputed with the correction.
    assert "1 label(s) corrected by your review" in text(at)
    review_table = frame_with(at, "Reviewed corrections")
    assert list(review_table.columns[:3]) == ["Measure", "Original labels",
                                              "Reviewed corrections"]

    # A server restart loses every cache and session; the decision is still there.
    restart_server()
    again = open_page(session)
    assert f"**1 of {found.n_issues:,}** reviewed: 1 label wrong" in text(again)
    queue = frame_with(again, "Rank")
    first = queue[queue["Row"] == row].iloc[0]
    assert first["Decision"] == "Label wrong" and first["Note"] == "=looks flipped"
    # Clearing the decision removes it from the file.
    again.selectbox(key=L.W_ROW).set_value(row).run()
    again.button(key=L.W_CLEAR).click().run()
    assert f"**0 of {found.n_issues:,}** reviewed" in text(again)
    assert json.loads(files[0].read_text())["decisions"] == []


def test_cross_validated_source_with_progress(planted):
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"],
                     features=planted.features)
    at = open_page(planted_session(planted.frame, spec, ci="wilson", bootstrap=0))
    at.radio(key=L.W_SOURCE).set_value("features").run()
    assert any("Train the folds" in i.value for i in at.info)
    assert at.multiselect(key=L.W_FEATURES).value == planted.features
    at.selectbox(key=L.W_MODEL).set_value("logistic_regression")
    at.button(key=L.W_RUN_CV).click().run()
    assert not at.exception, at.exception
    assert metrics(at)["Probabilities"] == "5-fold CV"
    expected = fl.label_issues(planted.frame, label="label", score="score", sensitive="group",
                               features=planted.features, source="features",
                               model="logistic_regression")
    assert metrics(at)["Suspected label errors"] == f"{expected.n_issues:,}"
    assert not any("audited model itself" in w.value for w in at.warning)


def test_mappings_without_a_usable_label(planted):
    per_sample = AuditSpec(metric=["score"], sensitive=["group"])
    at = open_page(planted_session(planted.frame, per_sample))
    assert any("classification labels" in i.value for i in at.info)
    assert not at.metric
    pred_only = AuditSpec(label="label", pred=["pred"], sensitive=["group"])
    at = open_page(planted_session(planted.frame, pred_only))
    assert at.radio(key=L.W_SOURCE).options == [L.SOURCE_LABELS["features"]]


def test_a_failing_cross_validation_is_a_message_not_a_crash(planted, monkeypatch):
    """Anything the folds raise (here: what an all-empty column did on the raw ProPublica
    export) is said in the page, in the report's words; the page does not crash."""

    def fails(*args, **kwargs):
        raise ValueError("window shape cannot be larger than input array shape")

    monkeypatch.setattr(L, "cross_val_proba_spec", fails)
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"],
                     features=planted.features)
    at = open_page(planted_session(planted.frame, spec, ci="wilson", bootstrap=0))
    at.radio(key=L.W_SOURCE).set_value("features").run()
    at.button(key=L.W_RUN_CV).click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "The labels analysis could not run: ValueError: window shape cannot be larger than "
        "input array shape"]

"""The Label errors page (AppTest): it shows the library's numbers and its review queue works.

The page runs on its own script (``pages/label_errors.py``) with the session state the app
sets up (:mod:`fairlens.ui.keys`); once ``app.py`` lists the page, the same tests run through
the app's navigation.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import fairlens.labels as fl
from fairlens import AuditSpec, registry
from fairlens.auditing import AuditOptions
from fairlens.datasets import COMPAS_AUDIT, PlantedData, load_compas, load_sample, make_planted
from fairlens.ui import ActiveData, keys
from fairlens.ui import labels_page as L
from fairlens.wording import labels as W
from fairlens.wording import md
from tests.app.conftest import restart_server
from tests.conftest import require_shared

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
    return upload_session(frame, spec, "planted.csv", PLANTED_KEY, **settings)


def upload_session(frame: pd.DataFrame, spec: AuditSpec, name: str, key: str = "upload0",
                   **settings) -> dict:
    """The state the app keeps for the upload ``name`` held in memory."""
    active = ActiveData(key=key, name=name, kind="upload", location="memory",
                        n_rows=len(frame), n_columns=frame.shape[1],
                        columns=[str(c) for c in frame.columns], filename=name)
    return {keys.ACTIVE: active, keys.MEMORY_FRAME: frame, keys.SPEC: spec,
            keys.SETTINGS: {**copy.deepcopy(keys.DEFAULT_SETTINGS), **settings},
            keys.SPEC_VERSION: 1}


CV_MODEL, CV_FOLDS = "logistic_regression", 3
"""The page's cross-validation in these tests (fast); the library is called the same way."""


@pytest.fixture(scope="module")
def compas() -> fl.LabelAnalysis:
    """The library called directly on the COMPAS sample as the page runs it: its raw score is
    passed over for the cross-validated model (here logistic regression in 3 folds)."""
    return fl.analyze_labels(load_compas(), **COMPAS_AUDIT, model=CV_MODEL, n_splits=CV_FOLDS)


def train(at: AppTest, model: str = CV_MODEL, folds: int = CV_FOLDS) -> AppTest:
    """Choose the model and folds and press "Train the folds"."""
    at.selectbox(key=L.W_MODEL).set_value(model)
    at.number_input(key=L.W_FOLDS).set_value(folds)
    at.button(key=L.W_RUN_CV).click().run()
    assert not at.exception, at.exception
    return at


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


def test_compas_offers_the_cross_validated_model_and_says_why(compas):
    """Before: the sample's decile/10 score was read as a probability (2,034 flags, 28.2%,
    "Probabilities: 1: 1.000, 0: 0.000"). Now the page says the score is raw, offers only the
    cross-validated model, and shows the library's numbers once the folds are trained."""
    at = open_page()
    assert [t.value for t in at.title] == ["Label errors"]
    assert at.radio(key=L.W_SOURCE).options == [L.SOURCE_LABELS["features"]]
    infos = [i.value for i in at.info]
    assert W.raw_score_page("score") in infos
    assert any("Train the folds" in i for i in infos)
    assert not at.metric and not at.error
    train(at)
    issues = compas.issues
    shown = metrics(at)
    assert shown["Rows analysed"] == "7,214"
    assert shown["Suspected label errors"] == f"{issues.n_issues:,}"
    assert shown["Share of rows"] == L.pct(issues.rate)
    assert shown["Found with"] == "Cross-validated"
    assert issues.n_issues != 2034
    # The headline states the method and its caveat, in the library's words.
    assert md(issues.headline()) in text(at)
    assert "raw score" in issues.headline() and W.CAVEAT_OUT_OF_SAMPLE in issues.headline()
    # The per-group table is the library's, shown as data.
    grouping = at.segmented_control(key=L.W_GROUPING).value
    assert grouping == L.most_uneven(issues.by_group)
    part = issues.by_group[issues.by_group["grouping"] == grouping].reset_index(drop=True)
    table = frame_with(at, "Flags")
    pd.testing.assert_frame_equal(table.reset_index(drop=True), L.rate_table(part, 30))
    comparison = frame_with(at, "Robust to label errors?")
    want = L.comparison_display(compas.fairness.table, grouping, ["before", "exclusion",
                                                                   "relabel"])
    pd.testing.assert_frame_equal(comparison.reset_index(drop=True), want)
    for sentence in fl.verdict_sentences(compas.fairness.table, compas.fairness.changed_rows,
                                         esc=md):
        assert sentence in text(at)
    assert not any("audited model itself" in w.value for w in at.warning)
    # Rows for a person: no "Probabilities: 1: 1.000, 0: 0.000", no "quality 0.0000".
    row = at.selectbox(key=L.W_ROW).value
    assert row == int(issues.ranked_rows[0])
    page_text = text(at)
    assert "Probabilities:" not in page_text and "0.0000" not in page_text
    assert "a chance of" in page_text and "so the label is probably" in page_text
    assert at.selectbox(key=L.W_ROW).format_func(row).startswith(f"row {row}: labelled ")
    queue = frame_with(at, "Chance of the given label")
    assert queue["Chance of the given label"].iloc[0].endswith("%")
    # The run is recorded with exactly the report section's keyword arguments ...
    params = at.session_state["fl_runs"]["runs"]["labels"]
    assert params == {"source": "features", "filter_by": "prune_by_noise_rate",
                      "rank_by": "self_confidence", "features": COMPAS_AUDIT["features"],
                      "model": CV_MODEL, "n_splits": CV_FOLDS}
    # ... and the registered section reproduces the page's numbers with them.
    section = registry.create("section", "labels", **params)
    frame, spec = load_sample("compas")
    again = section.run(frame, spec, options=AuditOptions())
    assert again.issues.n_issues == issues.n_issues
    assert np.array_equal(again.issues.mask, issues.mask)
    at.segmented_control(key=L.W_GROUPING).set_value("sex").run()
    assert list(frame_with(at, "Flags")["Group"]) == ["Female", "Male"]


def open_adult() -> AppTest:
    """The Label errors page on the Adult sample, opened on the Data page as a user does."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_sample").set_value("adult").run()
    at.button(key="data_open_sample").click().run()
    at.switch_page(L.PAGE).run()
    assert not at.exception, at.exception
    return at


def test_adult_reads_the_files_score_and_states_the_caveat():
    at = open_adult()
    shown = metrics(at)
    assert shown["Found with"] == "Score in file"
    assert W.CAVEAT_FILE[:60] in text(at).replace("\\", "")
    # The warning about the audited model's own probabilities points to the radio button.
    same = [w.value for w in at.warning if "audited model itself" in w.value]
    assert len(same) == 1 and "source=" not in same[0] and "CLI" not in same[0]
    assert "A cross-validated model of the features" in same[0]
    # Missing values of the data read "(missing)", never None or nan.
    queue = frame_with(at, "Chance of the given label")
    cells = {str(v) for v in queue.to_numpy().ravel()}
    assert "(missing)" in cells and not {"None", "nan", "NaN"} & cells
    params = at.session_state["fl_runs"]["runs"]["labels"]
    assert params == {"source": "score", "filter_by": "prune_by_noise_rate",
                      "rank_by": "self_confidence"}
    frame, spec = load_sample("adult")
    found = fl.label_issues_spec(frame, spec, options=AuditOptions(), **params)
    assert shown["Suspected label errors"] == f"{found.n_issues:,}"


def test_the_raw_propublica_upload_is_treated_like_the_sample():
    """Before: the raw export's decile_score (1-10) was refused with "source='features'; CLI
    --features" in the page; now it gets the sample's treatment."""
    raw = pd.read_csv(require_shared("compas", "compas-scores-two-years.csv"))
    spec = AuditSpec(label="two_year_recid", score=["decile_score"], sensitive=["race", "sex"],
                     threshold=5, score_kind="raw", favorable="negative")
    at = open_page(upload_session(raw, spec, "compas-scores-two-years.csv"))
    assert not at.error
    assert at.radio(key=L.W_SOURCE).options == [L.SOURCE_LABELS["features"]]
    assert W.raw_score_page("decile\\_score") in [i.value for i in at.info]
    chosen = at.multiselect(key=L.W_FEATURES).value
    assert "priors_count" in chosen and not {"is_recid", "decile_score", "id"} & set(chosen)
    train(at, folds=2)
    assert not at.error
    assert metrics(at)["Rows analysed"] == "7,214"
    assert "source='features'" not in text(at)
    assert at.session_state["fl_runs"]["runs"]["labels"]["features"] == chosen


def test_group_names_are_shown_literally(planted):
    """Markdown in a group value is escaped in every sentence (issue 15, item 4)."""
    frame = planted.frame.head(6000).copy()
    frame["group"] = frame["group"].map({"A": "A", "B": "[B](http://x.test/i.png)",
                                         "C": "C"})
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"])
    at = open_page(planted_session(frame, spec, ci="wilson", bootstrap=0))
    shown = text(at)
    assert md("[B](http://x.test/i.png)") in shown
    assert "[B](http://x.test/i.png)" not in shown


def test_planted_noise_group_is_named(planted):
    spec = AuditSpec(label="label", score=["score"], sensitive=["group", "sex"],
                     features=planted.features)
    at = open_page(planted_session(planted.frame, spec))
    rows = frame_with(at, "Flags").set_index("Group")
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
    # Shown as formula-safe data (Streamlit's own "Download as CSV" exports what is shown).
    assert first["Decision"] == "Label wrong" and first["Note"] == "'=looks flipped"
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
    assert metrics(at)["Found with"] == "Cross-validated"
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


def test_big_data_works_on_a_stated_sample_and_numbers_rows_as_in_the_data(planted,
                                                                            monkeypatch):
    """Above fairlens.labels.MAX_ROWS rows the page analyses the seeded stratified sample,
    says so in the headline, and the review queue shows the rows of the data (the limit is
    lowered here to keep the test fast; MAX_ROWS is read when the analysis runs)."""
    import fairlens.labels._sample as sampling

    monkeypatch.setattr(sampling, "MAX_ROWS", 3_000)
    big = planted.frame.head(5_000)
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"])
    at = open_page(upload_session(big, spec, "big.csv", "big0", ci="wilson", bootstrap=0))
    assert metrics(at)["Rows analysed"] == "3,000"
    assert md("The data has 5,000 rows, more than the 3,000 that label errors work on") in \
        text(at)
    found = fl.label_issues_spec(big, spec, options=AuditOptions(ci="wilson", bootstrap=0))
    assert found.sample.rows_analysed == 3_000
    queue = frame_with(at, "Chance of the given label")
    rows = [int(r) for r in queue["Row"]]
    assert rows == [int(r) for r in found.issue_table()["row"][:len(rows)]]
    assert max(rows) >= 3_000 or len(rows) < 5
    assert [str(v) for v in queue["Given label"]] == [str(v) for v in big["label"].iloc[rows]]
    assert L.LABEL_FLAGS not in at.session_state  # no flags of a sample for Slices

"""Every page's main action on the files an analyst really brings (AppTest).

The raw ProPublica export (53 columns: names, case numbers, dates, copies of the label and of
the score), Titanic (no model output at all) and the generated messy export of
:mod:`tests._messy` are uploaded through the Data page and audited with the mapping FairLens
proposes. On every page the main action runs (the label cross-validation, the slice search,
the explanation, a remedy, the report) and no page shows an exception; the results shown are
the proposed mapping's, and none of them is built on a column the screening left out.
"""

from __future__ import annotations

import pandas as pd
import pytest

from fairlens.data import screen_columns
from fairlens.ui import WorkspaceStore, keys
from fairlens.ui import labels_page as L
from fairlens.ui import remedies_page as R
from fairlens.ui import slices_page as P
from tests._messy import PLANTED_REASONS, messy_frame
from tests.conftest import require_shared

from .conftest import new_app, readable, restart_server, upload

PROPUBLICA_LEFT_OUT = {
    "id": "identifier", "name": "identifier", "first": "identifier", "last": "identifier",
    "c_case_number": "identifier", "dob": "date", "c_jail_in": "date", "is_recid": "label_leak",
    "event": "label_leak", "decile_score.1": "score_copy", "score_text": "score_copy",
}
"""Columns of the raw ProPublica file the screening must leave out, and why (issue 13)."""
PROPUBLICA_KEPT = ["age", "priors_count", "juv_fel_count", "juv_misd_count", "juv_other_count",
                   "c_charge_degree"]


@pytest.fixture(autouse=True)
def cold_caches() -> None:
    restart_server()


def _no_exception(at, where: str) -> None:
    assert not at.exception, (where, [readable(e.value) for e in at.exception])
    failures = [readable(e.value) for e in at.error if "could not run" in readable(e.value)]
    assert not failures, (where, failures)


def _open(at, page: str):
    at.switch_page(page).run()
    _no_exception(at, page)
    return at


def _uploaded(name: str, content: bytes):
    """A fresh tab with ``content`` uploaded, the proposed mapping applied, fast intervals."""
    at = new_app()  # the first run is the Data page's (no audit of the sample)
    upload(at, name, content)
    _no_exception(at, "upload")
    assert any(f"Loaded **{name}**" in readable(s.value) for s in at.success)
    if at.session_state[keys.SPEC].prediction_kinds:
        at.sidebar.radio(key=keys.W_CI).set_value("wilson").run()
        _no_exception(at, "settings")
    return at


def _left_out_shown(at) -> pd.DataFrame:
    tables = [d.value for d in at.main.dataframe if "Why it is not a feature" in d.value.columns]
    assert tables, "the Data page shows the columns left out of the features"
    table = tables[0]
    assert table["Why it is not a feature"].map(lambda t: isinstance(t, str) and len(t) > 10).all()
    assert not table["Why it is not a feature"].str.contains(r"None|\[|\]|nan", regex=True).any()
    return table.set_index("Column")


def _label_errors(at, *, folds: int = 2) -> None:
    _open(at, L.PAGE)
    at.radio(key=L.W_SOURCE).set_value("features").run()
    assert at.multiselect(key=L.W_FEATURES).value, "the proposed features are preselected"
    at.selectbox(key=L.W_MODEL).set_value("logistic_regression").run()
    at.number_input(key=L.W_FOLDS).set_value(folds).run()
    at.button(key=L.W_RUN_CV).click().run()
    _no_exception(at, "label errors")
    shown = {m.label: readable(m.value) for m in at.main.metric}
    assert "Suspected label errors" in shown, shown


def _slices(at, excluded: set[str]) -> None:
    _open(at, P.PAGE)
    features = at.multiselect(key=P.W_FEATURES).value
    assert features and not set(features) & excluded, features
    assert set(features) <= set(at.session_state[keys.SPEC].features), "the mapping's features"
    at.slider(key=P.W_DEPTH).set_value(2).run()
    _no_exception(at, "slices")
    assert any(readable(h.value) == "Slices, worst first" for h in at.subheader)
    lines = [readable(m.value) for m in at.main.markdown if readable(m.value).startswith("- ")]
    for column in excluded:
        assert not any(f"{column} " in line or f"`{column}`" in line for line in lines), column


def _explain(at) -> None:
    at.session_state["explain_sample_size"] = 100  # the fewest rows the page explains
    _open(at, "pages/explain.py")
    shown = {m.label: readable(m.value) for m in at.main.metric}
    assert shown.get("Explaining"), shown


def _remedy(at, method: str) -> float:
    _open(at, R.PAGE)
    at.selectbox(key=R.W_METHOD).set_value(method).run()
    at.button(key=R.W_RUN).click().run()
    _no_exception(at, "remedies")
    table = at.main.dataframe[0].value.set_index("Measure (held-out rows)")
    return float(table.loc["Accuracy", "After"])


def _report(at) -> None:
    _open(at, "pages/report.py")
    at.button(key="report_build").click().run()
    _no_exception(at, "report")
    assert any(readable(h.value) == "Executive summary" for h in at.subheader)


def test_raw_propublica_file_on_every_page(compas_csv):
    content = compas_csv.read_bytes()
    at = _uploaded("compas-scores-two-years.csv", content)
    spec = at.session_state[keys.SPEC]
    assert spec.label == "two_year_recid" and spec.score == ["decile_score"]
    assert set(PROPUBLICA_KEPT) <= set(spec.features)
    assert not set(PROPUBLICA_LEFT_OUT) & set(spec.features), spec.features
    left_out = _left_out_shown(at)
    truth = screen_columns(pd.read_csv(compas_csv), spec)
    assert set(left_out.index) == {c.name for c in truth.columns if c.reason}
    for column in PROPUBLICA_LEFT_OUT:
        shown = left_out.loc[column, "Why it is not a feature"]
        assert truth.reason_text(column).lower().endswith(shown.lower()), (column, shown)
        assert truth.column(column).reason == PROPUBLICA_LEFT_OUT[column]

    # a leak put back is warned about on the Data page
    at.multiselect(key=keys.W_DATA_FEATURES).set_value([*spec.features, "is_recid"]).run()
    assert any("is_recid" in readable(w.value) and "answer" in readable(w.value)
               for w in at.warning)
    at.button(key="data_reset").click().run()
    assert "is_recid" not in at.multiselect(key=keys.W_DATA_FEATURES).value

    # "high risk" harms the person: the favorable outcome is a negative prediction, saved in
    # the workspace (and, below, in the report's config)
    at.radio(key=keys.W_DATA_FAVORABLE).set_value("negative").run()
    at.button(key="data_apply").click().run()
    assert at.session_state[keys.SPEC].favorable == "negative"
    workspace = WorkspaceStore().get(at.session_state[keys.ACTIVE].workspace)
    assert workspace.spec["favorable"] == "negative"

    for page in ("pages/fairness.py", "pages/equity.py"):
        _open(at, page)
        assert at.main.table or at.main.dataframe, page
    _label_errors(at)
    _slices(at, set(PROPUBLICA_LEFT_OUT))
    _explain(at)
    accuracy = _remedy(at, "reweigh")
    assert 0.6 <= accuracy <= 0.75, accuracy
    _report(at)
    assert any('favorable = "negative"' in readable(c.value) for c in at.main.code)


def _warned_once(at, column: str, where: str) -> None:
    said = [readable(w.value) for w in at.main.warning if column in readable(w.value)]
    assert len(said) == 1, (where, said)


def test_messy_export_on_every_page():
    """The planted export, with one leak put back by the user: every page runs, and every
    page that uses the features warns about the leak once."""
    frame = messy_frame(n=1200)
    at = _uploaded("messy.csv", frame.to_csv(index=False).encode())
    spec = at.session_state[keys.SPEC]
    assert not set(PLANTED_REASONS) & set(spec.features), spec.features
    left_out = _left_out_shown(at)
    assert set(PLANTED_REASONS) - {spec.time} <= set(left_out.index)
    at.multiselect(key=keys.W_DATA_FEATURES).set_value([*spec.features, "outcome_copy"]).run()
    _warned_once(at, "outcome_copy", "data")
    at.button(key="data_apply").click().run()
    for page in ("pages/fairness.py", "pages/equity.py"):
        _open(at, page)
    _label_errors(at)
    _warned_once(at, "outcome_copy", "label errors")
    _slices(at, set(PLANTED_REASONS) - {"outcome_copy"})
    _warned_once(at, "outcome_copy", "slices")
    _explain(at)
    _warned_once(at, "outcome_copy", "explain")
    _remedy(at, "reweigh")
    _warned_once(at, "outcome_copy", "remedies")
    _report(at)


def test_titanic_without_model_output(tmp_path):
    """Titanic has a label and features but no model output: every page says what it needs
    instead of failing, and the label cross-validation runs on the proposed features."""
    path = require_shared("titanic", "titanic.csv")
    at = _uploaded("titanic.csv", path.read_bytes())
    spec = at.session_state[keys.SPEC]
    assert spec.label == "survived" and not spec.prediction_kinds
    assert set(spec.features) >= {"class", "fare"}, spec.features
    assert any("No prediction columns are mapped" in readable(w.value) for w in at.warning)
    needs = {"pages/fairness.py": "No prediction columns are mapped",
             "pages/equity.py": "No prediction columns are mapped",
             "pages/report.py": "No prediction columns are mapped",
             P.PAGE: "a score or decision column", R.PAGE: "the model's score"}
    for page, message in needs.items():
        _open(at, page)
        said = [readable(m.value) for m in [*at.main.info, *at.main.error, *at.main.warning]]
        assert any(message in m for m in said), (page, said)
    _open(at, "pages/explain.py")
    assert any("No surrogate of the scores" in readable(c.value) for c in at.main.caption)
    _label_errors(at, folds=2)
    # without a model, the suspected label errors are the slices' error signal
    _open(at, P.PAGE)
    signal = at.selectbox(key=P.W_ERROR)
    assert signal.value == P.LABEL_ISSUE and len(signal.options) == 1, signal.options
    assert any(readable(h.value) == "Slices, worst first" for h in at.subheader)


def test_a_failing_analysis_is_a_message_with_details(monkeypatch):
    """Whatever an analysis raises, the page says so (an input problem by its message,
    anything else as "could not run" with the details in an expander) and keeps working."""
    import fairlens.data
    import fairlens.slices as fs
    from fairlens.data import FairLensInputError
    from fairlens.ui import report_page

    def broken(*args, **kwargs):
        raise ValueError("window shape cannot be larger than input array shape")

    def refused(*args, **kwargs):
        raise FairLensInputError("The attribute 'race' has a single group in the held-out rows.")

    monkeypatch.setattr(fs, "find_slices_spec", broken)
    at = new_app()  # the COMPAS sample, opened on the Slices page
    at.switch_page(P.PAGE).run()
    assert not at.exception
    assert [readable(e.value) for e in at.main.error] == [
        "The slices analysis could not run: ValueError: window shape cannot be larger than "
        "input array shape"]
    details = [x for x in at.main.expander if x.label == "Details and what to try"]
    assert details and "ValueError" in readable(details[0].markdown[0].value)
    assert any("fairlens/" in readable(c.value) for c in details[0].caption), "where it was raised"

    monkeypatch.setattr(R, "remedy_spec", refused)
    at.switch_page(R.PAGE).run()
    at.button(key=R.W_RUN).click().run()
    assert not at.exception
    assert any("single group in the held-out rows" in readable(e.value) for e in at.main.error)
    assert any(readable(h.value).startswith("Trade-off") for h in at.subheader), "the page goes on"

    monkeypatch.setattr(fairlens.data, "screen_columns", broken)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert any(readable(e.value).startswith(
        "The column screening analysis could not run: ValueError") for e in at.main.error)
    assert any("The mapping fits the data" in readable(s.value)
               for s in at.main.success), "page goes on"

    monkeypatch.setattr(report_page, "build_report", broken)
    at.switch_page("pages/report.py").run()
    at.button(key="report_build").click().run()
    assert not at.exception
    assert any(readable(e.value).startswith("The report analysis could not run: ValueError")
               for e in at.main.error)

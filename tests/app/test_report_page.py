"""Report page (AppTest): sections, build, downloads, and a config that reproduces the app.

The config the page offers for download is run through ``fairlens report --config``; the
audit it computes must equal the app's own audit exactly (every number, every interval).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairlens.cli import main
from fairlens.report import ReportConfig
from fairlens.ui import report_page as R

from .conftest import new_app, predictions_csv, readable, upload

PAGE = R.PAGE


def open_report(at):
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Report"]
    return at


def shown_config(at) -> str:
    codes = [c.value for c in at.code if c.language == "toml"]
    assert codes, "the page shows the config it offers for download"
    return codes[0]


def cli_audit(config_text: str, folder: Path, capsys) -> dict:
    path = folder / R.CONFIG_NAME
    path.write_text(config_text)
    out = folder / "cli.json"
    code = main(["report", "--config", str(path), "--json", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    return json.loads(out.read_text())["audit"]


def test_build_preview_and_downloads(tmp_path):
    at = open_report(new_app().run())
    assert at.info and "Build the report" in at.info[0].value
    assert at.checkbox(key=R.W_EXPLAIN).disabled is not R.available("explain")
    at.checkbox(key=R.W_SLICES).check().run()
    at.text_area(key=R.W_RULES).input("equalized_odds_difference>0.1\nes_auc<0.1").run()
    at.button(key=R.W_BUILD).click().run()
    assert not at.exception, at.exception
    report = at.session_state[R.RESULT][1]
    assert report.slices is not None and report.gate is not None and not report.gate.passed
    assert any("1 of 2 rule(s) failed" in e.value for e in at.error)
    summary = "\n".join(readable(m.value) for m in at.markdown)
    assert "equalized odds difference **0.40**" in summary
    assert ("the four-fifths rule **fails** for African-American, at 0.52 of Other's rate of "
            "the favorable outcome") in summary
    assert len(at.get("download_button")) == 5
    assert len(at.get("iframe")) + len(at.get("html")) + len(
        [e for e in at.main if type(e).__name__ == "UnknownElement"]) >= 1
    config = ReportConfig.from_toml(shown_config(at))
    assert config.slices and config.fail_on == ["equalized_odds_difference>0.1", "es_auc<0.1"]


def test_bad_rule_is_a_message(tmp_path):
    at = open_report(new_app().run())
    at.text_area(key=R.W_RULES).input("es_auc =< 0.6").run()
    assert not at.exception
    assert "Cannot read the rule" in at.error[0].value


def test_sample_config_reproduces_the_app_exactly(tmp_path, capsys):
    at = new_app().run()
    at.sidebar.selectbox(key="sidebar_reference__race").set_value("Caucasian").run()
    at.sidebar.number_input(key="sidebar_min_group_size").set_value(20).run()
    at.sidebar.number_input(key="sidebar_bootstrap").set_value(300).run()
    at.sidebar.select_slider[0].set_value(0.7).run()  # a fragment rerun: run the page again
    at.run()
    open_report(at)
    at.button(key=R.W_BUILD).click().run()
    assert not at.exception, at.exception
    app_audit = json.loads(json.dumps(at.session_state[R.RESULT][1].audit.to_dict()))
    assert app_audit["threshold"] == 0.7
    assert app_audit["settings"]["min_group_size"] == 20
    assert app_audit["settings"]["bootstrap"] == 300
    assert app_audit["disparities"]["race"]["reference"] == "Caucasian"
    text = shown_config(at)
    assert 'sample = "compas"' in text
    assert cli_audit(text, tmp_path, capsys) == app_audit


def test_upload_config_reproduces_the_app_exactly(tmp_path, capsys):
    content = predictions_csv(1500, seed=4)
    at = upload(new_app().run(), "my predictions.csv", content)
    assert not at.exception, at.exception
    at.sidebar.number_input(key="sidebar_min_group_size").set_value(100).run()
    open_report(at)
    at.button(key=R.W_BUILD).click().run()
    assert not at.exception, at.exception
    report = at.session_state[R.RESULT][1]
    assert report.fingerprint["source"] == "upload"
    assert report.fingerprint["rows"] == 1500
    app_audit = json.loads(json.dumps(report.audit.to_dict()))
    text = shown_config(at)
    assert 'file = "my predictions.csv"' in text
    (tmp_path / "my predictions.csv").write_bytes(content)
    assert cli_audit(text, tmp_path, capsys) == app_audit


@pytest.mark.parametrize("missing", ["explain", "remedy"])
def test_missing_analysis_packages_disable_their_switch(monkeypatch, missing):
    monkeypatch.setattr(R, "available", lambda name: name != missing)
    at = open_report(new_app().run())
    key = R.W_EXPLAIN if missing == "explain" else R.W_REMEDY
    assert at.checkbox(key=key).disabled


# --- the report reproduces what was run on the pages -------------------------------------------

LABELS_PAGE = "pages/label_errors.py"
EXPLAIN_PAGE = "pages/explain.py"
REMEDIES_PAGE = "pages/remedies.py"
COMPARED = ("audit", "labels", "explain", "remedy", "config", "summary")


def _ok(at):
    assert not at.exception, at.exception
    return at


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_report_and_config_reproduce_the_pages_on_adult(tmp_path, capsys):
    """Label errors with the cross-validated model, Explain with the sample's own model and
    FIS on Remedies, each with settings other than the defaults: the Report page builds the
    same numbers, says where each setting comes from, and the config it offers gives the same
    JSON on the command line."""
    at = _ok(new_app().run())
    at.sidebar.number_input(key="sidebar_bootstrap").set_value(50).run()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_sample").set_value("adult").run()
    _ok(at.button(key="data_open_sample").click().run())

    at.switch_page(LABELS_PAGE).run()
    at.radio(key="labels_source").set_value("features").run()
    at.multiselect(key="labels_features").set_value(["age", "education_num",
                                                     "hours_per_week"]).run()
    at.selectbox(key="labels_model").set_value("logistic_regression").run()
    at.number_input(key="labels_folds").set_value(3).run()
    _ok(at.button(key="labels_run_cv").click().run())
    flagged = _metric(at, "Suspected label errors")

    at.session_state["explain_sample_size"] = 100  # before the page explains 500 rows
    at.session_state["explain_seed"] = 3
    _ok(at.switch_page(EXPLAIN_PAGE).run())
    assert at.radio(key="explain_source").value == "The sample's model"
    assert at.number_input(key="explain_sample_size").value == 100
    explained = list(at.session_state["explain_results"].values())[-1]

    at.switch_page(REMEDIES_PAGE).run()
    at.selectbox(key="remedies_method").set_value("fis").run()
    at.selectbox(key="remedies_attribute").set_value("sex").run()
    at.radio(key="remedies_architecture").set_value("logistic").run()
    at.number_input(key="remedies_epochs").set_value(3).run()
    _ok(at.button(key="remedies_run").click().run())
    remedied = at.session_state["remedies_runs"][at.session_state["remedies_last"]][1]

    open_report(at)
    assert at.checkbox(key=R.W_LABELS).value and at.checkbox(key=R.W_EXPLAIN).value
    assert at.checkbox(key=R.W_REMEDY).value and not at.checkbox(key=R.W_SLICES).value
    assert at.selectbox(key=R.W_REMEDY_METHOD).value == "fis"
    captions = [c.value for c in at.caption]
    for page in ("Label errors", "Explain", "Remedies"):
        assert f"As run on the {page} page" in captions
    assert "Not run on the pages: defaults" in captions
    _ok(at.button(key=R.W_BUILD).click().run())
    report = at.session_state[R.RESULT][1]
    assert not report.errors, report.errors

    assert f"{report.labels.issues.n_issues:,}" == flagged
    assert report.labels.to_dict()["source"] == "features"
    assert report.explain.model.source == "the adult sample's scikit-learn pipeline"
    assert report.explain.gap.gap == explained.gap.gap
    assert report.explain.to_dict()["importance"] == explained.to_dict()["importance"]
    doc, page_doc = report.remedy.to_dict(), remedied.to_dict()
    assert doc["method"] == "fis"
    for part in ("before", "after", "baseline"):
        assert doc[part] == page_doc[part]

    text = shown_config(at)
    assert '[analyses.labels]\norigin = "page"\nsource = "features"' in text
    assert '[analyses.remedy]\norigin = "page"\nmethod = "fis"' in text
    config = ReportConfig.from_toml(text)
    assert config.analyses["explain"]["model"] == "sample"
    assert config.analyses["remedy"]["epochs"] == 3
    path = tmp_path / R.CONFIG_NAME
    path.write_text(text)
    code = main(["report", "--config", str(path), "--json", str(tmp_path / "cli.json"),
                 "--quiet"])
    assert code == 0, capsys.readouterr().err
    cli = json.loads((tmp_path / "cli.json").read_text())
    app = json.loads(json.dumps(report.to_dict()))
    for key in COMPARED:
        assert cli[key] == app[key], key


def test_report_repeats_the_slices_page_search():
    at = _ok(new_app().run())
    at.switch_page("pages/slices.py").run()
    at.slider(key="slices_depth").set_value(2).run()
    _ok(at.number_input(key="slices_top_k").set_value(4).run())
    examined = _metric(at, "Slices examined")
    open_report(at)
    assert at.checkbox(key=R.W_SLICES).value
    assert "As run on the Slices page" in [c.value for c in at.caption]
    _ok(at.button(key=R.W_BUILD).click().run())
    report = at.session_state[R.RESULT][1]
    doc = report.slices.to_dict()
    assert doc["params"]["max_depth"] == 2 and len(doc["slices"]) <= 4
    assert f"{doc['n_examined']:,}" == examined
    assert ReportConfig.from_toml(shown_config(at)).analyses["slices"]["top_k"] == 4


def test_report_explains_the_uploaded_model_and_the_cli_reads_it_next_to_the_config(
        tmp_path, capsys):
    import hashlib

    import skops.io as sio

    from fairlens.datasets import adult_model
    from fairlens.ui import explain_page as X

    from .test_explain_page import upload_adult_model

    path = tmp_path / "adult.skops"
    sio.dump(adult_model(), path)
    at = upload_adult_model(path)
    types = at.multiselect(key=X.types_key(hashlib.sha256(path.read_bytes()).hexdigest()))
    _ok(types.set_value(list(types.options)).run())
    open_report(at)
    assert at.checkbox(key=R.W_EXPLAIN).value
    _ok(at.button(key=R.W_BUILD).click().run())
    report = at.session_state[R.RESULT][1]
    assert not report.errors and report.explain.model.kind == "model"
    assert "adult.skops" in report.explain.model.source
    config = tmp_path / "cli"
    config.mkdir()
    (config / "adult.skops").write_bytes(path.read_bytes())
    (config / R.CONFIG_NAME).write_text(shown_config(at))
    code = main(["report", "--config", str(config / R.CONFIG_NAME), "--json",
                 str(tmp_path / "cli.json"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    cli = json.loads((tmp_path / "cli.json").read_text())
    assert cli["explain"]["gap"] == json.loads(json.dumps(report.explain.to_dict()))["gap"]

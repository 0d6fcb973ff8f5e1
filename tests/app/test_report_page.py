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

from .conftest import new_app, predictions_csv, upload

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
    summary = "\n".join(m.value for m in at.markdown)
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

"""HTML and PDF: COMPAS end to end, self-contained offline HTML, page numbers, speed."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from fairlens.data import AuditSpec
from fairlens.datasets import COMPAS_AUDIT
from fairlens.report import ReportConfig, render_html, render_pdf, run_config


def pdf_text(data: bytes) -> list[str]:
    """The text of every page (pypdf reads the fonts' ToUnicode maps)."""
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def compas_report():
    config = ReportConfig(sample="compas", spec=AuditSpec(**COMPAS_AUDIT).to_dict(),
                          bootstrap=200, slices=True, fail_on=["equalized_odds_difference>0.1"])
    return run_config(config, command="fairlens report --config compas.toml")


def test_compas_cli_writes_html_and_pdf_in_under_30_seconds(tmp_path):
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "fairlens.cli", "report", "--sample", "compas",
         "--html", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf"), "--quiet"],
        capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 30, elapsed
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert "Fairness by race" in (tmp_path / "r.html").read_text()


def test_html_is_self_contained_with_plotly_once(compas_report):
    html = render_html(compas_report)
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("plotly.js v") == 1, "plotly.js is embedded exactly once"
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"?https?:", html), \
        "nothing is loaded from the network"
    charts = json.loads(re.search(
        r'<script type="application/json" id="fairlens-charts">(.*?)</script>', html,
        re.S).group(1))
    ids = re.findall(r'<div class="chart" id="(chart-\d+)">', html)
    assert [c["id"] for c in charts] == ids and len(ids) >= 6
    for heading in ["Executive summary", "Data fingerprint", "Audit spec", "Versions",
                    "Fairness by race", "Disparities and significance", "Four-fifths rule",
                    "Equity-scaled metrics", "Where the model fails", "CI fairness gate",
                    "Limitations", "Reproduce this report"]:
        assert heading in html, heading
    assert compas_report.fingerprint["content_sha256"] in html
    assert "fairlens report --config compas.toml" in html
    assert "@media print" in html
    light = render_html(compas_report, interactive=False)
    assert "plotly.js v" not in light and "Fairness by race" in light


def test_pdf_has_numbered_pages_and_the_same_numbers(compas_report):
    data = render_pdf(compas_report)
    pages = pdf_text(data)
    assert len(pages) >= 5
    for i, text in enumerate(pages, 1):
        assert f"page {i} of {len(pages)}" in text
    text = " ".join(" ".join(pages).split())
    race_eo = compas_report.audit.to_dict()["disparities"]["race"][
        "equalized_odds_difference"]
    assert f"{race_eo:.3f}" in text
    assert "Executive summary" in text and "Limitations" in text
    assert text.count("FAIL") >= 1
    assert b"/JavaScript" not in data


def test_json_and_csv_carry_every_table(compas_report, tmp_path):
    from fairlens.report import csv_files, report_json

    doc = json.loads(report_json(compas_report))
    assert doc["schema"] == "fairlens.report/1"
    assert doc["audit"]["schema"] == "fairlens.audit/1"
    assert doc["slices"]["schema"] == "fairlens.slices/1"
    assert doc["gate"]["passed"] is False
    files = csv_files(compas_report)
    assert {"overall.csv", "groups.csv", "disparities.csv", "tests_vs_reference.csv",
            "four_fifths_rule.csv", "equity.csv", "slices.csv", "gate.csv"} <= set(files)
    groups = files["groups.csv"].decode()
    assert groups.count("\r\n") == len(compas_report.audit.by_group) + 1
    assert Path(tmp_path).exists()


def test_per_sample_task_without_bootstrap_renders():
    from fairlens.datasets import SAMPLES

    spec = AuditSpec(**SAMPLES["segmentation"].audit).to_dict()
    report = run_config(ReportConfig(sample="segmentation", spec=spec, bootstrap=0,
                                     ci="wilson"))
    html = render_html(report)
    assert "ES-Dice by <strong>race</strong>" in html and "Dice" in html
    assert "Intervals are analytic" in html
    text = " ".join(" ".join(pdf_text(render_pdf(report))).split())
    assert "Fairness by race x gender x ethnicity" in text

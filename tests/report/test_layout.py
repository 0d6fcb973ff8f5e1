"""Layout of the HTML and PDF reports: nothing clipped at 1400 px or on the PDF page, chart
labels that stay distinct (abbreviated with a legend), table headers for a person."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest

from fairlens.data import AuditSpec
from fairlens.datasets import COMPAS_AUDIT
from fairlens.report import ReportConfig, render_html, run_config
from fairlens.report._content import Table
from fairlens.report._figures import GROUP_LABEL_WIDTH, figure_labels, legend_text, short_labels
from fairlens.report._html import cell
from fairlens.report._pdf import _styles, _widths
from fairlens.report._sections import build_sections

CHROMIUM = Path("/usr/bin/chromium")
RACES = ["African-American", "Asian", "Caucasian", "Hispanic", "Native American", "Other"]
AGES = ["25 - 45", "Greater than 45", "Less than 25"]


@pytest.fixture(scope="module")
def compas_report():
    """Every intersection of COMPAS shown (minimum group size 0), analytic intervals."""
    config = ReportConfig(sample="compas", spec=AuditSpec(**COMPAS_AUDIT).to_dict(),
                          bootstrap=0, ci="wilson", min_group_size=0)
    return run_config(config)


def test_intersection_labels_are_distinct_abbreviations_with_a_legend():
    names = [" x ".join(t) for t in itertools.product(RACES, ["Female", "Male"], AGES)]
    labels, legend = short_labels(names)
    assert len(set(labels)) == len(names), "no two groups share a label"
    assert max(map(len, labels)) <= GROUP_LABEL_WIDTH
    assert labels[0] == "Afri. x Female x 25 - 45"
    assert legend["Afri."] == "African-American" and legend["Grea."] == "Greater than 45"
    assert "Asian" not in legend.values(), "short names are kept whole"
    # every label reads back to its group through the legend
    for name, label in zip(names, labels, strict=True):
        assert " x ".join(legend.get(p, p) for p in label.split(" x ")) == name
    assert legend_text({"Afri.": "African-American"}) == \
        "Abbreviations: Afri. = African-American."


def test_other_long_labels_wrap_or_are_numbered():
    labels, legend = short_labels(["race x sex: Demographic parity difference",
                                   "race x sex: Equalized odds difference", "race: AUC"], 30)
    assert legend == {} and labels[2] == "race: AUC"
    assert all(len(line) <= 30 for label in labels for line in label.split("\n"))
    assert labels[0].count("\n") == 1
    same_start = ["a very long name that goes on and on and on " + str(i) * 30 for i in range(3)]
    labels, legend = short_labels(same_start, 20)
    assert len(set(labels)) == 3 and labels[0].startswith("(1) ")
    assert legend["(2)"] == same_start[1]


def test_the_reports_intersection_chart_has_distinct_labels(compas_report):
    figures = [f for s in build_sections(compas_report) for f in s.figures
               if f.kind == "group_bars" and "race x sex x age_cat" in f.title]
    assert figures, "the intersection chart is drawn"
    labels, legend = figure_labels(figures[0])
    assert len(labels) == len(figures[0].data["rows"]) == len(set(labels))
    assert legend, "the long group names are abbreviated"


def test_pdf_tables_are_never_wider_than_the_page():
    wide = Table("wide", [f"column_{i}" for i in range(14)],
                 [[f"0.{i}12 [0.{i}01, 0.{i}33]" for i in range(14)] for _ in range(3)])
    assert sum(_widths(wide, _styles(), 500.0)) <= 500.0 + 1e-6


def test_headers_are_for_a_person(compas_report):
    html = render_html(compas_report, interactive=False)
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert "Rows" in headers and "Group" in headers
    internal = [h for h in headers if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+|n|item|value", h)]
    assert internal == [], internal
    assert "(see the Flags column)" not in html


def test_value_and_interval_break_only_between_them():
    assert str(cell("0.514 [0.498, 0.531] *")) == (
        '<span class="v">0.514</span> <span class="ci">[0.498, 0.531] *</span>')
    assert str(cell("<b> [x]")) == '<span class="v">&lt;b&gt;</span> <span class="ci">[x]</span>'
    assert str(cell("1,799")) == '<span class="v">1,799</span>'


def test_no_table_is_clipped_at_1400_px(compas_report, tmp_path):
    if not CHROMIUM.exists():
        if os.environ.get("FAIRLENS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and FAIRLENS_REQUIRE_BROWSER=1 requires it")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    path.write_text(render_html(compas_report, interactive=False), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(path.as_uri())
        clipped = page.evaluate("""() => Array.from(document.querySelectorAll('.table-wrap'))
            .filter(w => w.scrollWidth > w.clientWidth + 1)
            .map(w => w.previousElementSibling.textContent)""")
        tables = page.evaluate("document.querySelectorAll('.table-wrap').length")
        browser.close()
    assert tables >= 10
    assert clipped == [], f"tables wider than the page at 1400 px: {clipped}"

"""End to end in a real headless Chromium: upload COMPAS, map it, read the fairness table.

Starts ``streamlit run app.py`` on a free port, drives it with Playwright (Debian's
``/usr/bin/chromium``; Playwright's own browsers are never downloaded), and compares the numbers
on the page with :func:`fairlens.audit` on the same file. Skips without Chromium or without
``../shared/data``, unless ``FAIRLENS_REQUIRE_BROWSER=1`` / ``FAIRLENS_REQUIRE_SHARED=1``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import fairlens
from fairlens import wording as fmt

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
COMPAS = ROOT.parent / "shared" / "data" / "compas" / "compas-scores-two-years.csv"
SETTLED = """() => {
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const busy = status && /Stop|Running/.test(status.innerText);
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  return !busy && !document.querySelector('[data-testid="stSkeleton"]') && main
    && main.querySelector('h1');
}"""


def _require(condition: bool, message: str, env: str) -> None:
    if condition:
        return
    if os.environ.get(env) == "1":
        pytest.fail(f"{message} and {env}=1 requires it")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium "
             "chromium-driver)", "FAIRLENS_REQUIRE_BROWSER")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in the test extra
        _require(False, "the playwright package is not installed", "FAIRLENS_REQUIRE_BROWSER")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def run_server(workspaces: Path, log: Path) -> Iterator[str]:
    """``streamlit run app.py`` on a free port with the given workspace folder; yields its URL."""
    port = _free_port()
    env = dict(os.environ, FAIRLENS_WORKSPACE_DIR=str(workspaces))
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"streamlit did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """One server for the module, with a private workspace folder."""
    folder = tmp_path_factory.mktemp("e2e")
    with run_server(folder / "workspaces", folder / "streamlit.log") as url:
        yield url


def settle(page, pause: float = 0.6) -> None:
    """Wait until the app has finished its run (twice, to let reruns start)."""
    for _ in range(2):
        time.sleep(pause)
        page.wait_for_function(SETTLED, timeout=120_000)


def upload_file(page, path: Path) -> None:
    """Send a file through the Data page's file uploader."""
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))



def upload_on_the_data_page(page, url: str, path: Path) -> None:
    """Open the Data page of the app at ``url``, choose "Upload a file" and upload ``path``."""
    page.goto(f"{url}/data")
    settle(page)
    page.get_by_text("Upload a file", exact=True).click()
    settle(page)
    upload_file(page, path)


def main_widget(page, testid: str, label: str):
    return page.locator(f'[data-testid="stMain"] [data-testid="{testid}"]').filter(
        has_text=label).first


def pick_option(page, value: str) -> None:
    """Filter the open drop-down list by ``value`` and click exactly that option.

    (Pressing Enter would take the first entry, which in a multiselect is "Select N matches".)
    """
    page.keyboard.type(value)
    page.get_by_role("option", name=value, exact=True).click()
    settle(page, 0.3)


def choose(page, label: str, value: str) -> None:
    """Pick ``value`` in the select box labelled ``label`` (main area)."""
    main_widget(page, "stSelectbox", label).click()
    pick_option(page, value)


def add_to_multiselect(page, label: str, values: list[str]) -> None:
    """Choose ``values`` in the (cleared) multiselect labelled ``label`` and check the chips."""
    box = clear_multiselect(page, label)
    for value in values:
        box.click()
        pick_option(page, value)
        page.keyboard.press("Escape")
    chips = [c.inner_text().strip() for c in box.locator("[data-tag]").all()]
    assert chips == values, chips


def clear_multiselect(page, label: str):
    """Remove every chosen value of the multiselect labelled ``label`` (main area)."""
    box = main_widget(page, "stMultiSelect", label)
    for _ in range(20):
        remove = box.get_by_role("button", name="Remove")
        if remove.count() == 0:
            break
        remove.first.click()
        settle(page, 0.3)
    return box


def read_table(page, index: int = 0) -> dict[str, dict[str, str]]:
    """An ``st.table`` as {row header: {column: text}}."""
    table = page.locator('[data-testid="stMain"] [data-testid="stTable"] table').nth(index)
    headers = [h.inner_text().strip() for h in table.locator("thead th").all()]
    rows = {}
    for tr in table.locator("tbody tr").all():
        name = tr.locator("th").first.inner_text().strip()
        cells = [td.inner_text().strip() for td in tr.locator("td").all()]
        rows[name] = dict(zip(headers[-len(cells):], cells, strict=True))
    return rows


def test_upload_map_and_compare_with_the_library(server, browser, tmp_path):
    _require(COMPAS.exists(), f"{COMPAS} is not available", "FAIRLENS_REQUIRE_SHARED")
    page = browser.new_page(viewport={"width": 1500, "height": 2200})
    upload_on_the_data_page(page, server, COMPAS)
    page.get_by_text("Loaded compas-scores-two-years.csv").wait_for(timeout=120_000)
    settle(page)

    choose(page, "True label", "two_year_recid")
    add_to_multiselect(page, "Score column(s)", ["decile_score"])
    page.get_by_text("Raw (any scale", exact=False).click()
    threshold = main_widget(page, "stNumberInput", "Decision threshold").locator("input")
    threshold.fill("5")
    threshold.press("Enter")
    settle(page)
    add_to_multiselect(page, "Sensitive attributes", ["race", "sex"])
    page.get_by_role("button", name="Apply mapping").click()
    settle(page)
    page.get_by_text("The mapping fits the data: 7,214 rows, one model; race (6 groups), "
                     "sex (2 groups), race x sex (12 groups).").wait_for(timeout=60_000)

    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Fairness").click()
    settle(page)
    page.locator('[data-testid="stMain"] [data-testid="stTable"]').first.wait_for()
    page.screenshot(path=str(tmp_path / "fairness.png"), full_page=True)
    shown = read_table(page)

    expected = fairlens.audit(str(COMPAS), label="two_year_recid", score="decile_score",
                              score_kind="raw", threshold=5, sensitive=["race", "sex"])
    rows = expected.by_group[expected.by_group["grouping"] == "race"]
    assert set(shown) == set(rows["group"])
    for _, r in rows.iterrows():
        cells = shown[r["group"]]
        assert cells["n"] == f"{int(r['n']):,}"
        for metric in fmt.BINARY_TABLE_METRICS:
            want = fmt.fmt_ci(r[metric], r[f"{metric}_low"], r[f"{metric}_high"])
            if bool(r.get(f"{metric}_significant", False)):
                want += fmt.SIGNIFICANCE_MARK
            assert cells[fmt.metric_label(metric)] == want, (r["group"], metric)
    body = page.locator('[data-testid="stMain"]').inner_text()
    ratio = expected.to_dict()["disparities"]["race"]["four_fifths_rule"]["groups"][
        "Caucasian"]["ratio"]
    assert (f"The Caucasian group receives the favorable outcome (predicted positive) at "
            f"{ratio:.2f} of African-American's rate") in body
    assert (tmp_path / "fairness.png").stat().st_size > 10_000
    page.close()


def test_malformed_uploads_show_a_clear_message(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/data")
    settle(page)
    page.get_by_text("Upload a file", exact=True).click()
    settle(page)
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 64)
    upload_file(page, junk)
    error = page.locator('[data-testid="stAlertContentError"]').filter(has_text="junk.csv")
    error.wait_for(timeout=60_000)
    assert "binary" in error.inner_text()
    page.screenshot(path=str(tmp_path / "junk.png"), full_page=True)

    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Fairness").click()
    settle(page)
    assert page.locator('[data-testid="stMain"] [data-testid="stTable"]').count() >= 1, \
        "the app keeps working on the previous dataset"

    no_columns = tmp_path / "no_columns.csv"
    no_columns.write_text("a,b,c\n1,2,x\n3,4,y\n")
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Data").click()
    settle(page)
    upload_file(page, no_columns)
    page.get_by_text("No prediction columns are mapped").first.wait_for(timeout=60_000)
    page.close()


def test_saved_workspace_survives_a_server_restart(browser, tmp_path):
    workspaces = tmp_path / "workspaces"
    data = tmp_path / "predictions.csv"
    rng_rows = ["label,score,race,sex"]
    for i in range(600):
        rng_rows.append(f"{i % 2},{((i * 37) % 100) / 100:.2f},{'ABC'[i % 3]},{'FM'[i % 5 % 2]}")
    data.write_text("\n".join(rng_rows) + "\n")
    with run_server(workspaces, tmp_path / "first.log") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        upload_on_the_data_page(page, url, data)
        page.get_by_text("The mapping fits the data: 600 rows").wait_for(timeout=60_000)
        size = page.locator('[data-testid="stSidebar"] [data-testid="stNumberInput"]').filter(
            has_text="Minimum group size").locator("input")
        size.fill("150")
        size.press("Enter")
        settle(page)
        name = page.locator('[data-testid="stSidebar"] [data-testid="stTextInput"] input')
        name.fill("restart check")
        name.press("Enter")
        settle(page)
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_text("Saved workspace 'restart check'").wait_for(timeout=60_000)
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Fairness").click()
        settle(page)
        before = read_table(page)
        address = page.url
        page.close()
    assert "workspace=" in address

    with run_server(workspaces, tmp_path / "second.log") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(url)
        settle(page)
        page.get_by_text("Saved workspaces (1)").click()
        page.get_by_role("button", name="restart check").click()
        settle(page)
        page.get_by_text("Opened workspace 'restart check'").wait_for(timeout=60_000)
        assert read_table(page) == before
        assert page.locator('[data-testid="stSidebar"] [data-testid="stNumberInput"]').filter(
            has_text="Minimum group size").locator("input").input_value() == "150"
        page.goto(url + "/?" + address.split("?", 1)[1])
        settle(page)
        assert read_table(page) == before, "the address alone reopens the workspace"
        page.close()


def test_export_a_report(server, browser, tmp_path):
    """Build the report on the Report page, download the HTML and the config, check both."""
    from fairlens.datasets import COMPAS_AUDIT, load_compas
    from fairlens.report import ReportConfig

    page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/report")
    settle(page)
    page.get_by_role("button", name="Build the report").click()
    settle(page)
    page.get_by_text("Executive summary").first.wait_for(timeout=120_000)
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="HTML", exact=True).click()
    html_path = tmp_path / info.value.suggested_filename
    info.value.save_as(html_path)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Config (TOML)", exact=True).click()
    config_path = tmp_path / info.value.suggested_filename
    info.value.save_as(config_path)
    page.close()
    assert not errors, errors

    html = html_path.read_text()
    assert html_path.name == "fairlens-report.html"
    assert html.count("plotly.js v") == 1 and "Fairness by race" in html
    expected = fairlens.audit(load_compas(), **COMPAS_AUDIT)
    eo = expected.to_dict()["disparities"]["race"]["equalized_odds_difference"]
    assert f"the equalized odds difference, is <strong>{eo:.2f}</strong>" in html
    config = ReportConfig.from_toml(config_path.read_text())
    assert config.sample == "compas" and config.bootstrap == 1000

    report = browser.new_page(viewport={"width": 1200, "height": 1400})
    console: list[str] = []
    report.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    report.on("pageerror", lambda e: console.append(str(e)))
    report.goto(html_path.as_uri())
    report.wait_for_function("window.fairlensChartsDrawn > 0", timeout=60_000)
    drawn = report.evaluate("document.querySelectorAll('.chart .main-svg').length")
    assert drawn >= 6 and not console, (drawn, console)
    report.close()

"""The raw ProPublica export in a real headless Chromium, as a new user would walk it.

Upload the 53-column file, keep the mapping FairLens proposes, and visit Fairness, Label errors
(training the cross-validated model), Slices, Remedies and Report: no page shows Streamlit's
exception box, each shows its result, and the Data page lists the columns it left out with
their reasons. Screenshots of every page are saved in ``/tmp/shots/`` (or
``FAIRLENS_SHOTS``) for a person to look at. One server for the walk (see
:mod:`tests.e2e.test_browser` for the server, the browser and the widget helpers).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from tests.e2e.test_browser import (
    COMPAS,
    _require,
    browser,  # noqa: F401 - the module's browser fixture
    main_widget,
    run_server,
    settle,
    upload_on_the_data_page,
)

SHOTS = Path(os.environ.get("FAIRLENS_SHOTS", "/tmp/shots"))
EXCEPTION = '[data-testid="stException"]'
LEFT_OUT = ["c_case_number", "is_recid", "decile_score.1", "score_text", "dob"]


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _visit(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    settle(page)
    page.locator('[data-testid="stMain"] h1').filter(has_text=title).first.wait_for(
        timeout=60_000)


def _shot(page, name: str) -> None:
    assert page.locator(EXCEPTION).count() == 0, (name, page.locator(EXCEPTION).first.inner_text())
    text = _main_text(page)
    assert "could not run" not in text, (name, text[:2000])
    junk = re.findall(r"\bNone\b|\bnan\b|\['|'\]|<[a-z_.]+ object at", text)
    assert not junk, (name, junk)
    # The app scrolls inside its main block: grow the window to the page's height for the shot.
    height = page.evaluate(
        "document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 200, 9000)})
    time.sleep(0.5)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.set_viewport_size(size)


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    settle(page)


def test_walk_the_raw_propublica_file(browser, tmp_path):  # noqa: F811
    _require(COMPAS.exists(), f"{COMPAS} is not available", "FAIRLENS_REQUIRE_SHARED")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with run_server(tmp_path / "workspaces", tmp_path / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": 1500, "height": 1400})
        upload_on_the_data_page(page, url, COMPAS)
        page.get_by_text("Loaded compas-scores-two-years.csv").wait_for(timeout=120_000)
        settle(page)
        page.get_by_text("The mapping fits the data: 7,214 rows").wait_for(timeout=60_000)
        page.get_by_text("Columns left out of the features (").wait_for(timeout=30_000)
        assert page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').count() >= 2
        _shot(page, "1-data")
        chips = main_widget(page, "stMultiSelect", "Feature columns").inner_text()
        assert "priors_count" in chips and not any(c in chips.split() for c in LEFT_OUT), chips
        # a positive prediction ("high risk") harms the person
        page.get_by_text("harmful to the person", exact=False).click()
        settle(page)
        _click(page, "Apply mapping")

        # fast intervals for the walk (the sidebar's radio)
        page.locator('[data-testid="stSidebar"]').get_by_text("Confidence intervals").click()
        page.locator('[data-testid="stSidebar"]').get_by_text("Fast analytic").click()
        settle(page)

        _visit(page, "Fairness")
        page.locator('[data-testid="stMain"] [data-testid="stTable"]').first.wait_for(
            timeout=120_000)
        assert "African-American" in _main_text(page)
        _shot(page, "2-fairness")

        _visit(page, "Label errors")
        page.get_by_text("A cross-validated model of the features", exact=True).click()
        settle(page)
        folds = main_widget(page, "stNumberInput", "Folds").locator("input")
        folds.fill("2")
        folds.press("Enter")
        settle(page)
        _click(page, "Train the folds")
        page.get_by_text("Suspected label errors").first.wait_for(timeout=120_000)
        settle(page)
        _shot(page, "3-label-errors")

        _visit(page, "Slices")
        page.get_by_text("Slices, worst first").wait_for(timeout=120_000)
        settle(page)
        slices = page.locator('[data-testid="stMain"] li').all_inner_texts()
        for column in LEFT_OUT:
            assert not any(column in s for s in slices), (column, slices)
        _shot(page, "4-slices")

        _visit(page, "Remedies")
        _click(page, "Run remedy")
        page.get_by_text("Held-out accuracy").first.wait_for(timeout=120_000)
        settle(page)
        _shot(page, "5-remedies")

        _visit(page, "Report")
        _click(page, "Build the report")
        page.get_by_text("Executive summary").first.wait_for(timeout=120_000)
        settle(page)
        _shot(page, "6-report")
        page.close()

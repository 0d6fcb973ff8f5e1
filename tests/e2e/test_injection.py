"""Markdown injection in a real headless Chromium: group values and column names are shown as
literal text on every page, and the browser asks no host but the app's own server.

A generated CSV whose group values and column names are Markdown/KaTeX/HTML payloads (an
image and a link to an outside host, a heading with a rule, a colour directive, a KaTeX
``\\href``, a spreadsheet formula) is uploaded; each page is visited (Remedies and Report
with their main button pressed) while every request the browser makes is logged. Skips without
Chromium (unless ``FAIRLENS_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest

from tests.e2e.test_browser import (
    browser,  # noqa: F401 - the shared Chromium fixture
    run_server,
    settle,
    upload_on_the_data_page,
)

ATTACKER = "attacker.example"
PAYLOADS = [
    f"![t](http://{ATTACKER}/x.png)",
    f"[link](http://{ATTACKER}/l)",
    "a\n# HEAD\n---",
    ":red[RED]",
    f"$\\href{{http://{ATTACKER}/k}}{{K}}$",
    "=1+1",
    f"<img src=http://{ATTACKER}/i.png>",
]
"""Group values: each must read as itself (line breaks may become spaces)."""
SEX = [f"[m](http://{ATTACKER}/s)", "**F**"]
FEATURE = f"![c](http://{ATTACKER}/col.png)"
PAGES = {
    "data": "Data", "fairness": "Fairness", "equity": "Equity", "over_time": "Over time",
    "slices": "Slices", "explain": "Explain", "label_errors": "Label errors",
    "remedies": "Remedies", "report": "Report",
}
BUTTONS = {"remedies": "Run remedy", "report": "Build the report"}
"""Pages whose results appear only after their main button."""
RENDERED = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const out = {imgs: [], links: [], headings: [], colored: [], katex: 0};
  const where = (el) => {
    const box = el.closest('[data-testid]:not([data-testid="stMarkdownContainer"])');
    return (box ? box.getAttribute('data-testid') : '?') + ': '
      + (el.closest('[data-testid="stMarkdownContainer"]') || el).innerText.slice(0, 160);
  };
  for (const img of document.querySelectorAll('img'))
    if (img.src.includes('attacker')) out.imgs.push(img.src + ' in ' + where(img));
  for (const a of main.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href') || '';
    let host = '';
    try { host = new URL(href, document.baseURI).host; } catch (e) { host = href; }
    if (host.includes('attacker')) out.links.push(href + ' in ' + where(a));
  }
  for (const h of main.querySelectorAll('h1, h2, h3, h4, h5, h6'))
    out.headings.push(h.innerText.trim());
  for (const el of main.querySelectorAll('[class*="colored"], span[style*="color"]'))
    if (el.innerText.includes('RED')) out.colored.push(el.innerText);
  out.katex = main.querySelectorAll('.katex a').length;
  return out;
}"""


def payload_frame(n: int = 1400, seed: int = 0) -> pd.DataFrame:
    """Predictions whose groups and one feature's name are payloads (a real signal inside)."""
    rng = np.random.default_rng(seed)
    race = rng.choice(PAYLOADS, n)
    label = rng.integers(0, 2, n)
    score = np.clip(0.35 * label + 0.65 * rng.random(n), 0, 1).round(3)
    return pd.DataFrame({
        "label": label, "score": score, "race": race, "sex": rng.choice(SEX, n),
        FEATURE: rng.choice(PAYLOADS, n), "age": rng.integers(18, 80, n),
        "date": pd.date_range("2024-01-01", periods=n, freq="6h").strftime("%Y-%m-%d"),
    })


def _literal(text: str) -> str:
    """How a payload reads on the page: one line (line breaks shown as spaces)."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def injection_run(browser, tmp_path_factory):  # noqa: F811 - the shared fixture
    """Upload the payload file once, visit every page; what each page showed and requested."""
    folder = tmp_path_factory.mktemp("injection")
    data = folder / "payloads.csv"
    payload_frame().to_csv(data, index=False)
    seen: dict[str, dict] = {}
    with run_server(folder / "workspaces", folder / "streamlit.log") as url:
        own = urlparse(url).netloc
        page = browser.new_page(viewport={"width": 1500, "height": 2400})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        upload_on_the_data_page(page, url, data)
        try:
            page.get_by_text("Loaded payloads.csv").wait_for(timeout=180_000)
        except Exception:
            page.screenshot(path=str(folder / "upload.png"), full_page=True)
            pytest.fail("the upload was not loaded: "
                        + page.locator('[data-testid="stMain"]').inner_text()[:1500]
                        + (folder / "streamlit.log").read_text()[-2000:])
        settle(page)
        for path, title in PAGES.items():
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
            settle(page)
            if path in BUTTONS:
                page.get_by_role("button", name=BUTTONS[path]).first.click()
                settle(page)
            shots = Path(os.environ.get("FAIRLENS_SCREENSHOTS", folder))
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"injection_{path}.png"), full_page=True)
            seen[path] = {
                "text": page.locator('[data-testid="stMain"]').inner_text(),
                "dom": page.evaluate(RENDERED),
                "exceptions": [e.inner_text()[:300] for e in
                               page.locator('[data-testid="stException"]').all()],
            }
        page.close()
    outside = sorted({u for u in requests
                      if urlparse(u).scheme in ("http", "https", "ws", "wss")
                      and urlparse(u).netloc != own})
    return {"pages": seen, "outside": outside, "errors": errors, "folder": folder}


def test_the_browser_asks_only_its_own_server(injection_run):
    assert injection_run["outside"] == [], injection_run["outside"]


@pytest.mark.parametrize("path", list(PAGES))
def test_payloads_are_not_rendered(injection_run, path):
    shown = injection_run["pages"][path]
    dom = shown["dom"]
    assert not dom["imgs"], dom["imgs"]
    assert not dom["links"], dom["links"]
    assert "HEAD" not in dom["headings"] and "RED" not in dom["colored"], dom
    assert dom["katex"] == 0
    assert not shown["exceptions"], shown["exceptions"]


@pytest.mark.parametrize("path", ["data", "fairness", "equity", "over_time", "slices"])
def test_group_values_read_as_literal_text(injection_run, path):
    text = " ".join(injection_run["pages"][path]["text"].replace("\u2060", "").split())
    if path == "data":
        wanted = [FEATURE]
    elif path == "slices":
        wanted = [FEATURE, _literal(PAYLOADS[0])]
    elif path == "over_time":  # the six largest groups are drawn first
        wanted = [_literal(p) for p in (PAYLOADS[1], PAYLOADS[2], PAYLOADS[6])]
    else:
        wanted = [_literal(p) for p in PAYLOADS[:2]]
    missing = [w for w in wanted if w not in text]
    assert not missing, (missing, text[:3000])

"""In headless Chromium: trust is per file, and an opened sample survives a reload.

1. The Data page opens the Adult sample: its workspace id is in the address at once, and a
   reload of that address shows the Adult sample again (before: COMPAS).
2. The Explain page explains an uploaded ``adult.joblib`` only after "I trust this file" is
   ticked; a second pickle (whose unpickling creates a file) then asks again, unticked, and
   its code never runs (before: the box stayed ticked and the second file ran at once).
   Model uploads leave nothing in the server's temporary folder.

Screenshots go to ``FAIRLENS_SHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import pickle
import re
import time
from pathlib import Path

from .test_browser import browser, run_server, settle, upload_file  # noqa: F401 - fixture


class _CreatesFile:
    """Unpickling this object creates a file: code runs on load."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FAIRLENS_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def _main(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _trust_box(page):
    return page.locator('[data-testid="stCheckbox"]').filter(has_text="I trust this file")


def test_trust_is_per_file_and_a_sample_survives_a_reload(browser, tmp_path, monkeypatch):  # noqa: F811
    import joblib

    from fairlens.datasets import adult_model

    shots = _shots(tmp_path)
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(server_tmp))
    good = tmp_path / "adult.joblib"
    joblib.dump(adult_model(), good)
    marker = tmp_path / "pwned.txt"
    evil = tmp_path / "other.pkl"
    evil.write_bytes(pickle.dumps(_CreatesFile(str(marker))))

    with run_server(tmp_path / "workspaces", tmp_path / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": 1500, "height": 2400})
        page.goto(f"{url}/data")
        settle(page)
        page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(
            has_text="Sample").first.click()
        page.get_by_role("option", name="Adult", exact=True).click()
        settle(page, 0.3)
        page.get_by_role("button", name="Open sample").click()
        settle(page)
        match = re.search(r"[?&]workspace=([0-9a-f]{16})", page.url)
        assert match, f"no workspace id in the address after opening the sample: {page.url}"
        assert "Adult sample" in _sidebar(page)
        page.reload()
        settle(page)
        assert f"workspace={match.group(1)}" in page.url
        assert "Adult sample" in _sidebar(page), "a reload went back to another dataset"
        assert "belongs to another session" not in _sidebar(page), "a reload lost ownership"

        page.goto(f"{url}/explain?workspace={match.group(1)}")
        settle(page)
        page.get_by_text("Upload a model file", exact=True).click()
        settle(page)
        upload_file(page, good)
        _trust_box(page).wait_for(timeout=60_000)
        settle(page)
        assert "runs the code inside it" in _main(page)
        assert not _trust_box(page).locator("input").is_checked()
        assert "Explaining" not in _main(page)
        _trust_box(page).locator("label").click()
        page.get_by_text("Explaining").first.wait_for(timeout=240_000)
        settle(page)
        assert "pickle/joblib model adult.joblib" in _main(page)
        page.screenshot(path=str(shots / "trust-1-trusted.png"), full_page=False)

        upload_file(page, evil)
        settle(page)
        _trust_box(page).wait_for(timeout=60_000)
        time.sleep(1.0)
        settle(page)
        text = _main(page)
        assert not marker.exists(), "the second file's code ran without a confirmation"
        assert not _trust_box(page).locator("input").is_checked()
        assert "other.pkl" in text and "Explaining" not in text
        page.screenshot(path=str(shots / "trust-2-asks-again.png"), full_page=False)
        leftovers = [p.name for p in server_tmp.rglob("*") if "fairlens-model" in str(p)]
        assert leftovers == [], f"model copies left in the temporary folder: {leftovers}"
        page.close()
    assert not marker.exists()

"""End to end in headless Chromium: the Over time page on the COMPAS sample by month and on a
planted-drift log, with screenshots (saved to ``FAIRLENS_SHOTS``, default a temporary folder).

The planted log's change (group B's TPR drops in one month) must be listed in words at that
month, and the page's numbers must be the library's. Both datasets open as workspaces with
analytic intervals (fast); with ``FAIRLENS_SHOTS`` set they keep the default bootstrap, as a
user sees them.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from fairlens import AuditOptions, AuditSpec
from fairlens.datasets import COMPAS_AUDIT, load_compas, make_drift_log
from fairlens.drift import drift_spec
from fairlens.ui._cache import frame_hash
from fairlens.ui._keys import DEFAULT_SETTINGS
from fairlens.ui._workspace import WorkspaceStore

from .test_browser import browser, run_server, settle  # noqa: F401 - the browser fixture

WIDTH, HEIGHT = 1500, 5200


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FAIRLENS_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_over_time_on_compas_and_a_planted_log(browser, tmp_path):  # noqa: F811
    shots = _shots(tmp_path)
    workspaces = tmp_path / "workspaces"
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    if not os.environ.get("FAIRLENS_SHOTS"):
        settings.update(ci="wilson", bootstrap=0)
    options = AuditOptions(bootstrap=int(settings["bootstrap"]), ci=settings["ci"])
    store = WorkspaceStore(workspaces)
    compas = load_compas()
    compas_ws = store.create(
        name="COMPAS sample", data_key=frame_hash(compas), frame=compas,
        source={"kind": "sample", "sample": "compas"},
        spec=AuditSpec(**COMPAS_AUDIT).to_dict(), settings=settings)
    log = make_drift_log(n_months=12, rows_per_month=1000, change_month=8, tpr_drop=0.35)
    spec = AuditSpec.from_dict(log.audit_kwargs)
    frame = log.frame
    ws = store.create(
        name="planted-drift.csv", data_key=frame_hash(frame), frame=frame,
        source={"kind": "upload", "filename": "planted-drift.csv"}, spec=spec.to_dict(),
        settings=settings)
    expected = drift_spec(frame, spec, options=options, window="month")
    planted = [c for c in expected.changes if c.window == log.change_label
               and c.group == log.drift_group and c.measure == "tpr" and c.q_value < 0.01]
    assert planted, "the library finds the planted change"

    with run_server(workspaces, tmp_path / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(f"{url}/over_time?workspace={compas_ws.id}")
        settle(page)
        page.get_by_text("Detected changes").wait_for(timeout=180_000)
        settle(page)
        text = _text(page)
        assert "24 window(s) by month, from January 2013 to December 2014" in text
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 3
        page.screenshot(path=str(shots / "over_time_compas_month.png"), full_page=True)

        page.goto(f"{url}/over_time?workspace={ws.id}")
        settle(page)
        page.get_by_text("Detected changes").wait_for(timeout=180_000)
        settle(page)
        text = _text(page)
        assert "12 window(s) by month, from January 2025 to December 2025" in text
        assert planted[0].description.split(",")[0] in text
        page.screenshot(path=str(shots / "over_time_planted_drift.png"), full_page=True)
        page.close()
    if not list(shots.glob("*.png")):  # pragma: no cover - the screenshots are the point
        pytest.fail("no screenshot was written")

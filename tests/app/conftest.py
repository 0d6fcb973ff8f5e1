"""Fixtures for the AppTest page tests: a private workspace folder and the app."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT = 120


@pytest.fixture(autouse=True)
def workspace_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty workspace folder of its own."""
    folder = tmp_path / "workspaces"
    monkeypatch.setenv("FAIRLENS_WORKSPACE_DIR", str(folder))
    return folder


def new_app(query: dict[str, str] | None = None) -> AppTest:
    """A fresh browser tab on the app (optionally with query parameters), not yet run."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if query:
        at.query_params.update(query)
    return at


@pytest.fixture
def app() -> AppTest:
    """The app after its first run (opens on the COMPAS sample's Fairness page)."""
    at = new_app().run()
    assert not at.exception, at.exception
    return at


def restart_server() -> None:
    """What a server restart loses: every in-memory cache."""
    st.cache_data.clear()
    st.cache_resource.clear()


def readable(value):
    """Markdown text as a person reads it: the escapes of user values removed
    (``African\\-American`` -> ``African-American``) and the invisible word joiners that
    keep URLs from becoming links; other values unchanged."""
    import re

    if not isinstance(value, str):
        return value
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", value).replace("\u2060", "")


def table_frame(at: AppTest, index: int = 0):
    """The DataFrame behind ``st.table`` number ``index`` of the main area, as a person reads
    it (``st.table`` renders Markdown, so the app escapes its text; the escapes are removed)."""
    read = readable

    frame = at.main.table[index].value.copy()
    frame.columns = [read(c) for c in frame.columns]
    frame.index = frame.index.map(read)
    frame.index.name = read(frame.index.name)
    return frame.map(read)


def predictions_csv(n: int = 3000, *, seed: int = 0, models: int = 1) -> bytes:
    """A small generated predictions file: label, score(s), race, sex and one feature."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B", "C"], n, p=[0.6, 0.3, 0.1])
    sex = rng.choice(["F", "M"], n)
    y = (rng.random(n) < np.where(race == "B", 0.45, 0.35)).astype(int)
    frame = pd.DataFrame({"label": y, "race": race, "sex": sex,
                          "income": rng.normal(50, 10, n).round(1)})
    for k in range(models):
        noise = rng.normal(0, 1.0 + 0.4 * k, n) + (race == "C") * 0.3 * k
        frame["score" if k == 0 else f"score_{k + 1}"] = (
            1 / (1 + np.exp(-((y - 0.5) * 1.5 + noise)))).round(3)
    return frame.to_csv(index=False).encode()


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    """Go to the Data page and upload a file through the file uploader."""
    at.switch_page("pages/data.py").run()
    if at.radio(key="data_source").value != "Upload a file":
        at.radio(key="data_source").set_value("Upload a file").run()
    at.file_uploader(key="data_upload").upload(name, content, "text/csv").run()
    return at

"""The Slices page (AppTest): it shows the library's slices for the active data."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fairlens import AuditSpec
from fairlens.datasets import make_planted
from fairlens.slices import find_slices, slice_mask
from fairlens.ui import ActiveData, keys
from fairlens.wording.slices import describe_conditions
from tests.app.conftest import APP, TIMEOUT, restart_server

from .conftest import readable

ROOT = APP.parent
PAGE = ROOT / "pages" / "slices.py"


@pytest.fixture(autouse=True)
def cold_caches() -> None:
    """Every test starts as after a server restart (the workspace folder: conftest)."""
    restart_server()


@pytest.fixture(scope="module")
def planted():
    return make_planted(n=6_000, seed=0)


def _session(frame: pd.DataFrame, spec: AuditSpec) -> dict:
    active = ActiveData(key="planted-slices", name="planted.csv", kind="upload",
                        location="memory", n_rows=len(frame), n_columns=frame.shape[1],
                        columns=[str(c) for c in frame.columns], filename="planted.csv")
    return {keys.ACTIVE: active, keys.MEMORY_FRAME: frame, keys.SPEC: spec,
            keys.SETTINGS: copy.deepcopy(keys.DEFAULT_SETTINGS), keys.SPEC_VERSION: 1}


def _open(session: dict) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_planted_slice_is_shown_first(planted):
    frame = planted.frame.drop(columns=["score"])
    spec = AuditSpec(label="label", pred=["pred"], sensitive=["group", "sex"])
    at = _open(_session(frame, spec))
    assert [readable(t.value) for t in at.title] == ["Slices"]
    expected = find_slices(frame, features=planted.features, label="label", pred="pred",
                           sensitive=["group", "sex"],
                           min_support=max(30, len(frame) // 100))
    shown = {m.label: m.value for m in at.metric}
    assert shown["Rows"] == f"{len(frame):,}"
    assert shown["Slices examined"] == f"{expected.n_examined:,}"
    text = "\n".join(readable(m.value) for m in at.markdown)
    assert expected.slices[0].description in text
    assert "age under 25" in text and "region is north" in text
    table = at.dataframe[0].value
    assert list(table["Description"]) == [describe_conditions(s.conditions)
                                          for s in expected.slices]
    assert len(at.get("plotly_chart")) == 2  # error tree and heat map


def test_fewer_conditions_and_heat_map_axes(planted):
    frame = planted.frame.drop(columns=["score"])
    spec = AuditSpec(label="label", pred=["pred"], sensitive=["group"])
    at = _open(_session(frame, spec))
    at.slider(key="slices_depth").set_value(1).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert all(" and " not in d.split(":")[0] for d in table["Description"])
    at.selectbox(key="slices_heat_y").set_value("region").run()
    assert not at.exception


def test_missing_mapping_explains(planted):
    spec = AuditSpec(label="label", sensitive=["group"])
    at = _open(_session(planted.frame[["age", "group", "label"]], spec))
    assert any("score or decision" in readable(i.value) for i in at.info)


def test_slice_rows_are_paged_and_match_the_slice(planted):
    frame = planted.frame.drop(columns=["score"])
    spec = AuditSpec(label="label", pred=["pred"], sensitive=["group", "sex"])
    at = _open(_session(frame, spec))
    expected = find_slices(frame, features=planted.features, label="label", pred="pred",
                           sensitive=["group", "sex"],
                           min_support=max(30, len(frame) // 100))
    at.selectbox(key="slices_pick").set_value(1).run()
    assert not at.exception
    chosen = expected.slices[1]
    mask = slice_mask(frame, chosen.conditions)
    assert mask.sum() == chosen.n
    rows = at.dataframe[1].value
    assert len(rows) == min(50, chosen.n)
    assert list(rows.index) == list(frame.index[mask][:50])
    pages = -(-chosen.n // 50)
    at.number_input(key="slices_rows_page").set_value(pages).run()
    last = at.dataframe[1].value
    assert list(last.index) == list(frame.index[mask][(pages - 1) * 50:])
    assert f"{chosen.n:,}" in [m.value for m in at.metric if m.label == "Rows in slice"]


def test_label_issue_flags_are_an_error_signal(planted):
    """After the Label errors page ran, its flags can be sliced; the slices are the library's."""
    from fairlens.ui import labels_page as L

    frame = planted.frame
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in _session(frame, spec).items():
        at.session_state[k] = v
    at.run()
    at.switch_page("pages/slices.py").run()
    assert "label_issue" not in at.selectbox(key="slices_error").options
    assert any("Label errors page" in readable(c.value) for c in at.caption)
    at.switch_page(L.PAGE).run()
    assert not at.exception, at.exception
    flags = at.session_state[L.LABEL_FLAGS]
    mask = flags["mask"]
    assert mask.shape == (len(frame),) and 0 < mask.sum() < len(frame)
    at.switch_page("pages/slices.py").run()
    at.selectbox(key="slices_error").set_value("label_issue").run()
    assert not at.exception, at.exception
    features = at.multiselect(key="slices_features").value
    expected = find_slices(frame, features=features, errors=mask.astype(float),
                           sensitive=["group"], min_support=max(30, len(frame) // 100))
    table = at.dataframe[0].value
    assert list(table["Description"]) == [describe_conditions(s.conditions)
                                          for s in expected.slices]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Overall error"] == f"{mask.mean():.1%}"
    assert any(f"Error signal: {flags['about']}" in readable(c.value) for c in at.caption)


def test_explain_a_row_of_a_slice(planted):
    """The rows of a slice can be sent to the Explain page, which opens on the requested row.

    (AppTest does not follow ``st.switch_page`` from a button; the click itself is driven in
    headless Chromium, where the Explain page opens on the chosen row.)
    """
    from fairlens.ui import explain_page as X

    frame = planted.frame.head(3_000).reset_index(drop=True)
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"],
                     features=planted.features)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in _session(frame, spec).items():
        at.session_state[k] = v
    at.run()
    at.switch_page("pages/slices.py").run()
    assert not at.exception, at.exception
    expected = find_slices(frame, features=at.multiselect(key="slices_features").value,
                           label="label", score="score", sensitive=["group"],
                           min_support=max(30, len(frame) // 100))
    mask = slice_mask(frame, expected.slices[at.selectbox(key="slices_pick").value].conditions)
    options = at.selectbox(key="slices_explain_pick").options
    assert [int(o.removeprefix("row ")) for o in options] == list(np.flatnonzero(mask)[:50])
    assert at.button(key="slices_explain_row").label == "Explain this row"
    wanted = int(np.flatnonzero(mask)[7])
    at.session_state[keys.EXPLAIN_ROW_REQUEST] = wanted  # what the button stores
    at.switch_page("pages/explain.py").run()
    assert not at.exception, at.exception
    assert [readable(t.value) for t in at.title] == ["Explain"]
    assert at.number_input(key=X.W_ROW).value == wanted
    assert any(f"Row **{wanted}**" in readable(m.value) for m in at.markdown)
    assert keys.EXPLAIN_ROW_REQUEST not in at.session_state  # taken once

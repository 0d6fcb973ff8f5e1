"""Big uploads: kept as Parquet in the workspace, audited by DuckDB from the file, never held.

The row limit (:data:`fairlens.ui._session.BIG_UPLOAD_ROWS`, 2 million) is lowered through
``FAIRLENS_BIG_UPLOAD_ROWS`` so that a 3,000-row file counts as big and the test stays fast;
the numbers on the page must be those of the in-memory audit of the same file.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
import streamlit as st

import fairlens
from fairlens import wording as fmt
from fairlens.auditing import _api
from fairlens.ui import _cache, _session, keys

from .conftest import new_app, predictions_csv, restart_server, table_frame, upload

ROWS = 3000


@pytest.fixture
def big_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """Files with more than 1,000 rows count as big uploads."""
    monkeypatch.setenv(_session.BIG_UPLOAD_ROWS_ENV, "1000")
    return 1000


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The engine of every count-table build (DuckDB from a file or numpy from a frame)."""
    calls: list[str] = []
    original_source, original_build = _api.source_statistics, _cache.build_statistics

    def source(source, spec, engine="auto"):
        calls.append(engine)
        return original_source(source, spec, engine)

    def build(*args, **kwargs):
        calls.append("numpy")
        return original_build(*args, **kwargs)

    monkeypatch.setattr(_api, "source_statistics", source)
    monkeypatch.setattr(_cache, "build_statistics", build)
    st.cache_resource.clear()
    st.cache_data.clear()
    return calls


def shown(at) -> dict[str, dict[str, str]]:
    table = table_frame(at)
    return {str(g): {str(c): str(v) for c, v in row.items()} for g, row in table.iterrows()}


def expected(audit: fairlens.Audit, grouping: str) -> dict[str, dict[str, str]]:
    rows = audit.by_group[audit.by_group["grouping"] == grouping]
    out = {}
    for _, r in rows.iterrows():
        cells = {}
        for metric in fmt.BINARY_TABLE_METRICS:
            text = fmt.fmt_ci(r[metric], r[f"{metric}_low"], r[f"{metric}_high"])
            if bool(r.get(f"{metric}_significant", False)):
                text += fmt.SIGNIFICANCE_MARK
            cells[fmt.metric_label(metric)] = text
        out[str(r["group"])] = cells
    return out


def mapped_big_upload(content: bytes, calls: list[str], notices: list[str] | None = None):
    at = new_app().run()
    calls.clear()  # the first run audits the built-in sample
    upload(at, "big.csv", content)
    assert not at.exception
    if notices is not None:
        notices.extend(m.value for m in at.info)
    at.multiselect(key="data_map_sensitive").set_value(["race", "sex"]).run()
    at.button(key="data_apply").click().run()
    assert not at.exception
    return at


def assert_shows(at, audit: fairlens.Audit) -> None:
    """The Fairness page's race table shows ``audit``'s numbers, cell by cell."""
    got, want = shown(at), expected(audit, "race")
    assert set(got) == set(want)
    for group, cells in want.items():
        for label, text in cells.items():
            assert got[group][label] == text, (group, label)


def test_big_upload_is_audited_by_duckdb_from_its_parquet_file(big_limit, engine_calls,
                                                               workspace_dir):
    content = predictions_csv(ROWS)
    frame = pd.read_csv(io.BytesIO(content))
    at_half, at_062 = (fairlens.audit(frame, label="label", score="score",
                                      sensitive=["race", "sex"], threshold=t) for t in (0.5, 0.62))
    notices: list[str] = []
    at = mapped_big_upload(content, engine_calls, notices)
    data = at.session_state[keys.ACTIVE]
    assert data.engine == "duckdb" and data.n_rows == ROWS and data.location.startswith("store:")
    assert keys.MEMORY_FRAME not in at.session_state, "the session holds no copy of the rows"
    assert (workspace_dir / "data" / f"{data.data_key}.parquet").is_file()
    assert any("3,000 rows, more than 1,000" in m for m in notices), notices
    # The Data page's preview reads only its rows from the file.
    assert len(at.dataframe[0].value) == _cache.PREVIEW_ROWS

    at.switch_page("pages/fairness.py").run()
    assert not at.exception
    assert engine_calls == ["duckdb"]
    assert_shows(at, at_half)

    at.sidebar.slider(key="sidebar_threshold").set_value(0.62).run()
    assert not at.exception
    assert engine_calls == ["duckdb"], "moving the threshold must not read the file again"
    assert_shows(at, at_062)


def test_big_workspace_reopens_on_duckdb_after_a_restart(big_limit, engine_calls):
    at = mapped_big_upload(predictions_csv(ROWS), engine_calls)
    at.switch_page("pages/fairness.py").run()
    before = table_frame(at)
    ws_id = at.query_params["workspace"]
    restart_server()
    engine_calls.clear()
    again = new_app({"workspace": ws_id}).run()
    assert not again.exception
    assert again.session_state[keys.ACTIVE].engine == "duckdb"
    assert engine_calls == ["duckdb"]
    pd.testing.assert_frame_equal(table_frame(again), before)


def test_the_row_limit_and_its_override(monkeypatch):
    monkeypatch.delenv(_session.BIG_UPLOAD_ROWS_ENV, raising=False)
    assert _session.big_upload_rows() == _session.BIG_UPLOAD_ROWS == 2_000_000
    assert _session.engine_for(2_000_000) == "numpy"
    assert _session.engine_for(2_000_001) == "duckdb"
    monkeypatch.setenv(_session.BIG_UPLOAD_ROWS_ENV, "500")
    assert _session.engine_for(501) == "duckdb" and _session.engine_for(500) == "numpy"
    monkeypatch.setenv(_session.BIG_UPLOAD_ROWS_ENV, "many")
    assert _session.big_upload_rows() == 2_000_000, "a value that is no number is ignored"


def test_parquet_rows_reads_the_head_without_the_rest(tmp_path):
    store = _session.WorkspaceStore(tmp_path)
    frame = pd.read_csv(io.BytesIO(predictions_csv(500)))
    store.store_data("ab" * 16, frame)
    rows = _session.ParquetRows(tmp_path, "ab" * 16)
    pd.testing.assert_frame_equal(rows(), frame)
    pd.testing.assert_frame_equal(rows.head(7), frame.head(7))
    assert rows() is not rows(), "nothing is cached: each call reads the file"

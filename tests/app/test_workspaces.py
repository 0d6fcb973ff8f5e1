"""Saved workspaces: data as Parquet plus mapping and settings as JSON, reopened after restarts."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fairlens.ui import Workspace, WorkspaceError, WorkspaceStore, keys

from .conftest import new_app, predictions_csv, restart_server, table_frame, upload


def test_store_round_trip(tmp_path):
    store = WorkspaceStore(tmp_path / "ws")
    frame = pd.DataFrame({"y": [0, 1, 1], "g": ["a", "b", None], "s": [0.1, 0.9, 0.5]})
    ws = store.create(name="my data", data_key="ab" * 16, frame=frame,
                      source={"kind": "upload", "filename": "x.csv"},
                      spec={"label": "y", "score": ["s"]}, settings={"min_group_size": 5},
                      secret="me")
    assert store.list() == [], "workspaces are private until listed"
    assert [w.id for w in store.list(listed_only=False)] == [ws.id]
    again = WorkspaceStore(tmp_path / "ws").get(ws.id)
    assert again == Workspace.from_dict(ws.to_dict())
    assert again.columns == ["y", "g", "s"] and again.n_rows == 3
    pd.testing.assert_frame_equal(store.load_data(ws.data_key), frame)
    document = json.loads((tmp_path / "ws" / "workspaces" / f"{ws.id}.json").read_text())
    assert document["schema"] == "fairlens.workspace/1"
    assert not list((tmp_path / "ws").rglob("*.pkl")) and not list((tmp_path / "ws").rglob(
        "*.pickle"))
    again.listed = True
    store.save(again, secret="me")
    assert [w.name for w in store.list()] == ["my data"]
    assert "me" not in document["owner"] and again.owned_by("me")
    store.delete(ws.id, secret="me")
    assert store.list(listed_only=False) == [] and not store.has_data(ws.data_key)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABCDEF0123456789", "x", ""])
def test_store_refuses_ids_that_are_not_workspace_ids(tmp_path, bad):
    with pytest.raises(WorkspaceError):
        WorkspaceStore(tmp_path).get(bad)


def test_upload_reopens_after_a_server_restart(workspace_dir):
    at = new_app().run()
    upload(at, "preds.csv", predictions_csv())
    at.multiselect(key="data_map_sensitive").set_value(["race"]).run()
    at.button(key="data_apply").click().run()
    at.sidebar.number_input(key="sidebar_min_group_size").set_value(50).run()
    at.sidebar.selectbox(key="sidebar_reference__race").set_value("B").run()
    at.sidebar.slider(key="sidebar_threshold").set_value(0.6).run()
    assert not at.exception
    ws_id = at.query_params["workspace"]
    at.switch_page("pages/fairness.py").run()
    before = table_frame(at)

    restart_server()
    again = new_app({"workspace": ws_id}).run()
    assert not again.exception
    data = again.session_state[keys.ACTIVE]
    spec = again.session_state[keys.SPEC]
    settings = again.session_state[keys.SETTINGS]
    assert data.name == "preds.csv" and data.n_rows == 3000 and data.workspace == ws_id
    assert spec.sensitive == ["race"] and spec.threshold == 0.6
    assert settings["min_group_size"] == 50 and settings["reference"] == {"race": "B"}
    assert again.sidebar.slider(key="sidebar_threshold").value == 0.6
    pd.testing.assert_frame_equal(table_frame(again), before)
    assert table_frame(again).loc["B", "Flags"] == "reference group"


def test_saved_workspace_is_listed_for_other_sessions_and_opens():
    at = new_app().run()
    at.sidebar.number_input(key="sidebar_min_group_size").set_value(20).run()
    at.sidebar.text_input(key=keys.W_SAVE_NAME).set_value("COMPAS, min 20").run()
    at.sidebar.button(key="sidebar_save").click().run()
    assert not at.exception
    assert any("Saved workspace 'COMPAS, min 20'" in s.value for s in at.success)

    restart_server()
    other = new_app().run()
    assert other.session_state[keys.SETTINGS]["min_group_size"] == 30, "a new tab starts fresh"
    buttons = [b for b in other.sidebar.button if b.key.startswith("sidebar_open_")]
    assert [b.label for b in buttons] == ["COMPAS, min 20"]
    buttons[0].click().run()
    assert not other.exception
    assert other.session_state[keys.SETTINGS]["min_group_size"] == 20
    assert other.session_state[keys.ACTIVE].name == "COMPAS, min 20"
    assert table_frame(other).loc["Native American", "Flags"] == "small group (n < 20)"


def test_unsaved_uploads_are_not_listed_for_others():
    at = new_app().run()
    upload(at, "private.csv", predictions_csv(400))
    other = new_app().run()
    assert not [b for b in other.sidebar.button if b.key.startswith("sidebar_open_")]


def test_unknown_workspace_in_the_address_falls_back_to_the_sample():
    at = new_app({"workspace": "0123456789abcdef"}).run()
    assert not at.exception
    assert any("Could not reopen the workspace" in e.value for e in at.error)
    assert at.session_state[keys.ACTIVE].name == "COMPAS sample"
    bad = new_app({"workspace": "../../x"}).run()
    assert any("is not a workspace id" in e.value for e in bad.error)

"""Owned workspaces: another session may open or copy a saved workspace, never change or delete
it; deleting asks first; unsaved workspaces expire and the folder has a quota; an opened sample
is in the address at once, so a reload keeps it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from fairlens.ui import WorkspaceError, WorkspaceStore, keys

from .conftest import new_app, predictions_csv, upload


def saved_by_a(name: str = "A's COMPAS"):
    """Session A: COMPAS with minimum group size 20, saved by name; its workspace id."""
    a = new_app().run()
    a.sidebar.number_input(key="sidebar_min_group_size").set_value(20).run()
    a.sidebar.text_input(key=keys.W_SAVE_NAME).set_value(name).run()
    a.sidebar.button(key="sidebar_save").click().run()
    assert not a.exception, a.exception
    return a, a.session_state[keys.ACTIVE].workspace


def test_a_second_session_cannot_change_or_delete_a_saved_workspace():
    a, ws_id = saved_by_a()
    b = new_app().run()
    [open_button] = [x for x in b.sidebar.button if x.key == f"sidebar_open_{ws_id}"]
    open_button.click().run()
    assert not b.exception, b.exception
    assert b.session_state[keys.ACTIVE].read_only is True
    assert b.session_state[keys.SETTINGS]["min_group_size"] == 20
    assert any("belongs to another session" in c.value for c in b.sidebar.caption)
    # B cannot delete it: no enabled delete button, and the store refuses B's secret
    assert b.sidebar.button(key=f"sidebar_delete_{ws_id}").disabled
    assert not [x for x in b.sidebar.button if x.key == "sidebar_delete_current"]

    b.sidebar.number_input(key="sidebar_min_group_size").set_value(50).run()
    assert not b.exception, b.exception
    stored = WorkspaceStore().get(ws_id)
    assert stored.settings["min_group_size"] == 20, "A's workspace was changed by B"
    assert stored.listed and stored.name == "A's COMPAS"
    mine = b.session_state[keys.ACTIVE].workspace
    assert mine != ws_id and b.query_params["workspace"] == mine
    assert WorkspaceStore().get(mine).settings["min_group_size"] == 50
    assert any("your change went to your own copy" in i.value for i in b.info)
    # A reopened (after B's change) still sees its own setting
    again = new_app({"workspace": ws_id}).run()
    assert again.session_state[keys.SETTINGS]["min_group_size"] == 20

    other = "session:someone-else"
    with pytest.raises(WorkspaceError, match="belongs to another session"):
        WorkspaceStore().delete(ws_id, secret=other)
    stored.settings["min_group_size"] = 99
    with pytest.raises(WorkspaceError, match="belongs to another session"):
        WorkspaceStore().save(stored, secret=other)
    assert WorkspaceStore().get(ws_id).settings["min_group_size"] == 20


def test_deleting_asks_for_a_confirmation():
    a, ws_id = saved_by_a()
    a.sidebar.button(key="sidebar_delete_current").click().run()
    assert WorkspaceStore().get(ws_id), "nothing is deleted before the confirmation"
    assert any("Delete workspace" in w.value and "cannot be undone" in w.value
               for w in a.sidebar.warning)
    a.sidebar.button(key="sidebar_delete_cancel").click().run()
    assert WorkspaceStore().get(ws_id) and not a.sidebar.warning
    a.sidebar.button(key=f"sidebar_delete_{ws_id}").click().run()
    a.sidebar.button(key="sidebar_delete_confirm").click().run()
    assert not a.exception, a.exception
    with pytest.raises(WorkspaceError, match="does not exist"):
        WorkspaceStore().get(ws_id)
    assert a.session_state[keys.ACTIVE].workspace is None
    assert "workspace" not in a.query_params
    assert any("Deleted the workspace" in s.value for s in a.success)


def test_an_unsaved_upload_can_be_deleted_by_its_session(workspace_dir):
    at = new_app().run()
    upload(at, "mine.csv", predictions_csv(300))
    ws_id = at.session_state[keys.ACTIVE].workspace
    assert ws_id and at.sidebar.button(key="sidebar_delete_current")
    at.sidebar.button(key="sidebar_delete_current").click().run()
    at.sidebar.button(key="sidebar_delete_confirm").click().run()
    assert not list((workspace_dir / "workspaces").glob("*.json"))
    assert not list((workspace_dir / "data").glob("*.parquet"))
    assert at.session_state[keys.ACTIVE].n_rows == 300, "the tab keeps its data"


def test_the_store_keeps_only_a_hash_of_the_owner(tmp_path):
    store = WorkspaceStore(tmp_path)
    frame = pd.DataFrame({"y": [0, 1]})
    ws = store.create(name="x", data_key="cd" * 16, frame=frame, source={}, spec={},
                      settings={}, secret="session:abc")
    text = (tmp_path / "workspaces" / f"{ws.id}.json").read_text()
    assert "abc" not in text and json.loads(text)["owner"] == ws.owner
    copy = store.copy(ws.id, secret="session:other")
    assert copy.data_key == ws.data_key and copy.owned_by("session:other")
    assert not copy.owned_by("session:abc") and not copy.listed
    legacy = store.create(name="script", data_key="cd" * 16, frame=frame, source={}, spec={},
                          settings={})
    with pytest.raises(WorkspaceError, match="has no owner"):
        store.save(legacy, secret="session:abc")


def test_unsaved_workspaces_expire(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRLENS_WORKSPACE_TTL_HOURS", "2")
    store = WorkspaceStore(tmp_path)
    frame = pd.DataFrame({"y": [0, 1]})
    kept = store.create(name="saved", data_key="ab" * 16, frame=frame, source={}, spec={},
                        settings={}, secret="s", listed=True)
    old = store.create(name="old", data_key="cd" * 16, frame=frame, source={}, spec={},
                       settings={}, secret="s")
    later = datetime.now(UTC) + timedelta(hours=3)
    assert [w.id for w in store.expired(now=later)] == [old.id]
    assert store.expired() == []
    assert store.prune(now=later) == 1
    assert [w.id for w in store.list(listed_only=False)] == [kept.id]
    assert not store.has_data("cd" * 16) and store.has_data("ab" * 16)


def test_the_workspace_folder_has_a_quota(monkeypatch, workspace_dir):
    monkeypatch.setenv("FAIRLENS_WORKSPACE_QUOTA_MB", "0.01")
    at = new_app().run()
    upload(at, "big.csv", predictions_csv(3000))
    assert not at.exception, at.exception
    assert any("workspace folder is full" in w.value and "FAIRLENS_WORKSPACE_QUOTA_MB" in w.value
               for w in at.warning)
    assert at.session_state[keys.ACTIVE].workspace is None, "kept in the tab only"
    assert not list((workspace_dir / "data").glob("*.parquet")), "the refused data is removed"


def test_an_opened_sample_is_in_the_address_at_once_and_a_reload_keeps_it():
    at = new_app().run()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_sample").set_value("adult").run()
    at.button(key="data_open_sample").click().run()
    assert not at.exception, at.exception
    ws_id = at.query_params["workspace"]
    assert ws_id == at.session_state[keys.ACTIVE].workspace
    reloaded = new_app({"workspace": ws_id}).run()
    assert not reloaded.exception, reloaded.exception
    data = reloaded.session_state[keys.ACTIVE]
    assert data.sample == "adult" and data.kind == "sample" and data.workspace == ws_id
    assert reloaded.query_params["workspace"] == ws_id


def test_with_a_login_configured_nothing_opens_before_the_login():
    _, ws_id = saved_by_a()
    at = new_app({"workspace": ws_id})
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "fairlens",
                          "client_secret": "s",
                          "server_metadata_url": "http://localhost:9/.well-known/openid"}
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert keys.ACTIVE not in at.session_state, "a workspace was read before the login"
    assert not at.sidebar.markdown and not at.main.table

"""The one place FairLens touches a private Streamlit attribute: leaving "pages folder" mode.

``fairlens.ui._page._leave_pages_folder_mode`` sets ``PagesManager.uses_pages_directory`` as
``st.navigation`` does. These tests fail when the Streamlit internals it relies on change, so
that an upgrade shows at once whether the workaround is still right (or still needed).
"""

from __future__ import annotations

import inspect

import pytest
from streamlit.commands import navigation
from streamlit.runtime import pages_manager
from streamlit.runtime.scriptrunner import script_runner

from fairlens.ui import _page


@pytest.fixture
def pages_flag():
    """Restore Streamlit's class attribute after the test."""
    saved = pages_manager.PagesManager.uses_pages_directory
    yield pages_manager.PagesManager
    pages_manager.PagesManager.uses_pages_directory = saved


def test_streamlit_decides_pages_folder_mode_in_a_class_attribute():
    assert "uses_pages_directory" in vars(pages_manager.PagesManager)
    init = inspect.getsource(pages_manager.PagesManager.__init__)
    assert 'PagesManager.uses_pages_directory = Path(' in init
    assert '"pages"' in init


def test_the_script_runner_runs_the_pages_folder_while_the_flag_is_set():
    source = inspect.getsource(script_runner.ScriptRunner)
    assert "if PagesManager.uses_pages_directory:" in source
    assert "_mpa_v1(self._main_script_path)" in source
    assert callable(script_runner._mpa_v1)


def test_st_navigation_clears_the_flag_the_same_way():
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)


def test_leaving_pages_folder_mode_clears_the_flag_once(pages_flag):
    pages_flag.uses_pages_directory = True
    assert _page._leave_pages_folder_mode() is True
    assert pages_flag.uses_pages_directory is False
    assert _page._leave_pages_folder_mode() is False


def test_use_navigation_reruns_only_when_it_switched(pages_flag, monkeypatch):
    reruns = []
    monkeypatch.setattr(_page.st, "rerun", lambda: reruns.append(1))
    pages_flag.uses_pages_directory = False
    _page.use_navigation()
    assert reruns == []
    pages_flag.uses_pages_directory = True
    _page.use_navigation()
    assert reruns == [1]

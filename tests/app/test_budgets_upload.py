"""Uploads built to exhaust the server (issue 15, finding 2) go through the library's budgets:
the page shows the library's message, never a traceback, and the server's memory stays small.
"""

from __future__ import annotations

import resource

import pytest

from tests.data import _bombs

from .conftest import readable, upload

PEAK_MB = 2048


def _messages(at) -> str:
    return " ".join(readable(str(e.value)) for e in at.error)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return {"bomb": _bombs.shared(tmp_path_factory, _bombs.parquet_bomb),
            "many": _bombs.shared(tmp_path_factory, _bombs.many_values_csv)}


def test_parquet_bomb_upload_is_refused_with_the_message(app, files):
    at = upload(app, "bomb.parquet", files["bomb"].read_bytes())
    assert not at.exception, at.exception
    text = _messages(at)
    assert "40,000,000 rows" in text and "--engine duckdb" in text, text
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < PEAK_MB


def test_many_values_upload_shows_the_group_limit_on_the_fairness_page(app, files):
    at = upload(app, "many.csv", files["many"].read_bytes())
    assert not at.exception, at.exception
    at.switch_page("pages/fairness.py").run()
    assert not at.exception, at.exception
    text = _messages(at)
    assert "100,000 distinct values" in text and "bucket_rare" in text, text
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < PEAK_MB

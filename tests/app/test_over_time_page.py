"""Over time page: COMPAS by month and quarter, the library's changes in words, one window
opened on the other pages and back, and what the page says without a time column."""

from __future__ import annotations

from fairlens import AuditOptions, AuditSpec
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.drift import drift_spec

from .conftest import predictions_csv, readable, upload

PAGE = "pages/over_time.py"
FAST = AuditOptions(bootstrap=0, ci="wilson")


def _fast(app):
    """Analytic intervals and race only in the sidebar (the page uses the sidebar's
    settings and mapping): every window's audit is then quick."""
    app.sidebar.radio(key="sidebar_ci").set_value("wilson").run()
    app.sidebar.multiselect(key="sidebar_sensitive").set_value(["race"]).run()
    return app


def _texts(app, kind: str = "markdown") -> str:
    return "\n".join(readable(e.value) for e in getattr(app.main, kind))


def test_compas_by_month_with_the_librarys_changes(app):
    _fast(app).switch_page(PAGE).run()
    assert not app.exception
    assert app.segmented_control(key="over_time_window").value == "month"
    words = _texts(app)
    assert "7,214 rows in 24 window(s) by month, from January 2013 to December 2014" in words
    spec = AuditSpec(**{**COMPAS_AUDIT, "sensitive": ["race"]})
    expected = drift_spec(load_compas(), spec, options=FAST, window="month")
    assert f"**{len(expected.changes)} changes** detected" in words
    assert expected.changes[0].description in words
    assert len(app.main.get("plotly_chart")) == 3
    table = app.main.dataframe[0].value
    assert list(table["Window"]) == [w.label for w in expected.windows]
    # The slider narrows every chart and table to the windows chosen, from the cached result.
    app.select_slider(key="over_time_range").set_value(("March 2013", "May 2013")).run()
    assert not app.exception
    assert list(app.main.dataframe[0].value["Window"]) == ["March 2013", "April 2013",
                                                           "May 2013"]


def test_one_window_on_the_other_pages_and_back(app):
    _fast(app).switch_page(PAGE).run()
    app.select_slider(key="over_time_focus").set_value("March 2013").run()
    app.button(key="over_time_open_window").click().run()
    assert not app.exception
    march = load_compas()
    march = march[march["compas_screening_date"].dt.to_period("M") == "2013-03"]
    assert any(f"{len(march):,} rows" in readable(m.value) for m in app.sidebar.markdown)
    assert any("COMPAS sample, March 2013" in readable(s.value) for s in app.success)
    assert any("one window only" in readable(i.value) for i in app.info)
    # The Fairness page audits exactly the window's rows.
    app.switch_page("pages/fairness.py").run()
    assert not app.exception
    assert any(f"{len(march):,} rows" in readable(m.value) for m in app.main.markdown)
    app.switch_page(PAGE).run()
    app.button(key="over_time_back").click().run()
    assert not app.exception
    assert any("7,214 rows" in readable(m.value) for m in app.sidebar.markdown)


def test_without_a_time_column_the_page_says_what_to_do(app):
    upload(app, "preds.csv", predictions_csv(1200))
    _fast(app).switch_page(PAGE).run()
    assert not app.exception
    info = "\n".join(readable(i.value) for i in app.info)
    assert "No time column is mapped" in info and "Data" in info
    assert app.segmented_control(key="over_time_window").options == ["Rows"]
    assert "1,200 rows in 12 window(s) by rows:100" in _texts(app)

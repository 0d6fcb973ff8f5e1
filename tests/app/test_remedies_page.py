"""Remedies page: runs a remedy on the COMPAS sample and shows the library's before/after
numbers on the held-out rows."""

from __future__ import annotations

import pytest

from fairlens.data import AuditSpec
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.remedies import remedy_spec

PAGE = "pages/remedies.py"


def _table(at):
    frame = at.main.table[0].value
    return frame


def _open(app):
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def test_thresholds_before_after_numbers_are_the_librarys(app):
    at = _open(app)
    assert at.selectbox(key="remedies_method").value == "thresholds"
    at.button(key="remedies_run").click().run()
    assert not at.exception, at.exception
    expected = remedy_spec(load_compas(), AuditSpec(**COMPAS_AUDIT), method="thresholds",
                           attribute="race", constraint="equalized_odds", tolerance=0.05,
                           test_size=0.3, seed=0, bootstrap=200, objective="accuracy")
    shown = _table(at)
    acc = shown.loc["accuracy"]
    assert float(acc["Before"]) == pytest.approx(round(expected.accuracy("before"), 3))
    assert float(acc["After"]) == pytest.approx(round(expected.accuracy("after"), 3))
    eo = shown.loc["equalized odds difference (race)"]
    assert float(eo["Before"]) == pytest.approx(round(expected.disparity("before"), 3))
    assert float(eo["After"]) == pytest.approx(round(expected.disparity("after"), 3))
    assert float(eo["After"]) < float(eo["Before"])
    assert any(expected.sentence == s.value for s in at.success)
    # the artefacts were saved in the workspace folder
    assert any("Saved in the workspace folder" in c.value for c in at.caption)


def test_reweigh_with_other_constraint_and_tradeoff(app):
    at = _open(app)
    at.selectbox(key="remedies_method").set_value("reweigh").run()
    at.selectbox(key="remedies_constraint").set_value("demographic_parity").run()
    at.button(key="remedies_run").click().run()
    assert not at.exception, at.exception
    expected = remedy_spec(load_compas(), AuditSpec(**COMPAS_AUDIT), method="reweigh",
                           attribute="race", constraint="demographic_parity", tolerance=0.05,
                           test_size=0.3, seed=0, bootstrap=200)
    shown = _table(at)
    dp = shown.loc["demographic parity difference (race)"]
    assert float(dp["Before"]) == pytest.approx(round(expected.disparity("before"), 3))
    assert float(dp["After"]) == pytest.approx(round(expected.disparity("after"), 3))
    assert "Reweighing" in at.success[0].value
    at.multiselect(key="remedies_compare_methods").set_value(["thresholds", "reweigh"]).run()
    at.button(key="remedies_compare").click().run()
    assert not at.exception, at.exception
    bullets = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert any("Group-specific thresholds" in b for b in bullets)
    assert any("Reweighing" in b for b in bullets)


def test_page_explains_when_nothing_to_remedy(app):
    import numpy as np
    import pandas as pd

    from tests.app.conftest import upload

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"dice": rng.random(200).round(3), "race": rng.choice(["a", "b"], 200)})
    upload(app, "seg.csv", frame.to_csv(index=False).encode())
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert any("binary label" in i.value for i in app.info)


def test_remedy_uses_the_audits_own_options(app):
    """The sidebar's minimum group size and bootstrap reach the before/after audits (not a
    page setting of its own), and the before audit is audit_spec with those options."""
    from fairlens.auditing import AuditOptions, audit_spec

    at = _open(app)
    at.number_input(key="sidebar_min_group_size").set_value(50).run()
    assert not at.exception, at.exception
    at.button(key="remedies_run").click().run()
    assert not at.exception, at.exception
    result = next(iter(at.session_state["remedies_runs"].values()))[1]
    options = result.before.options
    assert options.min_group_size == 50 and options.bootstrap == 1000
    frame, spec = load_compas(), AuditSpec(**COMPAS_AUDIT)
    held_out = frame.iloc[result.split.test].reset_index(drop=True)
    expected = audit_spec(held_out, spec, options=AuditOptions(min_group_size=50))
    assert result.to_dict()["before"]["disparities"] == expected.to_dict()["disparities"]

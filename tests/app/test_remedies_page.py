"""Remedies page: runs a remedy on the COMPAS sample and shows the library's before/after
numbers on the held-out rows."""

from __future__ import annotations

import pytest

from fairlens import registry
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec
from fairlens.datasets import ADULT_AUDIT, COMPAS_AUDIT, load_adult, load_compas
from fairlens.remedies import remedy_spec
from fairlens.wording import md

PAGE = "pages/remedies.py"


def _table(at):
    """The before/after table, as a person reads it, by measure."""
    return at.main.dataframe[0].value.set_index("Measure (held-out rows)")


def _open(app):
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def test_thresholds_before_after_numbers_are_the_librarys(app, workspace_dir):
    at = _open(app)
    assert at.selectbox(key="remedies_method").value == "thresholds"
    at.button(key="remedies_run").click().run()
    assert not at.exception, at.exception
    expected = remedy_spec(load_compas(), AuditSpec(**COMPAS_AUDIT), method="thresholds",
                           attribute="race", constraint="equalized_odds", tolerance=0.05,
                           test_size=0.3, seed=0, bootstrap=200, objective="accuracy")
    shown = _table(at)
    acc = shown.loc["Accuracy"]
    assert float(acc["Before"]) == pytest.approx(round(expected.accuracy("before"), 3))
    assert float(acc["After"]) == pytest.approx(round(expected.accuracy("after"), 3))
    eo = shown.loc["Equalized odds difference (race)"]
    assert float(eo["Before"]) == pytest.approx(round(expected.disparity("before"), 3))
    assert float(eo["After"]) == pytest.approx(round(expected.disparity("after"), 3))
    assert float(eo["After"]) < float(eo["Before"])
    assert [s.value for s in at.success] == [md(expected.sentence)]
    # the artefacts were saved with the workspace, named for a person: the data's name and the
    # file names, never the server's folder
    saved = [c.value for c in at.caption if c.value.startswith("Saved with the workspace")]
    assert saved == [md("Saved with the workspace of COMPAS sample: artefacts.json, "
                        "predictions.csv and remedy.json (the downloads above hold the same "
                        "content).")]
    assert not any(str(workspace_dir) in c.value or "/remedies/" in c.value
                   for c in at.caption)
    # the report reproduces this run: the recorded parameters are the section's keywords
    params = at.session_state["fl_runs"]["runs"]["remedy"]
    assert params == {"method": "thresholds", "attribute": "race",
                      "constraint": "equalized_odds", "tolerance": 0.05, "test_size": 0.3,
                      "seed": 0, "objective": "accuracy", "folds": 5}
    section = registry.get("section", "remedy")(**params)
    again = section.run(load_compas(), AuditSpec(**COMPAS_AUDIT),
                        options=AuditOptions(bootstrap=200))
    assert again.sentence == expected.sentence


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
    dp = shown.loc["Demographic parity difference (race)"]
    assert float(dp["Before"]) == pytest.approx(round(expected.disparity("before"), 3))
    assert float(dp["After"]) == pytest.approx(round(expected.disparity("after"), 3))
    assert "Reweighing" in at.success[0].value
    at.multiselect(key="remedies_compare_methods").set_value(["thresholds", "reweigh"]).run()
    at.button(key="remedies_compare").click().run()
    assert not at.exception, at.exception
    bullets = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert any(md("Group-specific thresholds") in b for b in bullets)
    assert any("Reweighing" in b for b in bullets)
    assert at.main.dataframe[-1].value.columns.tolist() == ["Remedy", "Accuracy", "Disparity",
                                                            "Pareto front"]


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


def test_fis_on_adult_is_credited_only_with_what_it_added(app):
    """FIS on the Adult sample: the headline and the table put the same learner retrained
    without the scaling beside FIS, the page offers no tolerance (FIS takes none) and the
    report's parameters are the run's."""
    at = app
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_sample").set_value("adult").run()
    at.button(key="data_open_sample").click().run()
    at.radio(key="sidebar_ci").set_value("wilson").run()
    _open(at)
    at.selectbox(key="remedies_method").set_value("fis").run()
    at.selectbox(key="remedies_attribute").set_value("sex").run()
    at.number_input(key="remedies_epochs").set_value(2).run()
    assert at.number_input(key="remedies_tolerance").disabled
    at.button(key="remedies_run").click().run()
    assert not at.exception, at.exception
    params = at.session_state["fl_runs"]["runs"]["remedy"]
    assert params == {"method": "fis", "attribute": "sex", "constraint": "equalized_odds",
                      "test_size": 0.3, "seed": 0, "architecture": "mlp", "epochs": 2,
                      "fis_coef": 0.5, "fis_temperature": 1.0}
    result = next(iter(at.session_state["remedies_runs"].values()))[1]
    expected = remedy_spec(load_adult(), AuditSpec(**ADULT_AUDIT),
                           options=AuditOptions(ci="wilson"), **params)
    assert expected.sentence == result.sentence
    base, after = expected.disparity("baseline"), expected.disparity("after")
    headline = at.success[0].value
    assert md(f"{base:.3f}") in headline and md(f"{after:.3f}") in headline
    assert md("the same learner retrained without it") in headline
    shown = _table(at)
    row = shown.loc["Equalized odds difference (sex)"]
    assert row["Retrained without fairness"] == f"{base:.3f}"
    assert row["After"] == f"{after:.3f}"
    captions = " ".join(c.value for c in at.caption)
    assert md("tolerance 0.05") not in captions and "does not hold" not in captions
    assert md("No constraint (this remedy takes none)") in captions
    values = [str(v) for v in shown.to_numpy().ravel()]
    assert not any(v in ("None", "nan", "'-") or v.startswith(("'", "+")) for v in values)


def test_raw_propublica_file_thresholds(app, workspace_dir):
    """The raw ProPublica export (53 columns, duplicate header names, identifiers, dates,
    leaks) uploaded as it is: the thresholds run on the mapping the Data page proposes, and
    what the page says is the library's result on the same frame and mapping (reweighing on
    this file: tests/app/test_real_files.py)."""
    from fairlens.data import read_table
    from fairlens.ui import _keys as keys
    from tests.app.conftest import upload
    from tests.conftest import require_shared

    path = require_shared("compas", "compas-scores-two-years.csv")
    at = upload(app, "compas-scores-two-years.csv", path.read_bytes())
    assert not at.exception, at.exception
    at.radio(key="sidebar_ci").set_value("wilson").run()
    spec = at.session_state[keys.SPEC]
    _open(at)
    at.button(key="remedies_run").click().run()
    assert not at.exception, at.exception
    params = at.session_state["fl_runs"]["runs"]["remedy"]
    assert params["method"] == "thresholds" and params["folds"] == 5
    expected = remedy_spec(read_table(path), spec, options=AuditOptions(ci="wilson"), **params)
    assert [s.value for s in at.success] == [md(expected.sentence)]
    assert expected.disparity("after") < expected.disparity("before")
    assert not any(str(workspace_dir) in c.value for c in at.caption)

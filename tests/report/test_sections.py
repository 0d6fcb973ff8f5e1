"""Explanation, remedy and label sections from the analyses' JSON documents.

The explanation and remedy documents are built by hand in the documented shapes
(``fairlens.explain/1``, ``fairlens.remedy/1``), complete and with keys missing, and stand in
for the result objects (the report reads a result through its ``to_dict()``), so the
rendering is tested without running those analyses.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from fairlens import registry
from fairlens.cli import main
from fairlens.data import AuditSpec
from fairlens.report import ReportConfig, build_report, fingerprint, render_html, render_pdf

from .conftest import SCRIPT, hostile_frame
from .test_render import pdf_text

EXPLAIN = {
    "schema": "fairlens.explain/1",
    "model": {"kind": "surrogate", "source": "gradient boosting on age, priors",
              "fidelity": 0.91},
    "sample_size": 500,
    "importance": {"overall": {"priors": 0.12, "age": 0.08},
                   "by_group": {"race": {"A": {"priors": 0.1, "age": 0.07},
                                         SCRIPT: {"priors": 0.2, "age": 0.01}}}},
    "gap": {"attribute": "race", "group_a": SCRIPT, "group_b": "A", "mean_a": 0.61,
            "mean_b": 0.43, "gap": 0.18, "contributions": {"priors": 0.15, "age": 0.03}},
    "flip": {"sentence": "Flipping race changes 4% of decisions.", "changed": 0.04},
    "proxy": None,
    "warnings": ["The surrogate explains 91% of the score's variance."],
}
REMEDY = {
    "schema": "fairlens.remedy/1", "method": "thresholds", "constraint": "equalized_odds",
    "tolerance": 0.05, "split": {"test_size": 0.3, "seed": 0, "n_test": 360},
    "before": {"overall": {"accuracy": 0.70},
               "disparities": {"race": {"equalized_odds_difference": 0.31}}},
    "after": {"overall": {"accuracy": 0.68},
              "disparities": {"race": {"equalized_odds_difference": 0.04}}},
    "artefacts": {"kind": "group_thresholds"},
    "sentence": "Group thresholds cut the equalized-odds gap from 0.31 to 0.04.",
    "warnings": ["Thresholds of small groups are uncertain."],
}


class Stored:
    """A result that is only its JSON document (what the report reads of a result)."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc

    def to_dict(self, **_: object) -> dict:
        return self.doc


@pytest.fixture(scope="module")
def base_report():
    frame = hostile_frame(800)
    spec = AuditSpec(label="label", score=["score"], sensitive=["race"],
                     features=["age", "priors"])
    config = ReportConfig(data="hostile.csv", spec=spec.to_dict(), bootstrap=100, labels=True)
    return build_report(frame, config, fingerprint=fingerprint(frame, name="hostile.csv",
                                                                source="file"))


def test_explain_and_remedy_sections(base_report):
    report = replace(base_report, explain=Stored(copy.deepcopy(EXPLAIN)),
                     remedy=Stored(copy.deepcopy(REMEDY)),
                     config=replace(base_report.config, explain=True, remedy="thresholds"))
    html = render_html(report, interactive=False)
    assert "Why: explanations" in html and "What would reduce the disparity" in html
    assert "fidelity to the audited predictions: 0.91" in html
    assert "Flipping race changes 4% of decisions." in html
    assert "Group thresholds cut the equalized-odds gap from 0.31 to 0.04." in html
    assert "Equalized odds difference (race)" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and SCRIPT not in html
    tables = report.tables()
    assert tables["explain_gap"]["feature"].tolist() == ["priors", "age"]
    remedy = tables["remedy"].set_index("measure")
    assert remedy.loc["overall.accuracy", "after"] == 0.68
    assert remedy.loc["disparities.race.equalized_odds_difference", "change"] == \
        pytest.approx(-0.27)
    summary = " ".join(report.summary())
    assert "priors" in summary and "Group thresholds cut" in summary
    text = " ".join("".join(pdf_text(render_pdf(report))).split())
    assert "Why: explanations" in text and SCRIPT in text


@pytest.mark.parametrize("explain, remedy", [
    ({"schema": "fairlens.explain/1"}, {"schema": "fairlens.remedy/1"}),
    ({"model": {"fidelity": {"r2": 0.4, "agreement": 0.75}}, "importance": {"overall": {}},
      "gap": {"contributions": {"x": None}}}, {"before": {"overall": {"auc": None}},
                                               "after": {}, "split": "70/30"}),
])
def test_sections_survive_missing_keys(base_report, explain, remedy):
    report = replace(base_report, explain=Stored(explain), remedy=Stored(remedy))
    html = render_html(report, interactive=False)
    assert "Why: explanations" in html and "Limitations" in html
    render_pdf(report)
    report.to_dict()


def test_label_section(base_report):
    assert base_report.documents()["labels"]["schema"] == "fairlens.labels/1"
    html = render_html(base_report, interactive=False)
    assert "Label-issue rate by group" in html
    assert "label_issue_rates" in base_report.tables()


def test_missing_analysis_package_is_exit_2(capsys, hostile_csv):
    explain, remedy = registry.get("section", "explain"), registry.get("section", "remedy")
    registry.unregister("section", "explain")
    registry.unregister("section", "remedy")
    try:
        args = ["report", hostile_csv, "--label", "label", "--score", "score", "--sensitive",
                "race", "--bootstrap", "0"]
        assert main([*args, "--explain"]) == 2
        err = capsys.readouterr().err
        assert "--explain needs the explain analysis" in err and "Traceback" not in err
        assert main([*args, "--remedy", "thresholds"]) == 2
        assert "--remedy METHOD needs" in capsys.readouterr().err
    finally:
        registry.register(explain)
        registry.register(remedy)


def test_unknown_remedy_method_is_exit_2(capsys, hostile_csv):
    code = main(["report", hostile_csv, "--label", "label", "--score", "score",
                 "--sensitive", "race", "--bootstrap", "0", "--remedy", "magic"])
    assert code == 2
    assert "Unknown remedy 'magic'; choose one of" in capsys.readouterr().err


def test_a_failing_analysis_does_not_stop_the_report(hostile_csv, tmp_path, capsys,
                                                     monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("slice search broke")

    monkeypatch.setattr(registry.get("section", "slices"), "run", broken)
    code = main(["report", hostile_csv, "--label", "label", "--score", "score",
                 "--sensitive", "race", "--bootstrap", "0", "--slices",
                 "--html", str(tmp_path / "r.html"), "--quiet"])
    assert code == 0
    assert "the slices analysis failed: RuntimeError: slice search broke" in \
        capsys.readouterr().err
    html = (tmp_path / "r.html").read_text()
    assert "could not run" in html and "Fairness by race" in html

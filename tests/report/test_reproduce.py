"""The report runs each analysis with the settings it ran with (a page's, the config's) and the
config reproduces them: the ``[analyses.<name>]`` tables, the older switches, the explain
section's models, and ``fairlens report --config`` giving the very same JSON."""

from __future__ import annotations

import json
import pickle

import pytest
from sklearn.tree import DecisionTreeClassifier

from fairlens import registry
from fairlens.cli import main
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.datasets import ADULT_AUDIT, COMPAS_AUDIT, load_adult, load_compas
from fairlens.explain import file_sha256
from fairlens.report import ReportConfig, build_report, fingerprint, render_html, run_config

from .conftest import hostile_frame

SPEC = AuditSpec(label="label", score=["score"], sensitive=["race"], features=["age", "priors"])
ANALYSES = ("audit", "slices", "explain", "remedy", "config", "summary")


def test_old_switches_and_new_tables_are_both_read():
    old = ReportConfig.from_toml('[data]\nsample = "compas"\n[analyses]\nlabels = true\n'
                                 'slices = true\nexplain = false\nremedy = "fis"\n')
    assert (old.labels, old.slices, old.explain, old.remedy) == (True, True, False, "fis")
    assert old.analyses == {"labels": {}, "slices": {}, "remedy": {"method": "fis"}}
    assert old.origins == {} and old.params == {}
    new = ReportConfig.from_toml(
        '[data]\nsample = "compas"\n[analyses.labels]\norigin = "page"\nsource = "features"\n'
        'n_splits = 3\nfeatures = ["age", "priors_count"]\n[analyses.slices]\n'
        'origin = "defaults"\n[analyses.remedy]\norigin = "page"\nmethod = "fis"\nepochs = 4\n')
    assert new.analyses == {"labels": {"source": "features", "n_splits": 3,
                                       "features": ["age", "priors_count"]},
                            "slices": {}, "remedy": {"method": "fis", "epochs": 4}}
    assert new.origins == {"labels": "page", "slices": "defaults", "remedy": "page"}
    text = new.to_toml()
    assert '[analyses.labels]\norigin = "page"\nsource = "features"' in text
    assert "[analyses.slices]\norigin = \"defaults\"" in text
    assert ReportConfig.from_toml(text) == new


@pytest.mark.parametrize("analyses, message", [
    ('[analyses.labels]\norigin = "elsewhere"\n', "origin must be one of"),
    ("[analyses]\nremedy = true\n", "analyses.remedy in the config must be"),
    ('[analyses]\nlabels = "yes"\n', "analyses.labels in the config must be"),
    ("[analyses.remedy]\nmethod = 3\n", "method must be a method name"),
    ("[analyses]\nexplains = true\n", "Unknown key"),
])
def test_bad_analyses_say_what_is_wrong(analyses, message):
    with pytest.raises(FairLensInputError, match=message):
        ReportConfig.from_toml('[data]\nsample = "compas"\n' + analyses)


def test_explain_section_explains_the_chosen_model(tmp_path):
    frame = hostile_frame()
    estimator = DecisionTreeClassifier(max_depth=3, random_state=0).fit(
        frame[["age", "priors"]], frame["label"])
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(estimator))
    options = ReportConfig(bootstrap=0, ci="wilson").options

    def explain(**params):
        return registry.create("section", "explain", **params).run(frame, SPEC,
                                                                    options=options)

    surrogate = explain(model="surrogate", features=["age"], sample_size=50, seed=2)
    assert surrogate.model.kind == "surrogate" and surrogate.model.features == ["age"]
    assert explain(sample_size=50).model.kind == "surrogate", "no sample model: a surrogate"
    digest = file_sha256(tmp_path / "model.pkl")
    model = explain(model="file", model_name="model.pkl", base=str(tmp_path), trust_pickle=True,
                    model_sha256=digest, sample_size=50)
    assert model.model.kind == "model" and "model.pkl" in model.model.source
    with pytest.raises(FairLensInputError, match="pickle"):
        explain(model="file", model_name="model.pkl", base=str(tmp_path), sample_size=50)
    with pytest.raises(FairLensInputError, match="was not found"):
        explain(model="file", model_name="other.onnx", base=str(tmp_path))
    with pytest.raises(FairLensInputError, match="does not come with one"):
        explain(model="sample", sample="compas")
    with pytest.raises(FairLensInputError, match="must be one of"):
        registry.create("section", "explain", model="mine")


def test_adult_report_explains_the_samples_own_model():
    config = ReportConfig(sample="adult", spec=AuditSpec(**ADULT_AUDIT).to_dict(), bootstrap=0,
                          ci="wilson", explain=True, params={"explain": {"sample_size": 60}})
    report = build_report(load_adult(), config, fingerprint=fingerprint(
        load_adult(), name="adult", source="sample"))
    assert not report.errors, report.errors
    assert report.explain.model.kind == "model"
    assert report.explain.model.source == "the adult sample's scikit-learn pipeline"
    html = render_html(report, interactive=False)
    assert "Settings from the configuration: explained the adult sample&#39;s" in html


def _json(path):
    doc = json.loads(path.read_text())
    return {k: doc[k] for k in ANALYSES}


def test_cli_config_reproduces_the_page_settings_exactly(tmp_path, capsys):
    """Settings other than the defaults, as pages record them, reach every section, are
    written to the config, and ``fairlens report --config`` gives the same JSON."""
    frame = hostile_frame()
    frame.to_csv(tmp_path / "preds.csv", index=False)
    params = {"slices": {"max_depth": 2, "top_k": 3, "min_support": 40},
              "explain": {"model": "surrogate", "features": ["age", "priors"], "sample_size": 300,
                          "seed": 4, "attribute": "race"},
              "remedy": {"attribute": "race", "constraint": "demographic_parity",
                         "tolerance": 0.1, "test_size": 0.4, "seed": 2}}
    config = ReportConfig(data="preds.csv", spec=SPEC.to_dict(), bootstrap=0, ci="wilson",
                          min_group_size=20, slices=True, explain=True, remedy="thresholds",
                          params=params, origins={"slices": "defaults", "explain": "page",
                                                  "remedy": "page"})
    page = run_config(config, base=tmp_path)
    assert not page.errors, page.errors
    assert page.slices.to_dict()["params"]["max_depth"] == 2
    assert len(page.slices.slices) <= 3
    assert page.explain.sample_size == 300 and page.explain.model.features == ["age", "priors"]
    remedy = page.remedy.to_dict()
    assert remedy["constraint"] == "demographic_parity" and remedy["tolerance"] == 0.1
    assert remedy["split"]["test_size"] == 0.4 and remedy["split"]["seed"] == 2
    (tmp_path / "page.json").write_text(json.dumps(page.to_dict()))
    config.save(tmp_path / "audit.toml")
    code = main(["report", "--config", str(tmp_path / "audit.toml"), "--json",
                 str(tmp_path / "cli.json"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert _json(tmp_path / "cli.json") == _json(tmp_path / "page.json")
    html = render_html(page, interactive=False)
    assert "Not run on the pages: defaults (error signal misclassification" in html
    assert "As run on the Explain page, with its settings:" in html
    assert ("As run on the Remedies page, with its settings: method Group-specific thresholds; "
            "attribute race; constraint demographic parity; tolerance 0.1; held-out share 0.4; "
            "seed 2") in html


def test_label_issue_slices_use_the_label_sections_flags():
    config = ReportConfig(sample="compas", spec=AuditSpec(**COMPAS_AUDIT).to_dict(),
                          bootstrap=0, ci="wilson", labels=True, slices=True,
                          params={"labels": {"source": "features", "model": "logistic_regression",
                                             "n_splits": 3},
                                  "slices": {"error": "label_issue", "max_depth": 1}})
    report = build_report(load_compas(), config, fingerprint=fingerprint(
        load_compas(), name="compas", source="sample"))
    assert not report.errors, report.errors
    flagged = report.labels.issues.mask.mean()
    assert report.slices.overall_error == pytest.approx(flagged)


def test_settings_and_checks_are_written_for_a_person():
    from fairlens.report._analysis_sections import explain_section
    from fairlens.wording.report import settings_origin

    labels = {"source": "features", "detector": {"name": "cross_validated", "options": {
        "model": "hist_gradient_boosting", "n_splits": 5, "filter_by": "prune_by_noise_rate"}}}
    assert settings_origin("labels", "page", {"features": ["age", "priors_count"]}, labels) == (
        "As run on the Label errors page, with its settings: probabilities from a 5-fold "
        "cross-validated gradient-boosting model; filter by prune by noise rate; features age "
        "and priors_count.")
    slices = {"error": "false_positive", "params": {"features": list("abcdefgh"), "top_k": 5}}
    assert settings_origin("slices", "defaults", {}, slices) == (
        "Not run on the pages: defaults (error signal false positive; 8 features (a, b, c, "
        "d ...); slices shown 5).")
    assert settings_origin("slices", None, {}, slices).startswith("Default settings: ")
    section = explain_section({
        "model": {"kind": "model", "source": "the adult sample's scikit-learn pipeline"},
        "sample_size": 2000,
        "flip": {"attribute": "sex", "share": 0.037, "threshold": 0.5, "n": 300}})
    assert section.paragraphs == [
        "Explained: the model (the adult sample's scikit-learn pipeline); 2,000 rows explained.",
        "Attribute-flip test: Changing only **sex** (every other input kept) changes **3.7%** "
        "of the decisions (score \u2265 0.5) of the model, over 300 rows."]

"""``fairlens remedy``: the JSON document and artefacts, exit code 2 on bad input."""

from __future__ import annotations

import json

from fairlens.cli import main


def test_cli_writes_the_remedy_json_and_artefacts(tmp_path, capsys):
    out = tmp_path / "remedy.json"
    folder = tmp_path / "artefacts"
    code = main(["remedy", "--sample", "compas", "--method", "thresholds", "--bootstrap", "0",
                 "--json", str(out), "--out-dir", str(folder), "--quiet"])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fairlens.remedy/1"
    assert doc["method"] == "thresholds" and doc["constraint"] == "equalized_odds"
    assert {"overall", "disparities"} <= set(doc["before"]) and {"overall", "disparities"} <= \
        set(doc["after"])
    assert doc["split"]["n_test"] == doc["after"]["overall"]["n"]
    assert (folder / "artefacts.json").exists() and (folder / "predictions.csv").exists()
    assert json.loads((folder / "artefacts.json").read_text())["kind"] == "group_thresholds"


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    data = tmp_path / "p.csv"
    data.write_text("label,score,race\n1,0.2,a\n0,0.4,b\n" * 20)
    code = main(["remedy", str(data), "--label", "label", "--score", "score", "--sensitive",
                 "race", "--method", "reweigh"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "feature" in err[0]


def test_cli_thresholds_are_cross_fitted_unless_folds_0(tmp_path, capsys):
    out = tmp_path / "remedy.json"
    assert main(["remedy", "--sample", "compas", "--bootstrap", "0", "--json", str(out),
                 "--quiet"]) == 0
    doc = json.loads(out.read_text())
    cross = doc["artefacts"]["cross_fit"]
    assert cross["folds"] == 5 and doc["fit_check"]["cross_fit"] == cross
    assert f"expected an equalized-odds gap of {cross['expected_gap']:.3f}" in doc["sentence"]
    assert doc["settings"]["folds"] == 5  # the default
    assert main(["remedy", "--sample", "compas", "--bootstrap", "0", "--folds", "0", "--json",
                 str(out), "--quiet"]) == 0
    exact = json.loads(out.read_text())
    assert exact["artefacts"]["cross_fit"] is None and exact["settings"]["folds"] == 0
    assert "cross-fitting" not in exact["sentence"]


def test_cli_reweigh_takes_no_tolerance_and_names_the_unweighted_learner(tmp_path, capsys):
    out = tmp_path / "remedy.json"
    code = main(["remedy", "--sample", "compas", "--method", "reweigh", "--bootstrap", "0",
                 "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["tolerance"] is None and doc["takes_constraint"] is False
    assert "holds" not in doc["fit_check"]
    base = doc["baseline"]["disparities"]["race"]["equalized_odds_difference"]
    after = doc["after"]["disparities"]["race"]["equalized_odds_difference"]
    assert f"{base:.3f}" in doc["sentence"] and f"{after:.3f}" in doc["sentence"]
    assert "the same learner retrained without it" in doc["sentence"]
    assert doc["sentence"] in printed
    assert "tolerance 0" not in printed and "does not hold" not in printed
    assert "equalized_odds_difference measured; no constraint" in printed

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

"""``fairlens labels``: the JSON document, features from the shell, exit code 2 on bad input."""

from __future__ import annotations

import json

from fairlens.cli import main


def test_labels_command_writes_the_json_document(tmp_path, planted, capsys):
    data = tmp_path / "planted.csv"
    planted.frame.head(4000).to_csv(data, index=False)
    out = tmp_path / "labels.json"
    code = main(["labels", str(data), "--label", "label", "--score", "score", "--sensitive",
                           "group", "--sensitive", "sex", "--bootstrap", "0",
                           "--json", str(out)])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fairlens.labels/1"
    assert doc["n_rows"] == 4000 and doc["n_issues"] == len(doc["issues"]) > 0
    assert set(doc["issues"][0]) >= {"row", "given_label", "suggested_label", "label_quality"}
    assert {"attributes", "n", "n_issues", "rate", "ci"} <= set(doc["by_group"][0])
    for key in ("fairness_before", "fairness_after_exclusion", "fairness_after_relabel"):
        assert set(doc[key]) >= {"disparities", "equity_scaled"}
    assert isinstance(doc["warnings"], list)
    summary = capsys.readouterr().out
    assert "suspected label errors" in summary and "label-aware fairness" in summary


def test_labels_command_with_features(tmp_path, planted):
    data = tmp_path / "planted.csv"
    planted.frame.head(3000).to_csv(data, index=False)
    out = tmp_path / "labels.json"
    code = main(["labels", str(data), "--label", "label", "--features",
                           "age,income,debt_ratio", "--features", "region,education",
                           "--sensitive", "group", "--model", "logistic_regression",
                           "--folds", "3", "--json", str(out), "--quiet"])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["source"] == "features" and doc["detector"]["name"] == "cross_validated"
    assert doc["fairness_before"] is None  # no predictions in the mapping


def test_invalid_input_is_one_line_and_exit_code_2(tmp_path, planted, capsys):
    data = tmp_path / "planted.csv"
    planted.frame.head(500).to_csv(data, index=False)
    assert main(["labels", str(data), "--label", "label", "--sensitive", "group"]) == 2
    assert main(["labels", str(data), "--label", "nope", "--score", "score"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("fairlens labels: error:") for e in err)

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


def test_the_compas_samples_raw_score_is_passed_over_for_the_cross_validated_model(tmp_path):
    """Before, ``fairlens labels --sample compas`` read decile/10 as a probability (2,034 rows,
    28.2%, label quality 0.0000); now the headline says the score is raw and the folds ran."""
    out = tmp_path / "labels.json"
    code = main(["labels", "--sample", "compas", "--model", "logistic_regression", "--folds",
                 "3", "--bootstrap", "0", "--json", str(out), "--quiet"])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["source"] == "features" and doc["detector"]["name"] == "cross_validated"
    assert doc["method"]["raw_score_passed_over"] == "score"
    assert doc["method"]["n_splits"] == 3 and doc["method"]["model"] == "logistic_regression"
    assert 'The score column "score" is a raw score' in doc["headline"]
    assert "cross-validated in 3 folds on 5 feature columns" in doc["headline"]
    assert doc["n_issues"] != 2034


def test_a_raw_upload_gets_the_screened_features_and_the_reason(tmp_path, capsys):
    """The raw ProPublica export (as pandas writes it back): ``--score decile_score
    --score-kind raw`` was refused; now the screened features find the errors."""
    import pandas as pd

    from tests.conftest import require_shared

    raw = pd.read_csv(require_shared("compas", "compas-scores-two-years.csv")).head(2500)
    data = tmp_path / "compas-raw.csv"
    raw.to_csv(data, index=False)
    out = tmp_path / "labels.json"
    code = main(["labels", str(data), "--label", "two_year_recid", "--score", "decile_score",
                 "--score-kind", "raw", "--threshold", "5", "--sensitive", "race",
                 "--model", "logistic_regression", "--folds", "2", "--bootstrap", "0",
                 "--json", str(out)])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["source"] == "features" and doc["method"]["raw_score_passed_over"] == \
        "decile_score"
    features = doc["method"]["features"]
    assert "priors_count" in features
    assert not {"is_recid", "decile_score", "id", "name", "two_year_recid"} & set(features)
    summary = capsys.readouterr().out
    assert summary.startswith("FairLens labels: ") and '"decile_score" is a raw score' in summary
    assert "0.0000" not in summary and "labelled " in summary
    # Asking for the score itself: exit 2 with the reason.
    assert main(["labels", str(data), "--label", "two_year_recid", "--score", "decile_score",
                 "--score-kind", "raw", "--source", "score", "--sensitive", "race"]) == 2
    err = capsys.readouterr().err
    assert "'decile_score' is mapped as a raw score (from 1 to 10)" in err

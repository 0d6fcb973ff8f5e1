"""``fairlens drift``: the summary, the fairlens.drift/1 JSON, the gate on the latest window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairlens.cli import main
from fairlens.datasets import make_drift_log

MAPPING = ["--label", "label", "--score", "score", "--sensitive", "group,sex", "--time", "date"]


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    log = make_drift_log(n_months=6, rows_per_month=1200, change_month=4, seed=4)
    path = tmp_path_factory.mktemp("drift") / "log.csv"
    log.frame.to_csv(path, index=False)
    return path, log


def test_gate_on_the_latest_window_fails_on_the_planted_log(log_file, capsys) -> None:
    path, log = log_file
    out = path.parent / "drift.json"
    code = main(["drift", str(path), *MAPPING, "--bootstrap", "0", "--json", str(out),
                 "--fail-on", "latest:equal_opportunity_difference[group]>0.15"])
    assert code == 1
    text = capsys.readouterr().out
    assert f"in {log.change_label}" in text
    assert "FAIL latest:equal_opportunity_difference[group]>0.15: group = " in text
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fairlens.drift/1"
    assert [w["label"] for w in doc["windows"]][log.change_month] == log.change_label
    first = doc["windows"][0]
    assert {"start", "end", "n", "overall", "disparities", "equity_scaled"} <= set(first)
    assert first["start"] == "2025-01-01" and first["end"] == "2025-01-31"
    assert first["n"] == 1200
    for change in doc["changes"]:
        assert {"window", "measure", "grouping", "before", "after", "p_value", "q_value",
                "description"} <= set(change)
    hit = [c for c in doc["changes"] if c["measure"] == "tpr" and c["group"] == "B"
           and c["reference"] == "baseline"]
    assert hit[0]["window"] == log.change_label and hit[0]["q_value"] < 0.01
    assert doc["gate"]["passed"] is False


def test_gate_passes_before_the_change_and_every_window_rule(log_file, capsys) -> None:
    path, log = log_file
    frame = log.frame[log.frame["date"] < "2025-05-01"]
    early = path.parent / "early.csv"
    frame.to_csv(early, index=False)
    code = main(["drift", str(early), *MAPPING, "--bootstrap", "0", "--quiet",
                 "--fail-on", "latest:equal_opportunity_difference[group]>0.15"])
    assert code == 0
    assert "pass latest:" in capsys.readouterr().err
    # Without a window a rule is checked on every window and names the window that breaks it.
    code = main(["drift", str(path), *MAPPING, "--bootstrap", "0", "--quiet",
                 "--fail-on", "equal_opportunity_difference[group]>0.2"])
    assert code == 1
    assert f"{log.change_label} / group" in capsys.readouterr().err


def test_a_rule_without_defined_value_fails_and_says_so(log_file, capsys) -> None:
    path, _ = log_file
    code = main(["drift", str(path), *MAPPING, "--bootstrap", "0", "--quiet",
                 "--min-group-size", "100000", "--fail-on", "latest:equalized_odds_difference>0.1"])
    assert code == 1
    assert "no defined value" in capsys.readouterr().err


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--window", "fortnight"], "Unknown window"),
    (["--baseline", "9"], "between 1 and"),
    (["--fail-on", "earliest:es_auc<0.5"], "Unknown window"),
    (["--fail-on", "latest:made_up>1"], "Unknown metric"),
])
def test_bad_input_is_one_line_and_exit_2(log_file, capsys, extra, fragment) -> None:
    path, _ = log_file
    code = main(["drift", str(path), *MAPPING, "--bootstrap", "0", "--quiet", *extra])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fairlens: error:") and fragment in err[0]


def test_no_time_column_is_explained(log_file, capsys) -> None:
    path, log = log_file
    timeless = path.parent / "timeless.csv"
    log.frame.drop(columns="date").to_csv(timeless, index=False)
    code = main(["drift", str(timeless), "--label", "label", "--score", "score", "--sensitive",
                 "group", "--bootstrap", "0"])
    assert code == 2
    assert "--time COL" in capsys.readouterr().err


def test_row_windows_sequential_and_json_to_stdout(log_file, capsys) -> None:
    path, _ = log_file
    code = main(["drift", str(path), *MAPPING, "--window", "rows:2400", "--bootstrap", "0",
                 "--sequential", "--json", "-"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert [w["label"] for w in doc["windows"]] == ["rows 1-2,400", "rows 2,401-4,800",
                                                   "rows 4,801-7,200"]
    assert doc["sequential"]["enabled"] is True and doc["sequential"]["arl"] > 400


def test_a_window_rule_in_a_single_audit_is_explained(log_file, capsys) -> None:
    path, _ = log_file
    code = main(["audit", str(path), "--label", "label", "--score", "score", "--sensitive",
                 "group", "--bootstrap", "0", "--quiet",
                 "--fail-on", "latest:equalized_odds_difference>0.1"])
    assert code == 2
    assert "names a window" in capsys.readouterr().err

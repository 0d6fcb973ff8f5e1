"""The command line: output, JSON contract, and exit code 2 with a one-line message on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens.cli import main

EXIT_INVALID = 2


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the real console entry point in a subprocess (as a user would)."""
    return subprocess.run([sys.executable, "-m", "fairlens.cli", *args], capture_output=True,
                          text=True, timeout=300)


def _binary_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame({
        "label": y,
        "score": np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1),
        "race": rng.choice(["A", "B", "C"], n),
        "sex": rng.choice(["F", "M"], n),
    })


def _assert_clean_failure(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == EXIT_INVALID, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("fairlens: error:")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_malformed_file_exits_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 40)
    proc = run_cli("audit", str(junk), "--label", "y", "--score", "s", "--sensitive", "g")
    _assert_clean_failure(proc, "binary")


def test_three_valued_binary_label_exits_2(tmp_path: Path) -> None:
    frame = _binary_frame()
    frame.loc[:10, "label"] = 2
    path = tmp_path / "three.csv"
    frame.to_csv(path, index=False)
    proc = run_cli("audit", str(path), "--label", "label", "--score", "score",
                   "--sensitive", "race")
    _assert_clean_failure(proc, "'label'", "3 distinct values", "--proba-prefix")


def test_all_empty_sensitive_column_exits_2(tmp_path: Path) -> None:
    frame = _binary_frame()
    frame["religion"] = np.nan
    path = tmp_path / "empty_sensitive.csv"
    frame.to_csv(path, index=False)
    proc = run_cli("audit", str(path), "--label", "label", "--score", "score",
                   "--sensitive", "religion")
    _assert_clean_failure(proc, "'religion'", "empty in every row")


def test_missing_column_and_missing_file_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    _binary_frame().to_csv(path, index=False)
    proc = run_cli("audit", str(path), "--label", "label", "--score", "nope", "--sensitive", "race")
    _assert_clean_failure(proc, "'nope'", "not found")
    proc = run_cli("audit", str(tmp_path / "absent.csv"), "--label", "y", "--score", "s",
                   "--sensitive", "g")
    _assert_clean_failure(proc, "not found")


def test_usage_error_exits_2() -> None:
    proc = run_cli("audit", "x.csv", "--bootstrap", "many")
    assert proc.returncode == EXIT_INVALID
    assert "Traceback" not in proc.stderr


def test_json_output_matches_api_and_contract(tmp_path: Path) -> None:
    frame = _binary_frame(600)
    data = tmp_path / "preds.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "audit.json"
    code = main(["audit", str(data), "--label", "label", "--score", "score",
                 "--sensitive", "race", "--sensitive", "sex", "--bootstrap", "200",
                 "--json", str(out), "--quiet"])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fairlens.audit/1"
    assert doc["n_rows"] == 600 and doc["threshold"] == 0.5
    for key in ("n", "base_rate", "selection_rate", "accuracy", "balanced_accuracy", "tpr", "fpr",
                "tnr", "fnr", "ppv", "npv", "f1", "auc", "brier"):
        assert key in doc["overall"], key
    groupings = {g["grouping"] for g in doc["groups"]}
    assert groupings == {"race", "sex", "race x sex"}
    inter = [g for g in doc["groups"] if g["grouping"] == "race x sex"]
    assert len(inter) == 6 and all(set(g["attributes"]) == {"race", "sex"} for g in inter)
    assert sum(g["n"] for g in doc["groups"] if g["grouping"] == "race") == 600
    for g in doc["groups"]:
        assert set(g["ci"]) >= {"selection_rate", "tpr", "auc"}
    for name in ("race", "sex", "race x sex"):
        disp = doc["disparities"][name]
        for key in ("demographic_parity_difference", "demographic_parity_ratio",
                    "equalized_odds_difference", "equal_opportunity_difference", "reference"):
            assert key in disp
        assert set(doc["equity_scaled"][name]) >= {"auc", "accuracy"}
        assert set(doc["performance_scaled_disparity"][name]["auc"]) >= {"std", "max_min"}
    api = fairlens.audit(frame, label="label", score="score", sensitive=["race", "sex"],
                         bootstrap=200).to_dict()
    assert api["disparities"] == doc["disparities"]
    assert api["groups"] == doc["groups"]


def test_sample_compas_summary_runs() -> None:
    proc = run_cli("audit", "--sample", "compas", "--bootstrap", "100")
    assert proc.returncode == 0, proc.stderr
    assert "African-American" in proc.stdout
    assert "demographic_parity_difference" in proc.stdout


def test_raw_compas_file_matches_sample_numbers(compas_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    proc = run_cli("audit", str(compas_csv), "--label", "two_year_recid", "--score",
                   "decile_score", "--score-kind", "raw", "--threshold", "5", "--sensitive",
                   "race", "--sensitive", "sex", "--json", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    race = {g["attributes"]["race"]: g for g in doc["groups"] if g["grouping"] == "race"}
    raw = pd.read_csv(compas_csv)
    aa = raw[raw.race == "African-American"]
    assert race["African-American"]["n"] == len(aa)
    assert race["African-American"]["selection_rate"] == pytest.approx(
        (aa.decile_score >= 5).mean(), abs=1e-12)
    assert doc["disparities"]["race"]["four_fifths_rule"]["passes"] is False


def test_compas_favorable_negative_flags_african_american(capsys) -> None:
    proc = run_cli("audit", "--sample", "compas", "--favorable", "negative", "--bootstrap", "0",
                   "--ci", "wilson", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["spec"]["favorable"] == "negative"
    rule = doc["disparities"]["race"]["four_fifths_rule"]
    assert rule["favorable"] == "negative" and rule["comparison_group"] == "Other"
    assert rule["failing_groups"] == ["African-American"]
    assert rule["groups"]["African-American"]["ratio"] == pytest.approx(0.521, abs=1e-3)
    assert rule["groups"]["Caucasian"]["passes"] is True
    assert rule["groups"]["Hispanic"]["passes"] is True
    race = {g["attributes"]["race"]: g for g in doc["groups"] if g["grouping"] == "race"}
    for name, entry in rule["groups"].items():
        assert entry["rate"] == pytest.approx(1 - race[name]["selection_rate"], abs=1e-12)
    assert main(["audit", "--sample", "compas", "--favorable", "negative", "--bootstrap", "0",
                 "--ci", "wilson"]) == 0
    printed = capsys.readouterr().out
    assert "rate of the favorable outcome, predicted negative" in printed
    assert "highest Other 0.790; FAILS for African-American 0.521" in printed


def test_summary_names_the_group_selected_less(tmp_path: Path, capsys) -> None:
    """B selected at 1.77x A's rate with favorable positive: A fails, in the JSON and the text."""
    rng = np.random.default_rng(0)
    parts = []
    for group, n, selected in (("A", 2000, 600), ("B", 1000, 531)):
        pred = np.zeros(n, dtype=int)
        pred[:selected] = 1
        parts.append(pd.DataFrame({"label": rng.integers(0, 2, n), "pred": rng.permutation(pred),
                                   "group": group}))
    data = tmp_path / "selected.csv"
    pd.concat(parts).to_csv(data, index=False)
    out = tmp_path / "audit.json"
    code = main(["audit", str(data), "--label", "label", "--pred", "pred", "--sensitive",
                 "group", "--favorable", "positive", "--bootstrap", "0", "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    rule = json.loads(out.read_text())["disparities"]["group"]["four_fifths_rule"]
    assert rule["comparison_group"] == "B" and rule["failing_groups"] == ["A"]
    assert rule["groups"]["A"]["ratio"] == pytest.approx(0.3 / 0.531, abs=1e-12)
    assert "highest B 0.531; FAILS for A 0.565" in printed


def test_slices_command_finds_the_planted_slice(tmp_path: Path) -> None:
    from fairlens.datasets import make_planted

    planted = make_planted(n=6000, seed=1)
    data = tmp_path / "planted.csv"
    planted.frame.to_csv(data, index=False)
    out = tmp_path / "slices.json"
    code = main(["slices", str(data), "--label", "label", "--score", "score", "--feature", "age",
                 "--feature", "region", "--feature", "income", "--sensitive", "group",
                 "--depth", "2", "--json", str(out), "--quiet"])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fairlens.slices/1"
    top = " ".join(s["description"] for s in doc["slices"][:3])
    assert "age under 25" in top and "north" in top
    proc = run_cli("slices", str(data), "--label", "label", "--score", "score",
                   "--feature", "nope")
    assert proc.returncode == EXIT_INVALID and "'nope'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_compas_tiny_groups_and_nothing_eligible_from_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # The checks, as a user types them (in process: the entry point is tested above).
    # Before: AUC "1.000 [1.000, 1.000]" for a group of 2, and ES equal to the overall AUC
    # with no group large enough.
    out = tmp_path / "tiny.json"
    assert main(["audit", "--sample", "compas", "--bootstrap", "0", "--min-group-size", "0",
                 "--json", str(out)]) == 0
    text = capsys.readouterr().out
    doc = json.loads(out.read_text())
    small = [g for g in doc["groups"] if g["n"] < 30]
    assert small
    for g in small:
        for m, (lo, hi) in g["ci"].items():
            if g[m] is not None:
                assert lo < hi, (g["attributes"], m, lo, hi)
    assert "[ 1.000, 1.000]" not in text and "[ 0.000, 0.000]" not in text
    out = tmp_path / "none.json"
    assert main(["audit", "--sample", "compas", "--bootstrap", "0", "--min-group-size",
                 "100000", "--json", str(out), "--fail-on", "es_auc<0.6"]) == 1
    captured = capsys.readouterr()
    assert "FAIL es_auc<0.6: no defined value" in captured.out + captured.err
    doc = json.loads(out.read_text())
    for grouping, es in doc["equity_scaled"].items():
        assert es["auc"] is None and es["accuracy"] is None
        assert doc["performance_scaled_disparity"][grouping]["auc"]["std"] is None
        rule = doc["disparities"][grouping]["four_fifths_rule"]
        assert rule["tested"] is False and rule["passes"] is None
    assert "race                     not tested:" in captured.out


def test_reference_of_an_attribute_applies_to_the_intersection(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "ref.json"
    assert main(["audit", "--sample", "compas", "--sensitive", "race", "--sensitive", "sex",
                 "--reference", "Caucasian", "--bootstrap", "0", "--json", str(out),
                 "--quiet"]) == 0
    disp = json.loads(out.read_text())["disparities"]
    assert (disp["race"]["reference"], disp["race"]["reference_rule"]) == ("Caucasian",
                                                                           "chosen")
    assert (disp["race x sex"]["reference"], disp["race x sex"]["reference_rule"]) == (
        "Caucasian x Male", "combined")

"""The CI fairness gate: rule syntax, evaluation, and the exit codes of ``fairlens audit``."""

from __future__ import annotations

import pytest

from fairlens.auditing import audit
from fairlens.cli import main
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.datasets import COMPAS_AUDIT, load_compas
from fairlens.report import ReportConfig, evaluate_gate, gate_values, parse_rule


@pytest.fixture(scope="module")
def compas_doc():
    return audit(load_compas(), **COMPAS_AUDIT, bootstrap=0).to_dict()


def test_rule_syntax():
    rule = parse_rule(" equalized_odds_difference >= 0.1 ")
    assert (rule.metric, rule.op, rule.threshold, rule.grouping) == (
        "equalized_odds_difference", ">=", 0.1, None)
    assert parse_rule("es_auc[race]<.6").grouping == "race"
    assert parse_rule("overall_auc<-1e-3").threshold == -0.001
    for bad in ["equalized_odds_difference=>0.1", "es_auc<", "<0.6", "es_auc < x",
                "es_auc == 0.6", ""]:
        with pytest.raises(FairLensInputError, match="Cannot read the rule"):
            parse_rule(bad)


def test_evaluation_matches_the_audit(compas_doc):
    values = gate_values(compas_doc)
    eo = {g: d["equalized_odds_difference"] for g, d in compas_doc["disparities"].items()}
    assert values["equalized_odds_difference"] == eo
    assert values["es_auc"]["race"] == compas_doc["equity_scaled"]["race"]["auc"]
    assert values["psd_max_min_auc"]["sex"] == \
        compas_doc["performance_scaled_disparity"]["sex"]["auc"]["max_min"]
    assert values["overall_auc"] == {"overall": compas_doc["overall"]["auc"]}

    result = evaluate_gate(compas_doc, [parse_rule("equalized_odds_difference>0.1")])
    assert not result.passed
    failing = sorted(g for g, v in eo.items() if v is not None and v > 0.1)
    assert sorted(result.results[0].failing) == failing and "sex" not in failing
    only_sex = evaluate_gate(compas_doc, [parse_rule("equalized_odds_difference[sex]>0.1")])
    assert only_sex.passed and list(only_sex.results[0].values) == ["sex"]
    assert "FAIL equalized_odds_difference>0.1" in result.summary()

    with pytest.raises(FairLensInputError, match="Unknown metric 'nope'"):
        evaluate_gate(compas_doc, [parse_rule("nope>1")])
    with pytest.raises(FairLensInputError, match="Unknown grouping"):
        evaluate_gate(compas_doc, [parse_rule("es_auc[planet]<0.6")])


def test_undefined_values_cannot_fail_but_no_value_at_all_fails():
    doc = {"disparities": {"a": {"equalized_odds_difference": None},
                           "b": {"equalized_odds_difference": 0.05}}}
    ok = evaluate_gate(doc, [parse_rule("equalized_odds_difference>0.1")])
    assert ok.passed and ok.results[0].undefined == ["a"]
    none = evaluate_gate({"disparities": {"a": {"equalized_odds_difference": None}}},
                         [parse_rule("equalized_odds_difference>0.1")])
    assert not none.passed


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_exit_codes_pass_fail_invalid(capsys):
    base = ["audit", "--sample", "compas", "--bootstrap", "0", "--quiet"]
    code, out, err = run(base + ["--fail-on", "equalized_odds_difference>0.9"], capsys)
    assert code == 0 and "pass equalized_odds_difference>0.9" in err
    code, out, err = run(base + ["--fail-on", "equalized_odds_difference>0.1",
                                 "--fail-on", "es_auc<0.6", "--fail-on", "overall_auc<0.5"],
                         capsys)
    assert code == 1
    assert "FAIL equalized_odds_difference>0.1" in err and "FAIL es_auc<0.6" in err
    assert "pass overall_auc<0.5" in err and "2 of 3 rule(s) failed" in err
    code, out, err = run(base + ["--fail-on", "equalized_odds_difference=>0.1"], capsys)
    assert code == 2 and "Cannot read the rule" in err and "Traceback" not in err
    code, out, err = run(base + ["--fail-on", "bogus_metric>0.1"], capsys)
    assert code == 2 and "Unknown metric 'bogus_metric'" in err
    code, out, err = run(["audit", "--sample", "compas", "--bootstrap", "0"], capsys)
    assert code == 0 and "fairness gate" not in out


def test_rules_in_the_config(tmp_path, capsys):
    spec = AuditSpec(**COMPAS_AUDIT).to_dict()
    path = tmp_path / "gate.toml"
    ReportConfig(sample="compas", spec=spec, bootstrap=0, ci="wilson",
                 fail_on=["es_auc<0.6"]).save(path)
    code, out, err = run(["audit", "--config", str(path), "--quiet"], capsys)
    assert code == 1 and "FAIL es_auc<0.6" in err
    code, out, err = run(["report", "--config", str(path), "--quiet"], capsys)
    assert code == 1 and "FAIL es_auc<0.6" in err
    ReportConfig(sample="compas", spec=spec, bootstrap=0, ci="wilson",
                 fail_on=["es_auc<0.1"]).save(path)
    assert run(["audit", "--config", str(path), "--quiet"], capsys)[0] == 0
    ReportConfig(sample="compas", spec=spec, fail_on=["es_auc<<0.1"]).save(path)
    code, out, err = run(["audit", "--config", str(path)], capsys)
    assert code == 2 and "Cannot read the rule" in err
    code, out, err = run(["audit", "--config", str(path), "--sample", "compas"], capsys)
    assert code == 2 and "not both" in err


TOO_FEW = ("fewer than two groups have at least 100000 rows (the minimum group size), so "
           "there is nothing to compare")


def test_gate_never_passes_on_nothing(capsys):
    # Before: ES equalled the overall AUC (0.702) with no group large enough, and
    # "es_auc<0.6" passed on every grouping; it now has no defined value and fails.
    base = ["audit", "--sample", "compas", "--bootstrap", "0", "--min-group-size", "100000",
            "--quiet"]
    code, _, err = run(base + ["--fail-on", "es_auc<0.6"], capsys)
    assert code == 1
    assert (f"FAIL es_auc<0.6: no defined value (race = undefined, sex = undefined, age_cat = "
            f"undefined, race x sex x age_cat = undefined): {TOO_FEW}") in err
    for rule in ("demographic_parity_difference>0.1", "psd_max_min_auc>0.2",
                 "equalized_odds_difference[race]>0.1"):
        code, _, err = run(base + ["--fail-on", rule], capsys)
        assert code == 1 and f"FAIL {rule}: no defined value" in err, rule
    code, _, err = run(base + ["--fail-on", "overall_auc<0.5"], capsys)
    assert code == 0 and "pass overall_auc<0.5" in err


def test_one_group_that_counts_fails_a_disparity_rule():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"g": ["big"] * 200 + ["small"] * 10, "y": rng.integers(0, 2, 210),
                          "s": rng.random(210)})
    doc = audit(frame, label="y", score="s", sensitive="g", bootstrap=0).to_dict()
    # Before: max - min over the one group that counts was 0.0, and the rule passed.
    result = evaluate_gate(doc, [parse_rule("demographic_parity_difference>0.1")])
    assert not result.passed
    rule = result.to_dict()["rules"][0]
    assert rule["undefined"] == ["g"] and rule["passed"] is False
    assert rule["reasons"]["g"].startswith("fewer than two groups have at least 30 rows")


def test_rule_with_some_defined_values_is_decided_on_them(compas_doc):
    doc = {**compas_doc, "equity_scaled": {**compas_doc["equity_scaled"],
                                           "race x sex x age_cat": {"auc": None}}}
    result = evaluate_gate(doc, [parse_rule("es_auc<0.4")])
    assert result.passed
    assert result.results[0].message().endswith("(not checked: race x sex x age_cat)")

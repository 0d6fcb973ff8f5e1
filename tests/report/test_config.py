"""The TOML config: round trip, validation, and exact reproduction through the CLI."""

from __future__ import annotations

import json

import pytest

from fairlens.auditing import audit_spec
from fairlens.cli import main
from fairlens.data import AuditSpec, FairLensInputError, read_table
from fairlens.datasets import COMPAS_AUDIT
from fairlens.report import ReportConfig, content_sha256, load_config, run_config

from .conftest import hostile_frame


def test_round_trip_keeps_every_setting(tmp_path):
    spec = AuditSpec(label="label", score=["score"], sensitive=["race", "site"],
                     threshold=0.4, positive_label=1, features=["age"]).to_dict()
    config = ReportConfig(data="x.csv", spec=spec, reference={"race": "B"}, min_group_size=12,
                          bootstrap=250, ci="bootstrap", seed=7, level=0.9, labels=True,
                          slices=True, explain=True, remedy="thresholds",
                          fail_on=["es_auc<0.6"], content_sha256="ab" * 32)
    path = config.save(tmp_path / "audit.toml")
    assert path.read_text().startswith("# FairLens audit configuration")
    back, base = load_config(path)
    assert back == config and base == tmp_path


@pytest.mark.parametrize("text, message", [
    ("[data]\nfile='a.csv'\nsample='compas'\n", "exactly one"),
    ("[data]\nsample='compas'\n[spec]\nlabell='y'\n", "Unknown key"),
    ("[data]\nsample='compas'\n[setting]\n", "Unknown section"),
    ("[data]\nsample='compas'\n[settings]\nbootstrap='many'\n", "whole number"),
    ("[data]\nsample='compas'\n[settings]\nci='magic'\n", "settings.ci"),
    ("[data\n", "not valid TOML"),
    ("schema='fairlens.config/9'\n[data]\nsample='compas'\n", "schema"),
])
def test_invalid_configs_say_what_is_wrong(text, message):
    with pytest.raises(FairLensInputError, match=message):
        ReportConfig.from_toml(text)


def test_config_cli_reproduces_the_audit_exactly(tmp_path, capsys):
    frame = hostile_frame()
    data = tmp_path / "preds.csv"
    frame.to_csv(data, index=False)
    code = main(["report", str(data), "--label", "label", "--score", "score",
                 "--sensitive", "race", "--sensitive", "site", "--threshold", "0.45",
                 "--bootstrap", "200", "--seed", "3", "--min-group-size", "50",
                 "--reference", "B", "--json", str(tmp_path / "a.json"),
                 "--write-config", str(tmp_path / "a.toml"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "preds.csv").write_bytes(data.read_bytes())
    text = (tmp_path / "a.toml").read_text()
    assert 'file = "preds.csv"' in text, "the data path is relative to the config"
    (moved / "a.toml").write_text(text)
    code = main(["report", "--config", str(moved / "a.toml"), "--json",
                 str(tmp_path / "b.json"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    first = json.loads((tmp_path / "a.json").read_text())
    second = json.loads((tmp_path / "b.json").read_text())
    assert first["audit"] == second["audit"]
    assert first["fingerprint"]["content_sha256"] == content_sha256(read_table(data))
    expected = audit_spec(read_table(data), AuditSpec.from_dict(first["audit"]["spec"]),
                          reference="B", bootstrap=200, seed=3, min_group_size=50)
    assert second["audit"]["disparities"] == json.loads(json.dumps(
        expected.to_dict()["disparities"]))
    assert second["warnings"] == []


def test_other_data_is_flagged(tmp_path):
    spec = AuditSpec(**COMPAS_AUDIT).to_dict()
    report = run_config(ReportConfig(sample="compas", spec=spec, bootstrap=0, ci="wilson",
                                     content_sha256="0" * 64))
    assert any("differs from the data" in w for w in report.warnings)

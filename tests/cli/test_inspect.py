"""``fairlens inspect`` and the screened features of the CLI analyses (issue 13, part 2)."""

from __future__ import annotations

import json

import pytest

from fairlens.cli import build_parser, main
from fairlens.cli._mapping import NO_PREDICTION, NO_SENSITIVE, mapped_input
from fairlens.data import read_table, screen_columns
from tests.conftest import require_shared
from tests.data.test_screening import COMPAS_KEPT, COMPAS_REASONS

pytestmark = pytest.mark.usefixtures("quiet_numpy")


@pytest.fixture(scope="module")
def raw_path() -> str:
    return str(require_shared("compas", "compas-scores-two-years.csv"))


def test_inspect_raw_compas(raw_path, tmp_path, capsys):
    out = tmp_path / "inspect.json"
    assert main(["inspect", raw_path, "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fairlens.inspect/1"
    names = [str(c) for c in read_table(raw_path).columns]
    assert [c["name"] for c in doc["columns"]] == names
    by_name = {c["name"]: c for c in doc["columns"]}
    for name, reason in COMPAS_REASONS.items():
        assert by_name[name]["role"] == "excluded" and by_name[name]["reason"] == reason, name
        assert by_name[name]["text"].startswith("Left out: ")
    assert by_name["is_recid"]["detail"] == pytest.approx(0.972, abs=0.01)
    spec = doc["spec"]
    assert spec["label"] == "two_year_recid" and spec["time"] == "compas_screening_date"
    assert set(COMPAS_KEPT) <= set(spec["features"])
    assert not set(COMPAS_REASONS) & set(spec["features"])
    assert {by_name[c]["role"] for c in ("sex", "race")} == {"sensitive"}
    text = capsys.readouterr().out
    assert text.startswith("Proposed mapping:\n  label: two_year_recid\n  score: decile_score")
    assert "Columns (53; 37 left out of the features):" in text
    row = next(line for line in text.splitlines() if line.startswith("is_recid "))
    assert row.split()[:3] == ["is_recid", "int64", "excluded"]
    assert "AUC 0.97" in row


def test_inspect_given_label_and_json_on_stdout(raw_path, capsys):
    assert main(["inspect", raw_path, "--label", "is_recid", "--sensitive", "race",
                 "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_name = {c["name"]: c for c in doc["columns"]}
    assert by_name["two_year_recid"]["reason"] == "label_leak"
    assert by_name["is_recid"]["role"] == "label"
    assert doc["spec"]["sensitive"] == ["race"] and by_name["sex"]["role"] == "feature"


def test_inspect_sample_and_no_label(tmp_path, capsys):
    assert main(["inspect", "--sample", "compas", "--quiet", "--json",
                 str(tmp_path / "s.json")]) == 0
    doc = json.loads((tmp_path / "s.json").read_text())
    by_name = {c["name"]: c for c in doc["columns"]}
    assert by_name["id"]["reason"] == "identifier"
    assert by_name["decile_score"]["reason"] == by_name["score_text"]["reason"] == "score_copy"
    assert capsys.readouterr().out == ""
    data = tmp_path / "nolabel.csv"
    data.write_text("a,b\n1,x\n2,y\n3,x\n")
    assert main(["inspect", str(data)]) == 0
    assert "No label column is mapped" in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (["inspect", "/no/such/file.csv"], "not found"),
    (["inspect"], "Name a data file"),
])
def test_inspect_bad_input_exits_2_with_one_line(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fairlens inspect: error: ")
    assert words in err


def test_inspect_unknown_column_exits_2(raw_path, capsys):
    assert main(["inspect", raw_path, "--label", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope" in err


def test_analyses_use_the_features_screened_for_the_command_line_mapping(raw_path):
    parser = build_parser()
    frame = read_table(raw_path)

    def features(*argv: str) -> list[str]:
        args = parser.parse_args(["slices", raw_path, *argv])
        return mapped_input(args, "slices", infer=False, features_exclude_roles=False,
                            ignore=[NO_SENSITIVE], one_prediction=True)[1].features

    screened = features("--label", "two_year_recid", "--score", "decile_score")
    assert screened == screen_columns(frame).features
    assert set(COMPAS_KEPT) <= set(screened) and not set(COMPAS_REASONS) & set(screened)
    # A given label changes what leaks.
    other = features("--label", "is_recid", "--score", "decile_score")
    assert "two_year_recid" not in other and "is_recid" not in other
    # Named features are used as given.
    assert features("--label", "two_year_recid", "--score", "decile_score",
                    "--features", "age,is_recid") == ["age", "is_recid"]
    # fairlens labels screens them for --source features only.
    def label_features(*argv: str) -> list[str]:
        args = parser.parse_args(["labels", raw_path, "--label", "two_year_recid", *argv])
        return mapped_input(args, "labels", infer=False, features_exclude_roles=False,
                            ignore=[NO_SENSITIVE, NO_PREDICTION])[1].features

    assert label_features() == []
    assert set(COMPAS_KEPT) <= set(label_features("--source", "features"))
    # The audit's (inferred) mapping carries the screened features too.
    args = parser.parse_args(["audit", raw_path])
    assert mapped_input(args, "audit")[1].features == screened

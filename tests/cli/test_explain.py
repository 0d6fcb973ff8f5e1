"""``fairlens explain``: JSON document, surrogate and model files, exit 2 on bad input."""

from __future__ import annotations

import json
import pickle

import pytest

from fairlens.cli import main
from tests.explain.conftest import planted_frame


@pytest.fixture(scope="module")
def planted_csv(tmp_path_factory):
    frame = planted_frame(3000, seed=1)
    frame["score"] = (0.3 + 0.4 * (frame["sex"] == "M") + 0.05 * frame["skill"]).clip(0, 1)
    path = tmp_path_factory.mktemp("data") / "planted.csv"
    frame.to_csv(path, index=False)
    return path


def test_surrogate_json_document(planted_csv, tmp_path, capsys):
    out = tmp_path / "explain.json"
    code = main(["explain", str(planted_csv), "--label", "label", "--score", "score",
                 "--features", "skill,experience,height", "--sensitive", "sex",
                 "--sample-size", "300", "--json", str(out)])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fairlens.explain/1"
    assert doc["model"]["kind"] == "surrogate" and doc["model"]["fidelity"]["r2"] > 0.5
    assert doc["sample_size"] == 300
    assert set(doc["importance"]["overall"]) == {"skill", "experience", "height"}
    assert set(doc["importance"]["by_group"]["sex"]) == {"F", "M"}
    gap = doc["gap"]
    assert sum(gap["contributions"].values()) == pytest.approx(gap["gap"], abs=1e-9)
    # sex is not an input: height is found as its proxy
    assert doc["flip"] is None and next(iter(doc["proxy"]["features"])) == "height"
    summary = capsys.readouterr().out
    assert "surrogate fidelity" in summary and "proxy check" in summary


def test_sample_with_its_model_runs_the_flip_test(tmp_path):
    out = tmp_path / "adult.json"
    code = main(["explain", "--sample", "adult", "--attribute", "sex", "--sample-size", "300",
                 "--json", str(out), "--quiet"])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["model"]["kind"] == "model" and doc["model"]["output"] == "log-odds"
    assert doc["flip"]["attribute"] == "sex" and doc["flip"]["n"] == doc["sample_size"]
    assert doc["additivity_error"] < 1e-6


class _CreatesFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickle_model_needs_trust_pickle(planted_csv, tmp_path, capsys):
    marker = tmp_path / "pwned.txt"
    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps(_CreatesFile(str(marker))))
    code = main(["explain", str(planted_csv), "--label", "label", "--score", "score",
                 "--sensitive", "sex", "--model", str(model)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--trust-pickle" in err
    assert not marker.exists()


def test_bad_input_exits_2_with_one_line(planted_csv, capsys):
    assert main(["explain", str(planted_csv), "--label", "label", "--score", "score",
                 "--features", "skill", "--attribute", "religion"]) == 2
    assert "religion" in capsys.readouterr().err
    assert main(["explain"]) == 2
    assert main(["explain", "--sample", "nope"]) == 2

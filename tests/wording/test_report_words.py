"""The report's prose from the audit and the analyses' JSON documents (no report needed)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from fairlens.auditing import audit_spec
from fairlens.data import AuditSpec
from fairlens.wording.report import (
    audited_what,
    fidelity_words,
    limitation_sentences,
    split_words,
    summary_sentences,
)


@pytest.fixture(scope="module")
def audit():
    rng = np.random.default_rng(1)
    n = 900
    race = rng.choice(["A", "B", "C"], n, p=[0.6, 0.37, 0.03])
    y = rng.integers(0, 2, n)
    score = np.clip(0.4 * y + rng.random(n) * 0.6 + (race == "B") * 0.1, 0, 1)
    frame = pd.DataFrame({"y": y, "s": score, "race": race, "sex": rng.choice(["f", "m"], n)})
    spec = AuditSpec(label="y", score=["s"], sensitive=["race", "sex"])
    return audit_spec(frame, spec, bootstrap=0, ci="wilson")


DOCUMENTS = {
    "labels": {"n_issues": 45, "n_rows": 900, "fairness_verdict": ["The gap survives."],
               "notes": ["Probabilities are the model's."]},
    "slices": {"slices": [{"description": "age < 25 and priors >= 3: error 0.61"}]},
    "explain": {"model": {"kind": "surrogate", "source": "gbm", "fidelity": {"r2": 0.8}},
                "sample_size": 300, "gap": {"group_a": "B", "group_b": "A", "gap": 0.12,
                                            "contributions": {"age": 0.02, "priors": -0.09}},
                "warnings": ["Sampled."]},
    "remedy": {"method": "thresholds", "sentence": "Thresholds halve the gap.",
               "split": {"test_size": 0.3, "seed": 0, "stratified_by": ["y"]},
               "warnings": ["Small groups."]},
}


def test_what_names_data_rule_label_and_attributes(audit):
    text = audited_what(audit, "preds.csv")
    assert text.startswith("FairLens audited **900 rows** of preds.csv (")
    assert "against the true label y, by race, sex and their intersection." in text


def test_summary_words_every_analysis_the_gate_and_errors(audit):
    gate = SimpleNamespace(passed=False, failed=[SimpleNamespace(
        rule=SimpleNamespace(text="es_auc<0.9"))])
    out = summary_sentences(audit, data_name="preds.csv", documents=DOCUMENTS, gate=gate,
                            errors={"slices": "no features"})
    text = "\n".join(out)
    assert out[0] == audited_what(audit, "preds.csv")
    assert out[1].startswith("Overall: Accuracy ")
    assert "By **race**:" in text and "intersectional groups of **race x sex**" in text
    assert ("Label errors: 45 of 900 labels (5.0%) look wrong to confident learning, found "
            "with") in text
    assert "The gap survives." in text
    assert "Where the model errs most: age < 25 and priors >= 3: error 0.61." in text
    assert "the feature **priors** accounts for the largest part (-0.090)" in text
    assert "Remedy (thresholds): Thresholds halve the gap." in text
    assert "CI gate: **failed**: es_auc<0.9." in text
    assert out[-1] == "The slices analysis could not run: no features"


def test_summary_without_analyses(audit):
    out = summary_sentences(audit, data_name="x", documents={})
    assert not any(s.startswith(("Label errors", "Remedy", "CI gate")) for s in out)


def test_limitations_follow_the_audit_and_the_analyses(audit):
    out = limitation_sentences(audit, documents=DOCUMENTS)
    text = "\n".join(out)
    assert "fewer than 30 rows" in text and "C (n = " in text
    assert "Intervals are analytic" in text
    assert "decision threshold (0.5)" in text
    assert "not verified mistakes: Probabilities are the model's." in text
    assert "fidelity to the audited predictions is R² 0.80" in text and "Sampled." in out
    assert "(test_size 0.3, seed 0)" in text and "Small groups." in out
    assert len(limitation_sentences(audit, documents={})) == len(out) - 5


def test_fidelity_and_split_words():
    assert fidelity_words(0.913) == "0.91"
    assert fidelity_words({"agreement": 0.75, "n_holdout": 1200}) == \
        "decision agreement 0.75, on 1,200 held-out rows"
    assert fidelity_words(None) == "not reported"
    assert split_words("70/30") == "70/30"

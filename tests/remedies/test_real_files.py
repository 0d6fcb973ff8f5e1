"""Remedies on real files: no leak in the proposed features, no crash on any column."""

from __future__ import annotations

import pytest

from fairlens.data import screen_columns
from fairlens.remedies import remedy_spec
from tests._real_files import LOADERS, leak_sentences, raw_compas


def test_reweighing_the_raw_file_with_the_screened_features_is_believable():
    frame, spec = raw_compas()
    screened = screen_columns(frame, spec).spec
    assert not {"is_recid", "decile_score.1", "score_text", "end", "event"} & set(
        screened.features)
    result = remedy_spec(frame, screened, method="reweigh", bootstrap=0, seed=0)
    accuracy = float(result.after.overall["accuracy"])
    assert 0.6 <= accuracy <= 0.75  # with the leaks it was 0.984
    assert leak_sentences(result.warnings) == []


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_reweighing_with_every_column_runs_and_warns_about_the_leaks(name):
    frame, spec = LOADERS[name]()
    result = remedy_spec(frame, spec, method="reweigh", bootstrap=0, seed=0)
    assert 0 < float(result.after.overall["accuracy"]) <= 1
    leaks = leak_sentences(result.warnings)
    if name == "titanic":
        assert leaks == []
        return
    column = {"raw_compas": "is_recid", "messy": "outcome_copy"}[name]
    assert any(f"The feature {column} should be left out" in w for w in leaks)
    assert any(w.startswith("Left out of the model because they carry no information")
               for w in result.warnings)
    assert result.to_dict()["warnings"] == result.warnings

"""Explanations (surrogate) on real files with every column as a feature: no crash, warnings
for the leaks and for the columns the surrogate could not use."""

from __future__ import annotations

import pytest

from fairlens.explain import explain_spec
from tests._real_files import LOADERS, leak_sentences


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_the_surrogate_reads_every_column_and_warns_about_the_leaks(name):
    load = LOADERS[name]
    frame, spec = load(500) if name in ("raw_compas", "messy") else load()  # a fast proxy check
    e = explain_spec(frame, spec, sample_size=60, seed=0)
    assert e.model.kind == "surrogate" and e.fidelity.n_holdout > 0
    assert set(e.importance.index) == set(spec.features)
    leaks = leak_sentences(e.warnings)
    if name == "titanic":
        assert leaks == []
        return
    column = {"raw_compas": "decile_score.1", "messy": "score_decile"}[name]
    assert any(f"The feature {column} should be left out" in w for w in leaks)
    empty = {"raw_compas": "violent_recid is empty", "messy": "empty_col is empty"}[name]
    assert any(empty in w for w in e.warnings)

"""Slices on real files: fast on the raw ProPublica file, described by features only, leaks
warned about, progress by level."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest

from fairlens.data import screen_columns
from fairlens.slices import find_slices_spec
from fairlens.slices._binning import encode
from fairlens.slices._kernels import warm_up
from fairlens.slices._search import search
from tests._real_files import LOADERS, leak_sentences, raw_compas

SECONDS = 10.0


@pytest.fixture(scope="module")
def screened():
    """The raw ProPublica file and its mapping with the screened (proposed) features."""
    frame, spec = raw_compas()
    screening = screen_columns(frame, spec)
    return frame, screening.spec, screening


def test_the_screened_raw_file_is_searched_fast_with_progress_by_level(screened):
    frame, spec, _ = screened
    warm_up()
    calls: list[tuple[float, int, str]] = []
    start = time.process_time()
    result = find_slices_spec(frame, spec, max_depth=3,
                              progress=lambda d, t, m: calls.append((d, t, m)))
    cpu = time.process_time() - start  # all threads; wall time depends on the machine's load
    assert cpu < SECONDS
    assert result.slices and result.n_examined > 100
    levels = [m for _, _, m in calls if m.startswith("Level")]
    for level in (1, 2, 3):
        assert any(m.startswith(f"Level {level} of 3: ") for m in levels)
    last = [m for m in levels if m.startswith("Level 3 of 3")][-1]
    assert last == f"Level 3 of 3: {result.n_examined:,} slices examined"
    assert all(0 <= d <= t == 3 for d, t, _ in calls)
    assert [d for d, _, _ in calls] == sorted(d for d, _, _ in calls)


def test_no_top_slice_mentions_a_column_the_screening_left_out(screened):
    frame, spec, screening = screened
    excluded = {c.name for c in screening.columns if c.role == "excluded"}
    assert {"is_recid", "decile_score.1", "c_case_number", "end", "event"} <= excluded
    result = find_slices_spec(frame, spec, max_depth=3, top_k=10)
    used = {c["feature"] for s in result.slices for c in s.conditions}
    assert used and used <= set(spec.features)
    assert not used & excluded
    text = " ".join(s.description for s in result.slices)
    assert not any(re.search(rf"\b{re.escape(col)}\b", text) for col in excluded)
    assert leak_sentences(result.warnings) == []


def test_rare_categories_change_nothing_but_the_tables():
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame({"c": rng.choice([f"v{i}" for i in range(40)] + ["big"] * 60, n),
                          "x": rng.normal(size=n).round(2)})
    errors = ((frame["c"] == "big") & (frame["x"] > 0.5)).to_numpy().astype(float)
    errors = np.maximum(errors, rng.random(n) < 0.1)
    full = encode(frame, ["c", "x"])
    lean = encode(frame, ["c", "x"], min_count=60)
    assert lean.n_rare > 0 and lean.n_codes[0] < full.n_codes[0]
    found = [search(enc, errors, max_depth=2, min_support=60, alpha=0.98, k=20)
             for enc in (full, lean)]
    conditions = [[[enc.condition(p) for p in preds] for preds in res.preds]
                  for enc, res in zip((full, lean), found, strict=True)]
    assert conditions[0] == conditions[1]
    assert {"feature": "c", "op": "==", "value": "big"} in conditions[0][0]
    np.testing.assert_array_equal(found[0].score, found[1].score)
    np.testing.assert_array_equal(np.sort(found[0].examined_size),
                                  np.sort(found[1].examined_size))
    assert found[0].n_pruned == found[1].n_pruned


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_slices_with_every_column_run_and_warn_about_the_leaks(name):
    frame, spec = LOADERS[name]()
    result = find_slices_spec(frame, spec, max_depth=2, top_k=5)
    assert result.n_examined > 0
    leaks = leak_sentences(result.warnings)
    if name == "titanic":
        assert leaks == []
    else:
        column = {"raw_compas": "is_recid", "messy": "outcome_copy"}[name]
        assert any(f"The feature {column} should be left out" in w for w in leaks)

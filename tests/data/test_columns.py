"""The one translation from column keywords to a frame and a spec (``frame_and_spec``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import fairlens
from fairlens.data import AuditSpec, frame_and_spec
from fairlens.slices import find_slices, find_slices_spec


def _frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n)
    y = rng.integers(0, 2, size=n)
    score = np.clip(0.5 * y + rng.normal(0.25, 0.2, size=n), 0, 1)
    return pd.DataFrame({"y": y, "score": score, "group": group,
                         "x": rng.integers(0, 5, size=n)})


def test_from_columns_takes_single_columns_as_strings():
    spec = AuditSpec.from_columns(label="y", sensitive="group", score="score", features=["x"])
    assert spec.sensitive == ["group"] and spec.score == ["score"] and spec.pred == []
    assert spec == AuditSpec(label="y", sensitive=["group"], score=["score"], features=["x"])


def test_frame_and_spec_reads_paths_and_bytes_like_read_table(tmp_path):
    frame = _frame()
    path = tmp_path / "preds.csv"
    frame.to_csv(path, index=False)
    from_path, spec = frame_and_spec(str(path), label="y", score="score", sensitive="group")
    from_bytes, _ = frame_and_spec(path.read_bytes(), label="y", score="score",
                                   sensitive="group")
    pd.testing.assert_frame_equal(from_path, fairlens.read_table(str(path)))
    pd.testing.assert_frame_equal(from_bytes, from_path)
    same, _ = frame_and_spec(frame, label="y")
    assert same is frame
    assert spec.label == "y"


def test_conveniences_equal_their_spec_entry_points(tmp_path):
    frame = _frame()
    spec = AuditSpec.from_columns(label="y", score="score", sensitive="group")
    by_keywords = fairlens.audit(frame, label="y", score="score", sensitive="group",
                                 bootstrap=0, ci="wilson")
    by_spec = fairlens.audit_spec(frame, spec, options=fairlens.AuditOptions(
        bootstrap=0, ci="wilson"))
    assert json.dumps(by_keywords.to_dict()) == json.dumps(by_spec.to_dict())
    slices = find_slices(frame, features=["x", "group"], label="y", score="score",
                         sensitive=["group"], max_depth=2)
    slices_spec = find_slices_spec(frame, spec, features=["x", "group"], max_depth=2)
    assert slices.to_json() == slices_spec.to_json()

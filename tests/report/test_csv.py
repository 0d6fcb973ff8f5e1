"""The one formula-safe CSV writer (shared by the report and the label review queue)."""

from __future__ import annotations

import io

import pandas as pd

import fairlens.labels as fl
from fairlens.report import formula_safe, safe_cell, to_csv_bytes


def test_formula_cells_are_neutralised_and_negative_numbers_stay_numbers():
    frame = pd.DataFrame({
        "text": ["=1+1", "+cmd", "-cmd", "@SUM(A1)", "\tx", "\rx", "-3", "-0.25", "-1e-3",
                 "plain"],
        "value": [-1.5, 2, -3, 0, 1, 1, 1, 1, 1, 1]})
    safe = formula_safe(frame)
    assert list(safe["text"]) == ["'=1+1", "'+cmd", "'-cmd", "'@SUM(A1)", "'\tx", "'\rx",
                                  "-3", "-0.25", "-1e-3", "plain"]
    read = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), keep_default_na=False)
    assert read["value"].tolist() == [-1.5, 2, -3, 0, 1, 1, 1, 1, 1, 1]
    assert read["value"].dtype.kind == "f"
    assert formula_safe(pd.DataFrame({"=bad": [1]})).columns[0] == "'=bad"
    assert safe_cell(-2.5) == -2.5


def test_labels_reuse_the_same_writer():
    assert fl.formula_safe is formula_safe
    assert fl.to_csv_bytes is to_csv_bytes

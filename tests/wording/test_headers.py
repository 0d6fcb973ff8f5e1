"""Column headers for a person, and tables shown as formula-safe data."""

from __future__ import annotations

import pandas as pd

from fairlens.ui._show import shown_frame
from fairlens.wording import header, person_headers


def test_known_internal_names_get_their_header():
    assert header("error_rate") == "Error rate"
    assert header("p_value") == "p-value"
    assert header("selection_rate") == "Selection rate"
    assert header("some_new_column") == "Some new column"
    assert header("Already Named") == "Already Named"


def test_person_headers_and_formula_safe_cells():
    frame = pd.DataFrame({"group": ["=1+1", "a"], "error_rate": [0.1, -0.2]})
    shown = shown_frame(frame)
    assert list(shown.columns) == ["Group", "Error rate"]
    assert shown["Group"].tolist() == ["'=1+1", "a"]
    assert shown["Error rate"].tolist() == [0.1, -0.2]
    assert list(person_headers(frame).columns) == ["Group", "Error rate"]
    assert list(shown_frame(frame, headers=False).columns) == ["group", "error_rate"]

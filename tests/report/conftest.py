"""Fixtures of the report tests: a small audited frame with hostile group names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.com","x")'


def hostile_frame(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """Predictions whose group names are an HTML script tag and a spreadsheet formula."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B", SCRIPT], n, p=[0.5, 0.3, 0.2])
    site = rng.choice([FORMULA, "north"], n)
    y = (rng.random(n) < np.where(race == "B", 0.5, 0.35)).astype(int)
    score = np.clip(0.5 * y + rng.normal(0.25, 0.2, n) + (race == SCRIPT) * 0.15, 0, 1)
    return pd.DataFrame({"label": y, "score": score.round(3), "race": race, "site": site,
                         "age": rng.integers(18, 70, n), "priors": rng.poisson(2, n)})


@pytest.fixture
def hostile_csv(tmp_path) -> str:
    path = tmp_path / "hostile.csv"
    hostile_frame().to_csv(path, index=False)
    return str(path)

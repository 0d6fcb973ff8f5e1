"""Shared fixtures of the explanation tests: the Adult sample and its model, planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairlens.data import AuditSpec


@pytest.fixture(scope="session")
def adult():
    """The Adult sample frame, its spec and its fitted pipeline."""
    from fairlens.datasets import ADULT_AUDIT, adult_model, load_adult

    return load_adult(), AuditSpec(**ADULT_AUDIT), adult_model()


def planted_frame(n: int = 6000, *, seed: int = 0) -> pd.DataFrame:
    """Hiring-style data where ``sex`` strongly drives the label and ``height`` is its proxy."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n)
    skill = rng.normal(0, 1, n)
    experience = rng.integers(0, 20, n)
    height = np.where(sex == "M", 178, 165) + rng.normal(0, 4, n)
    region = rng.choice(["north", "south", "east"], n)
    logit = 1.2 * skill + 0.05 * experience - 1.0 + 3.0 * (sex == "M") - 1.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"sex": sex, "skill": skill.round(3), "experience": experience,
                         "height": height.round(1), "region": region, "label": y})

"""Fixtures of the remedy tests: the UCI Adult data with a model score to remedy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country", "income",
]
ADULT_FEATURES = [
    "age", "workclass", "education", "education_num", "marital_status", "occupation",
    "relationship", "capital_gain", "capital_loss", "hours_per_week", "native_country",
]


@pytest.fixture(scope="session")
def adult_frame(adult_dir) -> pd.DataFrame:
    """adult.data (32,561 rows) with the label as 0/1 and the score of a simple logistic
    model on two features (the 'deployed model' whose disparity is remedied)."""
    frame = pd.read_csv(adult_dir / "adult.data", names=ADULT_COLUMNS, skipinitialspace=True,
                        na_values="?")
    frame["income"] = (frame["income"].str.strip() == ">50K").astype(int)
    z = -6.0 + 0.45 * frame["education_num"] + 0.02 * frame["age"]
    frame["score"] = np.round(1 / (1 + np.exp(-z)), 4)
    return frame

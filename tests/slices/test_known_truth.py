"""Known-truth tests: planted error slices are found; random errors give no significant slice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairlens.datasets import make_planted
from fairlens.slices import find_slices, slice_mask
from tests.conftest import require_shared

NULL_SEEDS = 100
ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country", "income",
]


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def _best_jaccard(frame: pd.DataFrame, result, truth: np.ndarray, top: int = 3) -> float:
    return max((_jaccard(slice_mask(frame, s.conditions), truth) for s in result.slices[:top]),
               default=0.0)


@pytest.mark.parametrize("seed", range(6))
def test_planted_slice_in_top_three(seed):
    data = make_planted(n=20_000, seed=seed)
    result = find_slices(data.frame, features=data.features, label="label", pred="pred",
                         sensitive=["group", "sex"])
    assert _best_jaccard(data.frame, result, data.slice_mask) >= 0.8
    assert result.slices[0].significant


def test_planted_slice_found_with_honest_split():
    data = make_planted(n=20_000, seed=0)
    result = find_slices(data.frame, features=data.features, label="label", pred="pred",
                         significance="split", seed=1)
    assert _best_jaccard(data.frame, result, data.slice_mask) >= 0.8
    assert result.slices[0].significant


def test_random_errors_give_no_significant_slice():
    """Errors independent of the features: at most 5 % of seeds report a significant slice."""
    false_alarms = 0
    for seed in range(NULL_SEEDS):
        data = make_planted(n=3_000, seed=seed, slice_error=0.0)
        errors = np.random.default_rng(10_000 + seed).random(3_000) < 0.2
        result = find_slices(data.frame, features=data.features, errors=errors)
        false_alarms += any(s.significant for s in result.slices)
    assert false_alarms <= 0.05 * NULL_SEEDS


def test_random_errors_split_mode_no_significant_slice():
    false_alarms = 0
    for seed in range(10):
        data = make_planted(n=3_000, seed=seed, slice_error=0.0)
        errors = np.random.default_rng(20_000 + seed).random(3_000) < 0.2
        result = find_slices(data.frame, features=data.features, errors=errors,
                             significance="split", seed=seed)
        false_alarms += any(s.significant for s in result.slices)
    assert false_alarms <= 1


def test_planted_slice_on_adult(adult_dir):
    frame = pd.read_csv(require_shared("adult", "adult.data"), names=ADULT_COLUMNS,
                        skipinitialspace=True)
    truth = ((frame["workclass"] == "Self-emp-not-inc") & (frame["sex"] == "Male")).to_numpy()
    rng = np.random.default_rng(5)
    errors = rng.random(len(frame)) < np.where(truth, 0.45, 0.15)
    features = ["age", "workclass", "education", "marital_status", "occupation",
                "hours_per_week", "sex"]
    result = find_slices(frame, features=features, errors=errors, sensitive=["race", "sex"])
    assert _best_jaccard(frame, result, truth) >= 0.8
    assert result.slices[0].significant

"""Generated data and the recursive comparison shared by the engine tests."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

TOLERANCE = 1e-12


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Every place where two JSON documents differ (floats to 1e-12, NaN equal to NaN)."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            out.append(f"{path}: keys {sorted(set(a) ^ set(b), key=str)}")
        for k in a:
            if k in b:
                out += differences(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            out += differences(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float | int) and not isinstance(b, bool):
        if not (math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
                or (math.isnan(a) and math.isnan(b))):
            out.append(f"{path}: {a!r} != {b!r}")
    elif a != b or type(a) is not type(b):
        out.append(f"{path}: {a!r} != {b!r}")
    return out


def binary_frame(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Two models, string/int/quantile-binned attributes with missing values, weights."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["Black", "White", "Asian", "Other"], n, p=[0.35, 0.4, 0.15, 0.1])
    race = pd.Series(race, dtype=object)
    race[rng.random(n) < 0.02] = None
    age = rng.integers(18, 80, n)
    y = rng.random(n) < 0.3 + 0.2 * (race == "Black").to_numpy()
    score = np.clip(0.35 * y + rng.normal(0.35, 0.2, n), 0, 1).round(3)
    return pd.DataFrame({
        "race": race, "age": age, "region": rng.integers(1, 4, n),
        "outcome": np.where(y, "yes", "no"), "score": score,
        "score_b": rng.beta(2, 3, n), "w": rng.uniform(0.5, 3.0, n),
    })


def multiclass_frame(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    """Three-class softmax probabilities, a label, two attributes and weights."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, 3))
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    label = np.array(["a", "b", "c"])[[rng.choice(3, p=p) for p in proba]]
    return pd.DataFrame({
        "p_a": proba[:, 0].round(4), "p_b": proba[:, 1].round(4),
        "p_c": (1 - proba[:, 0].round(4) - proba[:, 1].round(4)),
        "label": label, "group": rng.choice(["g1", "g2", "g3"], n),
        "sex": rng.choice(["F", "M"], n), "w": rng.uniform(1, 2, n),
    })


def grid_frame(n: int = 21_000, seed: int = 2) -> pd.DataFrame:
    """About 1,000 intersectional groups and continuous scores: grid bins and exact AUCs."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 40, n)
    b = rng.choice([f"z{i:02d}" for i in range(25)], n)
    y = rng.random(n) < 0.4
    return pd.DataFrame({"a": a.astype(str), "b": b, "y": y.astype(int),
                         "score": np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1),
                         "raw": rng.normal(2 * y, 3.0)})

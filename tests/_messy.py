"""A generated predictions export with the columns a real one has: planted identifiers, leaks,
empty, constant and mostly-missing columns, dates, free text, score copies and a
high-cardinality categorical, beside honest features.

Every planted column is named after what it is, so a test can say which reason the column
screening must give it (:data:`PLANTED_REASONS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The planted columns and the reason the screening must give each.
PLANTED_REASONS = {
    "row_id": "identifier",
    "person_name": "identifier",
    "case_number": "identifier",
    "notes": "free_text",
    "empty_col": "empty",
    "constant_col": "constant",
    "mostly_missing": "mostly_missing",
    "screening_date": "date",
    "birth_date": "date",
    "outcome_copy": "label_leak",
    "followup_days": "label_leak",
    "score_decile": "score_copy",
    "score_band": "score_copy",
}

#: The honest columns: features the screening must keep.
HONEST_FEATURES = ["age", "priors", "charge", "income", "city"]


def messy_frame(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """The planted export: ``label`` (0/1), ``score`` (probability), ``race`` and ``sex``
    (sensitive), honest features (:data:`HONEST_FEATURES`, ``city`` with about 400 values) and the
    planted columns of :data:`PLANTED_REASONS`."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["Black", "White", "Hispanic", "Asian"], size=n, p=[0.4, 0.35, 0.2, 0.05])
    sex = rng.choice(["Male", "Female"], size=n, p=[0.7, 0.3])
    age = rng.integers(18, 70, size=n)
    priors = rng.poisson(2.0, size=n)
    charge = rng.choice(["F", "M"], size=n)
    income = np.round(rng.lognormal(10, 0.5, size=n), 2)
    city = np.array([f"City {i}" for i in rng.zipf(1.3, size=n) % 400])
    logit = -1.0 + 0.25 * priors - 0.03 * (age - 35) + 0.3 * (charge == "F")
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    score = np.clip(1 / (1 + np.exp(-(logit + rng.normal(0, 0.8, n)))), 0.001, 0.999)
    first = rng.choice(["Ann", "Bob", "Cara", "Dev", "Eli", "Fay", "Gus", "Hal"], size=n)
    start = np.datetime64("2013-01-01")
    screening = start + rng.integers(0, 730, size=n).astype("timedelta64[D]")
    birth = screening - (age * 365.25).astype(int).astype("timedelta64[D]")
    followup = np.where(label == 1, rng.integers(1, 700, size=n), 730 + rng.integers(0, 300, n))
    mostly = np.full(n, np.nan)
    mostly[: max(n // 100, 1)] = rng.random(max(n // 100, 1))
    words = np.array(["arrived", "late", "court", "hearing", "moved", "county", "paid", "fine",
                      "missed", "appointment", "drove", "without", "licence", "again"])
    notes = [" ".join(rng.choice(words, size=rng.integers(6, 14))) + f" ({i})" for i in range(n)]
    frame = pd.DataFrame({
        "row_id": np.arange(1, n + 1),
        "person_name": [f"{f} Person{i}" for i, f in enumerate(first)],
        "case_number": [f"13{i:06d}CF10A" for i in rng.permutation(n)],
        "label": label,
        "score": np.round(score, 4),
        "race": race,
        "sex": sex,
        "age": age,
        "priors": priors,
        "charge": charge,
        "income": income,
        "city": city,
        "notes": notes,
        "empty_col": np.full(n, np.nan),
        "constant_col": "Broward",
        "mostly_missing": mostly,
        "screening_date": pd.Series(screening).dt.strftime("%Y-%m-%d"),
        "birth_date": pd.Series(birth).dt.strftime("%Y-%m-%d"),
        "outcome_copy": np.where(label == 1, "yes", "no"),
        "followup_days": followup,
        "score_decile": np.ceil(score * 10).astype(int),
        "score_band": pd.cut(score, [0, 0.4, 0.7, 1.0], labels=["Low", "Medium", "High"]
                             ).astype(str),
    })
    return frame

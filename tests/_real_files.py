"""The real files the analyses must survive, with every column given as a feature.

Each loader returns ``(frame, spec)``: the label, the model's score and the sensitive attributes
mapped, and ALL other columns as features (identifiers, dates, empty columns, leaks and score
copies included), as a user who accepts nothing from the screening would give them.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from fairlens.data import AuditSpec, read_table
from tests._messy import messy_frame
from tests.conftest import require_shared

#: The words every leak / identifier / score-copy sentence of the column screening holds.
LEAK_WORDS = "should be left out"


def all_columns(frame: pd.DataFrame, spec: AuditSpec) -> AuditSpec:
    """``spec`` with every column that has no role as a feature."""
    roles = set(spec.columns(frame.columns))
    return dataclasses.replace(spec, features=[c for c in frame.columns if c not in roles])


def raw_compas(rows: int | None = None) -> tuple[pd.DataFrame, AuditSpec]:
    """The raw ProPublica file (53 columns); ``rows``: its first rows only."""
    frame = read_table(require_shared("compas", "compas-scores-two-years.csv"))
    if rows is not None:
        frame = frame.iloc[:rows].reset_index(drop=True)
    spec = AuditSpec(label="two_year_recid", score=["decile_score"], sensitive=["race", "sex"],
                     threshold=5, score_kind="raw", favorable="negative")
    return frame, all_columns(frame, spec)


def titanic() -> tuple[pd.DataFrame, AuditSpec]:
    """Titanic passengers with a model's score (out-of-fold logistic regression on the
    passengers' columns, so the file has a model to audit)."""
    from fairlens.labels import cross_val_proba

    frame = read_table(require_shared("titanic", "titanic.csv"))
    inputs = frame.drop(columns=["survived"])
    cv = cross_val_proba(inputs, frame["survived"].to_numpy(), model="logistic_regression",
                         n_splits=3, seed=0)
    frame = frame.assign(score=cv.proba[:, 1].round(4))
    spec = AuditSpec(label="survived", score=["score"], sensitive=["gender"], threshold=0.5)
    return frame, all_columns(frame, spec)


def messy(n: int = 1500) -> tuple[pd.DataFrame, AuditSpec]:
    """The generated export with planted identifier, leak, empty, constant, date and
    score-copy columns (:func:`tests._messy.messy_frame`)."""
    frame = messy_frame(n)
    spec = AuditSpec(label="label", score=["score"], sensitive=["race", "sex"], threshold=0.5)
    return frame, all_columns(frame, spec)


LOADERS = {"raw_compas": raw_compas, "titanic": titanic, "messy": messy}


def leak_sentences(warnings: list[str]) -> list[str]:
    """The column screening's sentences among ``warnings``."""
    return [w for w in warnings if LEAK_WORDS in w]

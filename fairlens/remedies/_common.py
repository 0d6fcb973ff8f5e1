"""Shared pieces of every remedy: the constants, the split, the specs of remedied predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairlens._validation import check_interval
from fairlens.data import AuditSpec, FairLensInputError, prepare

SCHEMA = "fairlens.remedy/1"
TRADEOFF_SCHEMA = "fairlens.remedy_tradeoff/1"
Constraint = Literal["demographic_parity", "equal_opportunity", "equalized_odds"]
Objective = Literal["accuracy", "balanced_accuracy"]
CONSTRAINTS: tuple[str, ...] = ("demographic_parity", "equal_opportunity", "equalized_odds")
OBJECTIVES: tuple[str, ...] = ("accuracy", "balanced_accuracy")
DEFAULT_CONSTRAINT = "equalized_odds"
DEFAULT_TOLERANCE = 0.05
DEFAULT_TEST_SIZE = 0.3
Progress = Callable[[int, int, str], None]

#: The audit-JSON disparity that measures each constraint.
MEASURE = {
    "demographic_parity": "demographic_parity_difference",
    "equal_opportunity": "equal_opportunity_difference",
    "equalized_odds": "equalized_odds_difference",
}
PREDICTION_COLUMN = "remedy_prediction"
SCORE_COLUMN = "remedy_score"

MSG_TASK = ("Remedies need a binary label and a score or predicted-label column; this mapping is "
            "a {task} audit. Map a binary label and the model's score on the Data page "
            "(CLI: --label COL --score COL).")
MSG_NO_FEATURES = ("The remedy {method!r} retrains a model and needs feature columns. Map them "
                   "(CLI: --features A,B,C) or use --method thresholds, which needs only scores.")
MSG_NO_SCORE = ("Group thresholds need a score column (predicted labels have no threshold to "
                "move). Map the model's score (CLI: --score COL).")
MSG_ATTRIBUTE = "attribute {value!r} is not a sensitive attribute of the mapping ({choices})."


def check_tolerance(tolerance: Any) -> float:
    """A tolerance in [0, 1] (:func:`fairlens._validation.check_interval`)."""
    return check_interval("tolerance", tolerance, low=0.0, high=1.0)


def disparity_of(audit: Any, attribute: str, measure: str) -> float:
    """One disparity of an audit for one attribute (NaN when the audit has none)."""
    table = audit.disparities
    row = table[(table["grouping"] == attribute) & (table["measure"] == measure)]
    return float(row["value"].iloc[0]) if len(row) else float("nan")


# --- the split ----------------------------------------------------------------------------------

@dataclass
class Split:
    """Which rows fit the remedy and which evaluate it.

    Attributes
    ----------
    fit, test : numpy.ndarray
        Row positions (into the original frame) of the two parts, sorted.
    test_size : float
    seed : int
    stratified_by : list of str
        The columns whose combinations keep their shares in both parts.
    """

    fit: np.ndarray
    test: np.ndarray
    test_size: float
    seed: int
    stratified_by: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The ``split`` entry of the JSON document."""
        return {"method": "stratified random split", "test_size": self.test_size,
                "seed": self.seed, "n_fit": int(len(self.fit)), "n_test": int(len(self.test)),
                "stratified_by": list(self.stratified_by),
                "fit_rows": "all rows not in the held-out part",
                "evaluated_on": "held-out part"}


def make_split(frame: pd.DataFrame, spec: AuditSpec, *, test_size: float, seed: int,
               attribute: str) -> Split:
    """A seeded split that keeps the shares of (label, group) in both parts.

    Strata with a single row cannot be split in proportion; they are merged into one
    "rare" stratum (and the split falls back to an unstratified one if that is still
    impossible).
    """
    from sklearn.model_selection import train_test_split

    size = check_interval("test_size", test_size, low=0.05, high=0.95)
    n = len(frame)
    if n < 20:
        raise FairLensInputError(f"Remedies need at least 20 rows to fit and evaluate; the data "
                                 f"has {n}.")
    strata = frame[spec.label].astype(str) + "|" + frame[attribute].astype(str)
    counts = strata.map(strata.value_counts())
    strata = strata.where(counts >= 2, "(rare)")
    rows = np.arange(n)
    try:
        fit, test = train_test_split(rows, test_size=size, random_state=int(seed),
                                     stratify=strata.to_numpy())
        stratified = [spec.label, attribute]
    except ValueError:
        fit, test = train_test_split(rows, test_size=size, random_state=int(seed))
        stratified = []
    return Split(np.sort(fit), np.sort(test), size, int(seed), stratified)


# --- remedied predictions ----------------------------------------------------------------------

def prediction_spec(spec: AuditSpec) -> AuditSpec:
    """The spec of a remedied file: the label, the attributes, and the remedy's decisions."""
    return replace(spec, score=[], pred=[PREDICTION_COLUMN], metric=[], proba_prefix=None,
                   features=[], threshold=0.5, score_kind="probability")


def score_spec(spec: AuditSpec) -> AuditSpec:
    """The spec of a retrained model's probability scores (threshold 0.5)."""
    return replace(spec, score=[SCORE_COLUMN], pred=[], metric=[], proba_prefix=None,
                   features=[], threshold=0.5, score_kind="probability")


def positive_of(frame: pd.DataFrame, spec: AuditSpec) -> tuple[np.ndarray, list[Any]]:
    """The binary label as 0/1 and the ``[negative, positive]`` label values (validated)."""
    prepared = prepare(frame, replace(spec, features=[], weight=None))
    if prepared.task != "binary":
        raise FairLensInputError(MSG_TASK.format(task=prepared.task))
    return prepared.y.astype(np.int64), prepared.classes


def label_values(y01: np.ndarray, classes: list[Any]) -> np.ndarray:
    """0/1 decisions written in the label's own values (so the audit reads them back)."""
    neg, pos = classes
    if neg is None:
        neg = 0 if pos in (1, True) else f"not {pos}"
    out = np.where(np.asarray(y01) > 0, pos, neg)
    return out

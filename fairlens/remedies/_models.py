"""Retraining on the feature columns: preprocessing, reweighing, fairlearn's reductions."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from fairlens.data import FairLensInputError
from fairlens.data._features import FeatureEncoder
from fairlens.wording import names

Learner = Literal["logistic", "hist_gradient_boosting"]
LEARNERS: tuple[str, ...] = ("logistic", "hist_gradient_boosting")


def preprocessor(frame: pd.DataFrame, features: list[str]) -> FeatureEncoder:
    """The one feature encoder of FairLens, one-hot output: numbers median-imputed (with a
    missing-value column) and standardised, each categorical's common levels one-hot (the rest
    "other"); columns that carry no information are left out (named in ``notes_``)."""
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise FairLensInputError(f"Feature column(s) {names(missing)} are not in the data; "
                                 f"columns: {names(list(frame.columns)[:40])}.")
    return FeatureEncoder("onehot", scale=True)


def feature_frame(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The feature columns as they are (the encoder reads every kind of column)."""
    return frame[list(features)]


def make_learner(learner: str, seed: int) -> Any:
    """A scikit-learn classifier that accepts ``sample_weight``."""
    if learner == "logistic":
        return LogisticRegression(max_iter=1000)
    if learner == "hist_gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(random_state=int(seed), max_iter=200)
    raise FairLensInputError(f"Unknown learner {learner!r}; choose one of {', '.join(LEARNERS)}.")


def fit_pipeline(frame: pd.DataFrame, features: list[str], y: np.ndarray, *, learner: str,
                 seed: int, sample_weight: np.ndarray | None = None) -> Pipeline:
    """Preprocessing + learner, fitted with optional sample weights."""
    from threadpoolctl import threadpool_limits

    pipe = Pipeline([("prep", preprocessor(frame, features)),
                     ("model", make_learner(learner, seed))])
    kwargs = {} if sample_weight is None else {"model__sample_weight": sample_weight}
    with threadpool_limits(1):
        pipe.fit(feature_frame(frame, features), y, **kwargs)
    return pipe


def reweighing_weights(y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Kamiran-Calders reweighing: ``w(a, y) = P(A = a) P(Y = y) / P(A = a, Y = y)``.

    With these weights the label is independent of the group in the weighted data, and the
    weighted count of every group and of every label stays what it was.

    Parameters
    ----------
    y : array of 0/1
    groups : array
        The sensitive attribute of each row.

    Returns
    -------
    weights : numpy.ndarray
        One weight per row.
    table : DataFrame
        ``group, label, n, p_group, p_label, p_joint, weight`` per (group, label) cell.
    """
    y = np.asarray(y).astype(np.int64)
    g = pd.Series(np.asarray(groups)).astype(str).to_numpy()
    n = len(y)
    cells = pd.DataFrame({"group": g, "label": y}).value_counts().rename("n").reset_index()
    p_group = pd.Series(g).value_counts() / n
    p_label = pd.Series(y).value_counts() / n
    cells["p_group"] = cells["group"].map(p_group).astype(float)
    cells["p_label"] = cells["label"].map(p_label).astype(float)
    cells["p_joint"] = cells["n"] / n
    cells["weight"] = cells["p_group"] * cells["p_label"] / cells["p_joint"]
    lookup = {(r.group, int(r.label)): r.weight for r in cells.itertuples()}
    weights = np.array([lookup[(a, b)] for a, b in zip(g, y, strict=True)], dtype=float)
    return weights, cells.sort_values(["group", "label"]).reset_index(drop=True)


def expgrad_constraint(constraint: str, tolerance: float) -> Any:
    """fairlearn's moment for a FairLens constraint name, with ``difference_bound``."""
    from fairlearn.reductions import DemographicParity, EqualizedOdds, TruePositiveRateParity

    moment = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds,
              "equal_opportunity": TruePositiveRateParity}[constraint]
    return moment(difference_bound=float(tolerance))


def fit_expgrad(x: np.ndarray, y: np.ndarray, groups: np.ndarray, *, constraint: str,
                tolerance: float, eps: float = 0.01, max_iter: int = 50, seed: int = 0) -> Any:
    """fairlearn's :class:`~fairlearn.reductions.ExponentiatedGradient` around a logistic
    regression, on preprocessed features (the call is fairlearn's own, unchanged)."""
    from fairlearn.reductions import ExponentiatedGradient
    from threadpoolctl import threadpool_limits

    model = ExponentiatedGradient(LogisticRegression(max_iter=1000),
                                  constraints=expgrad_constraint(constraint, tolerance),
                                  eps=float(eps), max_iter=int(max_iter))
    with threadpool_limits(1):
        model.fit(x, y, sensitive_features=np.asarray(groups).astype(str))
    return model

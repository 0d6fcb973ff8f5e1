"""Surrogate models: reproduce a predictions file's score from its features, with fidelity."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import AuditSpec, FairLensInputError
from fairlens.data._features import FeatureEncoder
from fairlens.explain._models import Model, from_estimator

MAX_TRAIN_ROWS = 50_000
MAX_HOLDOUT_ROWS = 20_000
HOLDOUT_SHARE = 0.2


@dataclass
class Fidelity:
    """How well a surrogate reproduces the file's predictions on rows it was not trained on.

    Attributes
    ----------
    target : str
        The column it reproduces.
    r2 : float
        Coefficient of determination of the surrogate's output vs the target on held-out rows.
    agreement : float
        Share of held-out rows where the surrogate's decision (output >= threshold) equals the
        file's decision.
    threshold : float
    n_train, n_holdout : int
    """

    target: str
    r2: float
    agreement: float
    threshold: float
    n_train: int
    n_holdout: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict."""
        return {k: (float(v) if isinstance(v, (float, np.floating)) else v)
                for k, v in asdict(self).items()}


def surrogate_pipeline(frame: pd.DataFrame, features: list[str], seed: int) -> Any:
    """The one feature encoder + a histogram gradient-boosting regressor.

    The encoder's ``"codes"`` output (one number per feature: level codes for categories, a
    constant for a column without information) keeps the trees readable by SHAP's
    TreeExplainer, feature by feature.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.pipeline import Pipeline

    model = HistGradientBoostingRegressor(max_iter=100, learning_rate=0.15, early_stopping=False,
                                          categorical_features=None, random_state=seed)
    return Pipeline([("encode", FeatureEncoder("codes")), ("model", model)])


def surrogate_target(frame: pd.DataFrame, spec: AuditSpec) -> tuple[str, np.ndarray, float]:
    """The column a surrogate reproduces, its values and the decision threshold on them."""
    if spec.score:
        col = spec.score[0]
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        return col, values, float(spec.threshold)
    if spec.pred:
        col = spec.pred[0]
        positive = spec.positive_label
        if positive is None:
            uniq = sorted(frame[col].dropna().unique().tolist(), key=str)
            positive = 1 if 1 in uniq else uniq[-1]
        return col, (frame[col] == positive).to_numpy(dtype=float), 0.5
    raise FairLensInputError(
        "A surrogate needs a score or predicted-label column to reproduce; map one on the Data "
        "page (CLI --score COL), or give the model itself.")


def fit_surrogate(frame: pd.DataFrame, spec: AuditSpec, *, features: list[str] | None = None,
                  seed: int = 0, max_train: int = MAX_TRAIN_ROWS) -> tuple[Model, Fidelity]:
    """Train a gradient-boosting surrogate of the file's predictions from its features.

    Rows are split at random (seeded) into training rows (at most ``max_train``) and held-out
    rows (20%, at most 20,000) on which the fidelity is measured.

    Parameters
    ----------
    frame : DataFrame
    spec : AuditSpec
        Its first score column (else first predicted-label column, as 0/1) is the target.
    features : list of str, optional
        Inputs of the surrogate; default ``spec.features``.
    seed : int
    max_train : int

    Returns
    -------
    (Model, Fidelity)
        The surrogate (``kind="surrogate"``) and its fidelity on the held-out rows.
    """
    from sklearn.metrics import r2_score
    from threadpoolctl import threadpool_limits

    features = list(features if features is not None else spec.features)
    if not features:
        raise FairLensInputError(
            "No feature columns are mapped, so there is nothing to explain the predictions with. "
            "Map the features on the Data page (CLI --features COL ...).")
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise FairLensInputError(f"Feature columns {missing} are not in the data.")
    target, y, threshold = surrogate_target(frame, spec)
    ok = np.flatnonzero(np.isfinite(y))
    if len(ok) < 50:
        raise FairLensInputError(
            f"Only {len(ok)} rows have a value in {target!r}; a surrogate needs at least 50.")
    rng = np.random.default_rng(seed)
    order = rng.permutation(ok)
    n_hold = int(min(MAX_HOLDOUT_ROWS, max(10, round(HOLDOUT_SHARE * len(order)))))
    hold, train = order[:n_hold], order[n_hold:n_hold + max_train]
    pipe = surrogate_pipeline(frame, features, seed)
    with threadpool_limits(1):  # OpenMP threads on a busy machine cost more than they save
        pipe.fit(frame.iloc[train][features], y[train])
        fitted = pipe.predict(frame.iloc[hold][features])
    r2 = float(r2_score(y[hold], fitted)) if np.ptp(y[hold]) > 0 else float("nan")
    agreement = float(np.mean((fitted >= threshold) == (y[hold] >= threshold)))
    fidelity = Fidelity(target=target, r2=r2, agreement=agreement, threshold=threshold,
                        n_train=int(len(train)), n_holdout=int(len(hold)))
    model = from_estimator(pipe, features=features, kind="surrogate",
                           source=f"surrogate of {target!r} (gradient boosting on "
                                  f"{len(features)} features)")
    model.output = "score"
    return model, fidelity

"""``explain_row``: one row's SHAP values next to a seeded LIME explanation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import FairLensInputError
from fairlens.explain._encoding import FeatureCodec
from fairlens.explain._result import Explanation, RowExplanation


def explain_row(explanation: Explanation, frame: pd.DataFrame, row: Any, *,
                num_samples: int = 2000, seed: int = 0) -> RowExplanation:
    """SHAP values and a seeded LIME explanation of one row (by its label in ``frame``).

    Parameters
    ----------
    explanation : Explanation
        Gives the model, the explainer and the background (its explained rows).
    frame : DataFrame
    row : label
        A label of ``frame.index``.
    num_samples : int
        LIME's perturbed samples.
    seed : int
        LIME's random state: the same seed gives the same explanation.

    Returns
    -------
    RowExplanation
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # see explain_spec
        return _explain_row(explanation, frame, row, num_samples, seed)


def _explain_row(explanation: Explanation, frame: pd.DataFrame, row: Any, num_samples: int,
                 seed: int) -> RowExplanation:
    from lime.lime_tabular import LimeTabularExplainer

    if row not in frame.index:
        raise FairLensInputError(f"Row {row!r} is not in the data (rows are numbered "
                                 f"{frame.index.min()} to {frame.index.max()}).")
    model = explanation.model
    feats = model.features
    one = frame.loc[[row], feats]
    if row in explanation.shap_values.index:
        phi = explanation.shap_values.loc[row].to_numpy(dtype=float)
    else:
        phi = explanation.explainer.values(one)[0]
    output = float(np.asarray(model.explained_output(one), dtype=float)[0])
    background = explanation.sample[feats]
    codec = FeatureCodec.fit(pd.concat([background, one]), feats)
    train = codec.encode(background)
    medians = np.nanmedian(np.where(np.isnan(train), np.nan, train), axis=0)
    train = np.where(np.isnan(train), medians, train)
    point = codec.encode(one)[0]
    point = np.where(np.isnan(point), medians, point)
    cat_idx = codec.categorical_indices
    names = {i: [str(v) for v in codec.categories[feats[i]]] + ["(missing)"] for i in cat_idx}
    lime = LimeTabularExplainer(
        train, mode="regression", feature_names=feats, categorical_features=cat_idx,
        categorical_names=names, discretize_continuous=True, random_state=seed)

    def predict(matrix: np.ndarray) -> np.ndarray:
        return np.asarray(model.explained_output(codec.decode(matrix)), dtype=float)

    exp = lime.explain_instance(point, predict, num_features=len(feats),
                                num_samples=num_samples)
    # Regression mode stores the fit under label 1 (label 0 holds the negated weights).
    key = 1 if 1 in exp.local_exp else next(iter(exp.local_exp))
    weights = dict(exp.local_exp[key])
    conditions = dict(exp.as_list(label=key))
    by_index = {}
    missing = np.isnan(codec.encode(one)[0])
    for cond, (i, _w) in zip(conditions, exp.local_exp[key], strict=False):
        by_index[i] = cond + (" (value missing: LIME used the median)" if missing[i] else "")
    intercept = exp.intercept[key] if isinstance(exp.intercept, dict) else exp.intercept
    local = exp.local_pred
    return RowExplanation(
        row=row, values={f: one.iloc[0][f] for f in feats}, output=output,
        base_value=float(explanation.base_value),
        shap={f: float(v) for f, v in zip(feats, phi, strict=True)},
        lime={feats[i]: float(w) for i, w in weights.items()},
        lime_conditions={feats[i]: c for i, c in by_index.items()},
        lime_intercept=float(np.ravel(intercept)[0]),
        lime_prediction=float(np.ravel(local)[0]) if local is not None else float("nan"),
        lime_r2=float(exp.score), seed=int(seed))

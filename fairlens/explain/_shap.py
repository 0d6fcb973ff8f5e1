"""SHAP values: TreeExplainer for tree models, a permutation explainer with a background sample
otherwise, computed in chunks with progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairlens.explain._encoding import FeatureCodec
from fairlens.explain._models import Model

Progress = Callable[[int, int, str], None]
CHUNK = 250
BACKGROUND_ROWS = 50


@dataclass
class ShapExplainer:
    """Computes SHAP values of a model's explained output for rows of a frame.

    Attributes
    ----------
    method : {"tree", "permutation"}
    base_value : float
        Expected output (over the background for "permutation"; the tree's expected value
        for "tree").
    """

    model: Model
    method: str
    base_value: float
    _fn: Callable[[pd.DataFrame], np.ndarray]

    def values(self, frame: pd.DataFrame, progress: Progress | None = None,
               offset: int = 0, total: int | None = None) -> np.ndarray:
        """SHAP values (rows x features, in ``model.features`` order) of ``frame``'s rows."""
        out = np.empty((len(frame), len(self.model.features)), dtype=float)
        total = total or (len(frame) + CHUNK - 1) // CHUNK
        for k, start in enumerate(range(0, len(frame), CHUNK)):
            part = frame.iloc[start:start + CHUNK]
            out[start:start + len(part)] = self._fn(part)
            if progress is not None:
                progress(offset + k + 1, total, f"SHAP values: {start + len(part):,} of "
                                                f"{len(frame):,} rows")
        return out


def _last_class(values: np.ndarray | list, base) -> tuple[np.ndarray, float]:
    if isinstance(values, list):
        values = values[-1]
    values = np.asarray(values, dtype=float)
    if values.ndim == 3:
        values = values[:, :, -1]
    base = np.ravel(np.asarray(base, dtype=float))
    return values, float(base[-1])


def make_explainer(model: Model, background: pd.DataFrame, *, seed: int = 0,
                   max_evals: int | None = None) -> ShapExplainer:
    """The SHAP explainer of a model.

    Tree models (``model.tree``) use ``shap.TreeExplainer`` on the tree's raw output
    (path-dependent, exact). Any other model uses ``shap.PermutationExplainer`` on
    :attr:`Model.explained_output` with an independent masker over ``background`` rows
    (features coded by :class:`FeatureCodec`); both satisfy additivity: base value plus the
    row's SHAP values equals the explained output.

    Parameters
    ----------
    model : Model
    background : DataFrame
        Rows holding the features (the first 50 of them form the background of the
        permutation explainer).
    seed : int
    max_evals : int, optional
        Model evaluations per row of the permutation explainer (default ``2 * (2M + 1)``).
    """
    import shap

    features = model.features
    if model.tree is not None:
        explainer = shap.TreeExplainer(model.tree)
        _, base = _last_class(np.zeros((1, len(features))), explainer.expected_value)
        transform, columns = model.transform, model.tree_columns

        def tree_fn(frame: pd.DataFrame) -> np.ndarray:
            values, _ = _last_class(explainer.shap_values(transform(frame),
                                                          check_additivity=False),
                                    explainer.expected_value)
            return values[:, columns]

        return ShapExplainer(model, "tree", base, tree_fn)

    codec = FeatureCodec.fit(background, features)
    bg = codec.encode(background.iloc[:BACKGROUND_ROWS])
    output = model.explained_output

    def f(matrix: np.ndarray) -> np.ndarray:
        return output(codec.decode(matrix))

    masker = shap.maskers.Independent(bg, max_samples=len(bg))
    explainer = shap.PermutationExplainer(f, masker, seed=seed)
    evals = max_evals or 2 * (2 * len(features) + 1)
    base = float(np.mean(f(bg)))

    def perm_fn(frame: pd.DataFrame) -> np.ndarray:
        result = explainer(codec.encode(frame), max_evals=evals, silent=True)
        return np.asarray(result.values, dtype=float)

    return ShapExplainer(model, "permutation", base, perm_fn)

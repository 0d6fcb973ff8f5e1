"""Numeric codes for mixed feature frames (for model-agnostic SHAP maskers and LIME)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairlens.data import MISSING_GROUP
from fairlens.data._features import is_numeric

__all__ = ["FeatureCodec", "group_labels", "is_numeric"]


def group_labels(series: pd.Series) -> pd.Series:
    """Group names of an attribute column as text, missing values as ``"(missing)"``."""
    return series.astype(object).where(series.notna(), MISSING_GROUP).astype(str)


@dataclass
class FeatureCodec:
    """Maps a frame of features to a float matrix and back.

    Numeric columns pass through (missing stays NaN). Each categorical column becomes the
    index of its value in ``categories[col]``; a missing value gets the extra code
    ``len(categories[col])`` and decodes back to missing.
    """

    features: list[str]
    categories: dict[str, list]
    dtypes: dict[str, object]

    @classmethod
    def fit(cls, frame: pd.DataFrame, features: list[str]) -> FeatureCodec:
        """Learn the categories of the non-numeric columns of ``frame``."""
        cats: dict[str, list] = {}
        for f in features:
            if not is_numeric(frame[f]):
                values = frame[f].dropna().unique().tolist()
                cats[f] = sorted(values, key=lambda v: (str(type(v)), str(v)))
        return cls(list(features), cats, {f: frame[f].dtype for f in features})

    @property
    def categorical_indices(self) -> list[int]:
        """Positions of the categorical features."""
        return [i for i, f in enumerate(self.features) if f in self.categories]

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """The float matrix of ``frame``'s features (unknown categories count as missing)."""
        out = np.empty((len(frame), len(self.features)), dtype=float)
        for j, f in enumerate(self.features):
            if f in self.categories:
                cats = self.categories[f]
                codes = pd.Categorical(frame[f], categories=cats).codes.astype(float)
                codes[codes < 0] = len(cats)
                out[:, j] = codes
            else:
                out[:, j] = pd.to_numeric(frame[f], errors="coerce").to_numpy(dtype=float)
        return out

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        """The frame of features behind a code matrix (inverse of :meth:`encode`)."""
        matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
        cols = {}
        for j, f in enumerate(self.features):
            if f in self.categories:
                cats = np.array(list(self.categories[f]) + [np.nan], dtype=object)
                idx = np.clip(np.rint(matrix[:, j]), 0, len(cats) - 1).astype(int)
                cols[f] = cats[idx]
            else:
                col = matrix[:, j]
                if pd.api.types.is_integer_dtype(self.dtypes[f]) and not np.isnan(col).any():
                    col = np.rint(col).astype(self.dtypes[f])
                cols[f] = col
        return pd.DataFrame(cols)

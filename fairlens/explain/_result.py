"""The documents of an explanation: :class:`Explanation` (schema ``fairlens.explain/1``), its
:class:`GapDecomposition`, and one row's :class:`RowExplanation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens._json import json_safe
from fairlens.data import FairLensInputError
from fairlens.explain._encoding import group_labels
from fairlens.explain._flip import FlipResult, ProxyResult
from fairlens.explain._models import Model
from fairlens.explain._shap import ShapExplainer
from fairlens.explain._surrogate import Fidelity
from fairlens.wording import explain as words

SCHEMA = "fairlens.explain/1"


@dataclass
class GapDecomposition:
    """The difference in mean explained output between two groups, split by feature.

    ``gap = mean_a - mean_b`` over the explained rows of each group, and by SHAP additivity
    ``gap = sum(contributions)`` with ``contributions[f]`` = mean SHAP value of ``f`` in group a
    minus its mean in group b.
    """

    attribute: str
    group_a: str
    group_b: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    gap: float
    contributions: dict[str, float]
    output: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict."""
        return {"attribute": self.attribute, "group_a": self.group_a, "group_b": self.group_b,
                "n_a": int(self.n_a), "n_b": int(self.n_b), "mean_a": float(self.mean_a),
                "mean_b": float(self.mean_b), "gap": float(self.gap),
                "contributions": {k: float(v) for k, v in self.contributions.items()},
                "output": self.output}

    def table(self) -> pd.DataFrame:
        """Feature, contribution and share of the gap, largest magnitude first."""
        items = words.largest_contributions(self)
        return pd.DataFrame({
            "feature": [f for f, _ in items], "contribution": [v for _, v in items],
            "share": [v / self.gap if self.gap else np.nan for _, v in items]})


@dataclass
class Explanation:
    """Everything :func:`explain_spec` found; ``to_dict()`` is the JSON ``fairlens.explain/1``.

    Attributes
    ----------
    model : Model
        The explained model (``model.kind == "surrogate"`` when FairLens trained one).
    fidelity : Fidelity or None
        The surrogate's fidelity on held-out rows.
    method : {"tree", "permutation"}
    n_rows, sample_size : int
        Rows in the data, rows explained.
    attribute : str or None
        The attribute of the gap, flip and proxy analyses (the sample is stratified by it).
    shap_values : DataFrame
        One row per explained row (index: the data's row labels), one column per feature.
    base_value : float
    outputs : ndarray
        The model's explained output for the explained rows (computed by the model, not from
        the SHAP values).
    sample : DataFrame
        The explained rows: the features and the sensitive attributes.
    weights : ndarray
        Stratification weights of the explained rows.
    importance : Series
        Mean absolute SHAP value per feature (weighted to all rows), largest first.
    importance_by_group : dict
        Attribute -> DataFrame (groups x features) of mean absolute SHAP values.
    gap : GapDecomposition or None
    flip : FlipResult or None
        When the attribute is a model input.
    proxy : ProxyResult or None
        When it is not.
    warnings : list of str
    """

    SCHEMA: ClassVar[str] = SCHEMA

    model: Model
    fidelity: Fidelity | None
    method: str
    n_rows: int
    sample_size: int
    attribute: str | None
    shap_values: pd.DataFrame
    base_value: float
    outputs: np.ndarray
    sample: pd.DataFrame
    weights: np.ndarray
    importance: pd.Series
    importance_by_group: dict[str, pd.DataFrame]
    gap: GapDecomposition | None
    flip: FlipResult | None
    proxy: ProxyResult | None
    warnings: list[str] = field(default_factory=list)
    explainer: ShapExplainer | None = field(default=None, repr=False)

    @property
    def features(self) -> list[str]:
        """The model's features, in its order."""
        return list(self.model.features)

    @property
    def additivity_error(self) -> float:
        """Largest |base value + sum of a row's SHAP values - the model's output| (rows)."""
        if not len(self.outputs):
            return 0.0
        total = self.base_value + self.shap_values.to_numpy().sum(axis=1)
        return float(np.max(np.abs(total - self.outputs)))

    @property
    def subject(self) -> str:
        """"the model" or "the surrogate", for sentences."""
        return words.subject(self.model.kind)

    def dependence(self, feature: str, attribute: str | None = None) -> pd.DataFrame:
        """Feature value, its SHAP value and the row's group, for a dependence plot."""
        if feature not in self.shap_values.columns:
            raise FairLensInputError(f"{feature!r} is not a feature of the explained model.")
        attr = attribute or self.attribute
        out = pd.DataFrame({"value": self.sample[feature].to_numpy(),
                            "shap": self.shap_values[feature].to_numpy()},
                           index=self.shap_values.index)
        if attr and attr in self.sample.columns:
            out["group"] = group_labels(self.sample[attr]).to_numpy()
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with ``"schema": "fairlens.explain/1"`` (see the README)."""
        by_group = {attr: {str(g): {f: float(v) for f, v in row.items()}
                           for g, row in table.iterrows()}
                    for attr, table in self.importance_by_group.items()}
        return json_safe({
            "schema": SCHEMA,
            "model": {"kind": self.model.kind, "source": self.model.source,
                      "output": self.model.output, "method": self.method,
                      "fidelity": self.fidelity.to_dict() if self.fidelity else None},
            "n_rows": int(self.n_rows),
            "sample_size": int(self.sample_size),
            "attribute": self.attribute,
            "base_value": float(self.base_value),
            "additivity_error": self.additivity_error,
            "importance": {"overall": {f: float(v) for f, v in self.importance.items()},
                           "by_group": by_group},
            "gap": self.gap.to_dict() if self.gap else None,
            "flip": self.flip.to_dict() if self.flip else None,
            "proxy": self.proxy.to_dict() if self.proxy else None,
            "warnings": list(self.warnings),
        })

    def importance_table(self, attribute: str | None = None) -> pd.DataFrame:
        """Mean |SHAP| per feature: all rows and each group of ``attribute`` (default: the
        explanation's attribute), largest first."""
        out = pd.DataFrame({"feature": self.importance.index,
                            "all rows": self.importance.to_numpy()})
        table = self.importance_by_group.get(attribute or self.attribute)
        if table is not None:
            for g, row in table.iterrows():
                out[str(g)] = [row[f] for f in out["feature"]]
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The explanation as tables: importance, the gap's contributions, the flip test or
        the proxy check (the parts that were computed)."""
        out = {"importance": self.importance_table()}
        if self.gap is not None:
            out["gap"] = self.gap.table()
        for part in (self.flip, self.proxy):
            if part is not None:
                out.update(part.tables())
        return out

    def summary_lines(self) -> list[str]:
        """The plain-text summary of ``fairlens explain``, one line each."""
        return words.summary_lines(self)


@dataclass
class RowExplanation:
    """One row's SHAP values next to a LIME explanation of the same output.

    Attributes
    ----------
    row : Any
        The row's label in the data.
    values : dict
        The row's feature values.
    output : float
        The explained output for the row; ``base_value + sum(shap) == output``.
    shap : dict
        Feature -> SHAP value.
    lime : dict
        Feature -> LIME weight of the local linear model.
    lime_conditions : dict
        Feature -> the condition LIME weighed (e.g. ``"age > 47.00"``).
    lime_intercept, lime_prediction, lime_r2 : float
        The local model's intercept, its prediction for the row and its fit (R^2).
    seed : int
    """

    row: Any
    values: dict[str, Any]
    output: float
    base_value: float
    shap: dict[str, float]
    lime: dict[str, float]
    lime_conditions: dict[str, str]
    lime_intercept: float
    lime_prediction: float
    lime_r2: float
    seed: int
    warnings: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """Feature, value, SHAP value, LIME condition and weight, by |SHAP| (largest first)."""
        out = pd.DataFrame({
            "feature": list(self.shap), "value": [self.values[f] for f in self.shap],
            "shap": list(self.shap.values()),
            "lime_condition": [self.lime_conditions.get(f, "") for f in self.shap],
            "lime_weight": [self.lime.get(f, 0.0) for f in self.shap]})
        return out.reindex(out["shap"].abs().sort_values(ascending=False).index).reset_index(
            drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: the row, its values, output, SHAP values and the LIME fit."""
        return json_safe({
            "row": _plain(self.row), "values": {f: _plain(v) for f, v in self.values.items()},
            "output": self.output, "base_value": self.base_value, "shap": dict(self.shap),
            "lime": dict(self.lime), "lime_conditions": dict(self.lime_conditions),
            "lime_intercept": self.lime_intercept, "lime_prediction": self.lime_prediction,
            "lime_r2": self.lime_r2, "seed": self.seed, "warnings": list(self.warnings)})

    def tables(self) -> dict[str, pd.DataFrame]:
        """``{"row": table()}``."""
        return {"row": self.table()}

    def summary_lines(self) -> list[str]:
        """The row in plain text: its output and each feature's SHAP value and LIME weight."""
        return words.row_lines(self)


def _plain(value: Any) -> Any:
    """A row label or feature value as JSON can hold it (other types as their text)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)

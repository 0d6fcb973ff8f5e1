"""``explain_spec``: SHAP importances overall and per group, the group-gap decomposition, the
attribute-flip test or proxy detection, and LIME for single rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import AuditSpec, FairLensInputError
from fairlens.explain._encoding import FeatureCodec, group_labels
from fairlens.explain._flip import FlipResult, ProxyResult, flip_test, proxy_test
from fairlens.explain._models import Model, as_model
from fairlens.explain._shap import CHUNK, ShapExplainer, make_explainer
from fairlens.explain._surrogate import Fidelity, fit_surrogate

SCHEMA = "fairlens.explain/1"
MIN_PER_GROUP = 30
Progress = Callable[[int, int, str], None]


def stratified_sample(frame: pd.DataFrame, attribute: str | None, size: int, *,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of a sample stratified by ``attribute``, and their weights.

    Each group gets its proportional share of ``size`` rows (largest remainders rounded up),
    but at least 30 (or all of the
    group when it is smaller), drawn uniformly without replacement (seeded). The weight of a
    row is ``N_g / n_g`` (its group's rows over the group's sampled rows), so weighted means
    over the sample estimate means over all rows.

    Parameters
    ----------
    frame : DataFrame
    attribute : str or None
        None: a plain uniform sample.
    size : int
    seed : int

    Returns
    -------
    (positions, weights) : tuple of ndarray
        Positions sorted ascending.
    """
    n = len(frame)
    rng = np.random.default_rng(seed)
    if n <= size:
        return np.arange(n), np.ones(n)
    if attribute is None:
        pos = np.sort(rng.choice(n, size, replace=False))
        return pos, np.full(size, n / size)
    codes, _ = pd.factorize(group_labels(frame[attribute]), sort=True)
    counts = np.bincount(codes)
    share = size * counts / n
    alloc = np.floor(share).astype(int)
    # largest remainders first, so that the shares add up to ``size``
    for g in np.argsort(-(share - alloc), kind="stable")[:size - int(alloc.sum())]:
        alloc[g] += 1
    alloc = np.minimum(counts, np.maximum(alloc, MIN_PER_GROUP))
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    positions, weights = [], []
    for g, (start, count, k) in enumerate(zip(starts, counts, alloc, strict=True)):
        members = order[start:start + count]
        chosen = rng.choice(members, int(k), replace=False) if k < count else members
        positions.append(chosen)
        weights.append(np.full(len(chosen), count / max(len(chosen), 1)))
        del g
    pos = np.concatenate(positions)
    w = np.concatenate(weights)
    sort = np.argsort(pos)
    return pos[sort], w[sort]


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
        return "the surrogate" if self.model.kind == "surrogate" else "the model"

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
        return {
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
        }


def _weighted_abs_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return (np.abs(values) * weights[:, None]).sum(axis=0) / weights.sum()


def _groups_by_size(labels: np.ndarray) -> list[str]:
    uniq, counts = np.unique(labels, return_counts=True)
    return [str(u) for u in uniq[np.argsort(-counts, kind="stable")]]


def gap_decomposition(explanation_values: pd.DataFrame, outputs: np.ndarray,
                      groups: np.ndarray, attribute: str, group_a: str, group_b: str,
                      output: str) -> GapDecomposition:
    """Split the gap in mean output between two groups into per-feature contributions.

    Parameters
    ----------
    explanation_values : DataFrame
        SHAP values of the explained rows.
    outputs : ndarray
        The model's explained output for those rows.
    groups : ndarray of str
        Each row's group.
    attribute, group_a, group_b : str
    output : str
        Name of the output ("log-odds", "probability", "score").

    Returns
    -------
    GapDecomposition
    """
    a, b = groups == str(group_a), groups == str(group_b)
    for name, m in ((group_a, a), (group_b, b)):
        if not m.any():
            raise FairLensInputError(
                f"Group {name!r} of {attribute!r} has no explained rows; choose one of "
                f"{sorted(set(groups.tolist()))}.")
    vals = explanation_values.to_numpy()
    contrib = vals[a].mean(axis=0) - vals[b].mean(axis=0)
    mean_a, mean_b = float(outputs[a].mean()), float(outputs[b].mean())
    return GapDecomposition(attribute, str(group_a), str(group_b), int(a.sum()), int(b.sum()),
                            mean_a, mean_b, mean_a - mean_b,
                            dict(zip(explanation_values.columns, contrib.tolist(),
                                     strict=True)), output)


def explain_spec(frame: pd.DataFrame, spec: AuditSpec, *, model: Any = None,
                 attribute: str | None = None, group_a: Any = None, group_b: Any = None,
                 sample_size: int = 2000, seed: int = 0, progress: Progress | None = None,
                 features: list[str] | None = None) -> Explanation:
    """Explain a model (or, without one, a surrogate of the file's scores) on a data file.

    Parameters
    ----------
    frame : DataFrame
    spec : AuditSpec
        Column roles: ``features`` (the surrogate's inputs), ``sensitive``, ``score``/``pred``
        (what a surrogate reproduces) and ``threshold`` (decisions of the flip test).
    model : Model, path or fitted estimator, optional
        The model to explain; paths load with :func:`load_model`'s safe defaults (no pickle).
        None: a gradient-boosting surrogate of the first score column is trained and its
        fidelity on held-out rows is reported.
    attribute : str, optional
        Sensitive attribute of the gap decomposition, flip test / proxy detection and
        stratification (default: the first of ``spec.sensitive``).
    group_a, group_b : optional
        The two groups compared (default: the two largest groups).
    sample_size : int, default 2000
        Rows explained (a sample stratified by ``attribute`` when the data is larger).
    seed : int, default 0
        Seeds the sample, the surrogate and the explainers.
    progress : callable, optional
        ``progress(done, total, message)``, called as the work advances.
    features : list of str, optional
        Inputs of the surrogate (default ``spec.features``); ignored when a model is given.

    Returns
    -------
    Explanation

    Raises
    ------
    FairLensInputError
        Missing columns, no features, unknown groups, an unloadable model.
    """
    from threadpoolctl import threadpool_limits

    if sample_size < 10:
        raise FairLensInputError("sample_size must be at least 10.")
    # One OpenMP/BLAS thread: the models' own thread pools stall on a shared, busy machine
    # (several times slower than one thread), and one thread gives the same numbers everywhere.
    with threadpool_limits(1):
        return _explain(frame, spec, model, attribute, group_a, group_b, sample_size, seed,
                        progress, features)


def _explain(frame: pd.DataFrame, spec: AuditSpec, model: Any, attribute: str | None,
             group_a: Any, group_b: Any, sample_size: int, seed: int,
             progress: Progress | None, features: list[str] | None) -> Explanation:
    warnings: list[str] = []
    attribute = attribute or (spec.sensitive[0] if spec.sensitive else None)
    if attribute is not None and attribute not in frame.columns:
        raise FairLensInputError(f"Sensitive attribute {attribute!r} is not in the data.")
    n_chunks = (min(sample_size + 200, len(frame)) + CHUNK - 1) // CHUNK
    total = n_chunks + 3

    def step(done: int, message: str) -> None:
        if progress is not None:
            progress(min(done, total), total, message)

    fidelity = None
    if model is None:
        step(0, "Training a surrogate of the scores...")
        model, fidelity = fit_surrogate(frame, spec, features=features, seed=seed)
        warnings.append(
            f"No model was given: these are explanations of a surrogate (gradient boosting "
            f"trained to reproduce {fidelity.target!r}; held-out R^2 {fidelity.r2:.3f}, "
            f"decision agreement {fidelity.agreement:.1%}), not of the model that made the "
            "scores.")
    else:
        model = as_model(model)
    missing = [f for f in model.features if f not in frame.columns]
    if missing:
        raise FairLensInputError(f"The model reads columns the data lacks: {missing}.")
    step(1, "Drawing the stratified sample...")
    pos, weights = stratified_sample(frame, attribute, sample_size, seed=seed)
    keep = list(dict.fromkeys([*model.features,
                               *[s for s in spec.sensitive if s in frame.columns],
                               *([attribute] if attribute else [])]))
    sample = frame.iloc[pos][keep]
    explainer = make_explainer(model, sample, seed=seed)
    values = explainer.values(sample[model.features],
                              progress=(lambda d, t, m: step(1 + d, m)) if progress else None,
                              total=n_chunks)
    shap_values = pd.DataFrame(values, index=sample.index, columns=model.features)
    outputs = np.asarray(model.explained_output(sample[model.features]), dtype=float)
    importance = pd.Series(_weighted_abs_mean(values, weights), index=model.features)
    importance = importance.sort_values(ascending=False)
    by_group: dict[str, pd.DataFrame] = {}
    for attr in dict.fromkeys([*([attribute] if attribute else []), *spec.sensitive]):
        if attr not in sample.columns:
            continue
        labels = group_labels(sample[attr]).to_numpy()
        rows = {g: _weighted_abs_mean(values[labels == g], weights[labels == g])
                for g in _groups_by_size(labels)}
        by_group[attr] = pd.DataFrame(rows, index=model.features).T[importance.index]
    gap = flip = proxy = None
    if attribute:
        labels = group_labels(sample[attribute]).to_numpy()
        order = _groups_by_size(labels)
        if len(order) >= 2 or (group_a is not None and group_b is not None):
            ga = str(group_a) if group_a is not None else order[0]
            gb = str(group_b) if group_b is not None else next(g for g in order if g != ga)
            gap = gap_decomposition(shap_values, outputs, labels, attribute, ga, gb,
                                    model.output)
        else:
            warnings.append(f"{attribute!r} has a single group in the data: no gap to "
                            "decompose.")
        if attribute in model.features:
            step(total - 1, f"Attribute-flip test on {attribute!r}...")
            flip = flip_test(model, sample, attribute, threshold=_threshold(model, spec),
                             weights=weights)
        else:
            step(total - 1, f"Proxy check: do the features carry {attribute!r}?")
            try:
                proxy = proxy_test(frame, attribute, model.features, seed=seed)
                warnings.extend(proxy.warnings)
            except FairLensInputError as exc:
                warnings.append(f"Proxy check skipped: {exc}")
    step(total, "Done.")
    return Explanation(model, fidelity, explainer.method, len(frame), len(pos), attribute,
                       shap_values, explainer.base_value, outputs, sample, weights, importance,
                       by_group, gap, flip, proxy, warnings, explainer)


def _threshold(model: Model, spec: AuditSpec) -> float:
    """Decision threshold on the model's score (the audit's threshold)."""
    return float(spec.threshold)


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

    def table(self) -> pd.DataFrame:
        """Feature, value, SHAP value, LIME condition and weight, by |SHAP| (largest first)."""
        out = pd.DataFrame({
            "feature": list(self.shap), "value": [self.values[f] for f in self.shap],
            "shap": list(self.shap.values()),
            "lime_condition": [self.lime_conditions.get(f, "") for f in self.shap],
            "lime_weight": [self.lime.get(f, 0.0) for f in self.shap]})
        return out.reindex(out["shap"].abs().sort_values(ascending=False).index).reset_index(
            drop=True)


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

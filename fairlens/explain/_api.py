"""``explain_spec``: SHAP importances overall and per group, the group-gap decomposition, and
the attribute-flip test or proxy detection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.data._features import encoder_notes, leak_warnings
from fairlens.explain._encoding import group_labels
from fairlens.explain._flip import flip_test, proxy_test
from fairlens.explain._models import Model, as_model
from fairlens.explain._result import Explanation, GapDecomposition
from fairlens.explain._shap import CHUNK, make_explainer
from fairlens.explain._surrogate import fit_surrogate
from fairlens.wording import names
from fairlens.wording.explain import surrogate_warning

# The fewest rows of a group in the explained sample. Not the audit's min_group_size: that
# decides which groups a comparison reports (0 reports every group), this keeps every group's
# mean |SHAP| and gap estimable however small its share of the sample; a group smaller than
# this is taken whole.
MIN_PER_GROUP = 30
Progress = Callable[[int, int, str], None]


def stratified_sample(frame: pd.DataFrame, attribute: str | None, size: int, *,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of a sample stratified by ``attribute``, and their weights.

    Each group gets its proportional share of ``size`` rows (largest remainders rounded up),
    but at least :data:`MIN_PER_GROUP` (or all of the group when it is smaller), drawn
    uniformly without replacement (seeded). The weight of a row is ``N_g / n_g`` (its group's
    rows over the group's sampled rows), so weighted means over the sample estimate means
    over all rows.

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


def explain_spec(frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions | None = None,
                 model: Any = None, attribute: str | None = None, group_a: Any = None,
                 group_b: Any = None, sample_size: int = 2000, seed: int | None = None,
                 progress: Progress | None = None,
                 features: list[str] | None = None) -> Explanation:
    """Explain a model (or, without one, a surrogate of the file's scores) on a data file.

    Parameters
    ----------
    frame : DataFrame
    spec : AuditSpec
        Column roles: ``features`` (the surrogate's inputs), ``sensitive``, ``score``/``pred``
        (what a surrogate reproduces) and ``threshold`` (decisions of the flip test).
    options : AuditOptions, optional
        The audit's options: ``seed`` seeds the sample, the surrogate and the explainers;
        ``threshold``, when set, replaces the spec's.
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
    seed : int, optional
        Overrides ``options.seed`` (default 0).
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

    options = AuditOptions.resolve(options, seed=seed)
    if options.threshold is not None and options.threshold != spec.threshold:
        spec = replace(spec, threshold=options.threshold)
    if sample_size < 10:
        raise FairLensInputError("sample_size must be at least 10.")
    # One OpenMP/BLAS thread: the models' own thread pools stall on a shared, busy machine
    # (several times slower than one thread), and one thread gives the same numbers everywhere.
    with threadpool_limits(1):
        return _explain(frame, spec, model, attribute, group_a, group_b, sample_size,
                        options.seed, progress, features)


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
        warnings.append(surrogate_warning(fidelity))
        warnings.extend(encoder_notes(model.estimator))
    else:
        model = as_model(model)
    missing = [f for f in model.features if f not in frame.columns]
    if missing:
        raise FairLensInputError(f"The model reads columns the data lacks: {names(missing)}.")
    warnings.extend(leak_warnings(frame, spec, list(model.features)))
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
            warnings.extend(flip.warnings)
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

"""Attribute-flip test (Themis-style causal discrimination) and proxy detection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fairlens._json import json_safe
from fairlens.data import FairLensInputError
from fairlens.explain._encoding import group_labels
from fairlens.explain._models import Model
from fairlens.wording import explain as words

MAX_FLIP_VALUES = 20
# Rows are flipped only to values with this many tested rows. Not the audit's min_group_size
# (which groups a comparison reports): this is how often the model must have seen a value for
# a change towards it to be evidence rather than extrapolation.
MIN_FLIP_GROUP = 30
MAX_FLIPPED_ROWS_JSON = 500
PROXY_ROWS = 10_000
PROXY_IMPORTANCE_ROWS = 2_000


@dataclass
class FlipResult:
    """Share of decisions that change when only the sensitive attribute changes.

    A row *flips* when the model's decision (score >= threshold) changes for at least one
    other value of the attribute, every other input unchanged. Rows are flipped only to the
    values with at least 30 tested rows (``values``; at most 20, the most frequent), the groups
    the model has seen enough of for the change to mean something; rarer values are never
    targets, even when that leaves one value or none (``values_left_out`` and the warnings
    name them).

    Attributes
    ----------
    attribute : str
    threshold : float
    values : list of str
        The values rows were flipped to.
    n : int
        Rows tested.
    share : float
        Share of tested rows that flip (rows weighted back to the population when the rows
        are a stratified sample).
    by_group : DataFrame
        ``group, n, flipped, share, to_positive, to_negative, mean_change`` (mean over the
        group's rows of the largest absolute score change).
    rows : DataFrame
        The flipped rows: ``row, group, flipped_to, score, flipped_score, decision,
        flipped_decision``.
    warnings : list of str
    values_left_out : dict of str to int
        Values that were not flip targets, with their tested rows.
    """

    attribute: str
    threshold: float
    values: list[str]
    n: int
    share: float
    by_group: pd.DataFrame
    rows: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    values_left_out: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (at most 500 flipped rows listed; ``n_flipped`` counts them all)."""
        rows = self.rows.head(MAX_FLIPPED_ROWS_JSON)
        return json_safe({
            "attribute": self.attribute, "threshold": float(self.threshold),
            "values": list(self.values), "min_rows": MIN_FLIP_GROUP,
            "values_left_out": dict(self.values_left_out), "n": int(self.n),
            "share": float(self.share), "n_flipped": int(len(self.rows)),
            "by_group": {str(r["group"]): {"n": int(r["n"]), "flipped": int(r["flipped"]),
                                           "share": float(r["share"]),
                                           "to_positive": int(r["to_positive"]),
                                           "to_negative": int(r["to_negative"]),
                                           "mean_change": float(r["mean_change"])}
                         for _, r in self.by_group.iterrows()},
            "rows": [{"row": _json_key(r["row"]), "group": str(r["group"]),
                      "flipped_to": str(r["flipped_to"]), "score": float(r["score"]),
                      "flipped_score": float(r["flipped_score"]),
                      "decision": int(r["decision"]),
                      "flipped_decision": int(r["flipped_decision"])}
                     for _, r in rows.iterrows()],
        })

    def tables(self) -> dict[str, pd.DataFrame]:
        """``{"flip_by_group": ..., "flipped_rows": ...}``."""
        return {"flip_by_group": self.by_group, "flipped_rows": self.rows}

    def summary_lines(self) -> list[str]:
        """The flip test in plain text, overall and by group."""
        return words.flip_lines(self)


def _json_key(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else (
        value if isinstance(value, (int, str)) else str(value))


def flip_test(model: Model, rows: pd.DataFrame, attribute: str, *, threshold: float,
              weights: np.ndarray | None = None) -> FlipResult:
    """Change only ``attribute`` in every row to each other value and count changed decisions.

    Parameters
    ----------
    model : Model
        Reads ``attribute`` as an input (otherwise no decision can change: every share is 0).
    rows : DataFrame
        The rows to test (the model's features and ``attribute``).
    attribute : str
    threshold : float
        Decision rule: score >= threshold.
    weights : ndarray, optional
        Row weights for the overall share (the stratified sample's inverse sampling rates).

    Returns
    -------
    FlipResult
    """
    if attribute not in rows.columns:
        raise FairLensInputError(f"Column {attribute!r} is not in the data.")
    counts = rows[attribute].value_counts(dropna=True)
    # Flip only to values with at least MIN_FLIP_GROUP tested rows, always (a model has barely
    # seen the others, and changes towards them are extrapolation, not evidence); the values
    # left out are named in the result.
    values = counts[counts >= MIN_FLIP_GROUP].index[:MAX_FLIP_VALUES].tolist()
    left_out = {str(k): int(v) for k, v in counts.items() if k not in values}
    warnings = []
    rare = {k: v for k, v in left_out.items() if v < MIN_FLIP_GROUP}
    if rare:
        shown = ", ".join(f"{k} (n={v})" for k, v in list(rare.items())[:8])
        warnings.append(
            f"Attribute-flip test on {attribute!r}: rows are flipped only to values with at "
            f"least {MIN_FLIP_GROUP} tested rows; left out: {shown}"
            f"{' ...' if len(rare) > 8 else ''}.")
    if len(left_out) > len(rare):
        warnings.append(f"Attribute-flip test on {attribute!r}: rows are flipped to the "
                        f"{MAX_FLIP_VALUES} most frequent values only.")
    if not values:
        warnings.append(f"Attribute-flip test on {attribute!r}: no value has {MIN_FLIP_GROUP} "
                        "tested rows, so no row was flipped.")
    groups = group_labels(rows[attribute]).to_numpy()
    frame = rows.reset_index(drop=False)
    index_name = frame.columns[0]
    feats = frame[model.features].copy()
    score = np.asarray(model.predict_score(feats), dtype=float)
    decision = score >= threshold
    flipped = np.zeros(len(frame), dtype=bool)
    to_value = np.full(len(frame), None, dtype=object)
    new_score = score.copy()
    change = np.zeros(len(frame))
    for value in values:
        mask = (frame[attribute] != value).to_numpy()
        if not mask.any():
            continue
        if attribute in model.features:
            changed = feats.loc[mask].copy()
            changed[attribute] = pd.Series([value] * int(mask.sum()), index=changed.index,
                                           dtype=feats[attribute].dtype)
            s2 = np.asarray(model.predict_score(changed), dtype=float)
        else:
            s2 = score[mask]
        idx = np.flatnonzero(mask)
        delta = np.abs(s2 - score[idx])
        change[idx] = np.maximum(change[idx], delta)
        flips = (s2 >= threshold) != decision[idx]
        first = idx[flips & ~flipped[idx]]
        to_value[first] = value
        new_score[first] = s2[flips & ~flipped[idx]]
        flipped[first] = True
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)
    share = float(np.sum(w * flipped) / np.sum(w)) if len(frame) else float("nan")
    table = []
    for g in pd.unique(groups):
        m = groups == g
        table.append({"group": g, "n": int(m.sum()), "flipped": int(flipped[m].sum()),
                      "share": float(flipped[m].mean()),
                      "to_positive": int((flipped & m & ~decision).sum()),
                      "to_negative": int((flipped & m & decision).sum()),
                      "mean_change": float(change[m].mean())})
    by_group = pd.DataFrame(table).sort_values("n", ascending=False, ignore_index=True)
    sel = np.flatnonzero(flipped)
    flipped_rows = pd.DataFrame({
        "row": frame[index_name].to_numpy()[sel], "group": groups[sel],
        "flipped_to": [str(v) for v in to_value[sel]], "score": score[sel],
        "flipped_score": new_score[sel], "decision": decision[sel].astype(int),
        "flipped_decision": (new_score[sel] >= threshold).astype(int)})
    return FlipResult(attribute, float(threshold), [str(v) for v in values], int(len(frame)),
                      share, by_group, flipped_rows, warnings, left_out)


@dataclass
class ProxyResult:
    """How well the model's other inputs predict a sensitive attribute it does not read.

    Attributes
    ----------
    attribute : str
    auc : float
        Held-out AUC of a gradient-boosting classifier predicting the attribute from the
        features (one-vs-rest, weighted by group size, for more than two groups); 0.5 means the
        features carry no information about it.
    features : dict
        Feature -> drop in held-out AUC when that feature is shuffled (permutation
        importance, 3 repeats), largest first: the features that carry the attribute.
    groups : list of str
        The groups predicted (groups with fewer than 10 rows are left out).
    n_train, n_holdout : int
    warnings : list of str
    """

    attribute: str
    auc: float
    features: dict[str, float]
    groups: list[str]
    n_train: int
    n_holdout: int
    warnings: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """The AUC in words."""
        return words.proxy_verdict(self.auc)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict."""
        return json_safe({"attribute": self.attribute, "auc": float(self.auc),
                          "verdict": self.verdict,
                          "features": {k: float(v) for k, v in self.features.items()},
                          "groups": list(self.groups), "n_train": int(self.n_train),
                          "n_holdout": int(self.n_holdout)})

    def tables(self) -> dict[str, pd.DataFrame]:
        """``{"proxy_features": feature, AUC drop when shuffled}``."""
        return {"proxy_features": pd.DataFrame({"feature": list(self.features),
                                                "auc_drop": list(self.features.values())})}

    def summary_lines(self) -> list[str]:
        """The proxy check in plain text."""
        return words.proxy_lines(self)


def proxy_test(frame: pd.DataFrame, attribute: str, features: list[str], *,
               seed: int = 0) -> ProxyResult:
    """Detect proxies: predict ``attribute`` from ``features`` and rank the features.

    Parameters
    ----------
    frame : DataFrame
    attribute : str
    features : list of str
        Inputs of the model (``attribute`` itself is left out).
    seed : int

    Returns
    -------
    ProxyResult
    """
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from threadpoolctl import threadpool_limits

    from fairlens.explain._surrogate import surrogate_pipeline

    feats = [f for f in features if f != attribute]
    if not feats:
        raise FairLensInputError("Proxy detection needs at least one feature besides "
                                 f"{attribute!r}.")
    rng = np.random.default_rng(seed)
    take = np.sort(rng.permutation(len(frame))[:PROXY_ROWS])
    part = frame.iloc[take]
    y = group_labels(part[attribute])
    counts = y.value_counts()
    keep_groups = counts[counts >= 10].index.tolist()
    warnings = []
    if len(keep_groups) < len(counts):
        warnings.append(f"Groups of {attribute!r} with fewer than 10 rows are left out of the "
                        "proxy check.")
    if len(keep_groups) < 2:
        raise FairLensInputError(f"{attribute!r} has fewer than two groups with 10 rows; no "
                                 "proxy check is possible.")
    keep = y.isin(keep_groups).to_numpy()
    X, y = part.loc[keep, feats], y[keep].to_numpy()
    X_tr, X_ho, y_tr, y_ho = train_test_split(X, y, test_size=0.3, random_state=seed,
                                              stratify=y)
    pipe = surrogate_pipeline(X, feats, seed)
    from sklearn.ensemble import HistGradientBoostingClassifier

    pipe.steps[-1] = ("model", HistGradientBoostingClassifier(
        max_iter=60, early_stopping=False, random_state=seed))
    binary = len(keep_groups) == 2
    scoring = "roc_auc" if binary else "roc_auc_ovr_weighted"
    with threadpool_limits(1):
        pipe.fit(X_tr, y_tr)
        proba = pipe.predict_proba(X_ho)
        if binary:
            auc = roc_auc_score(y_ho == pipe.classes_[1], proba[:, 1])
        else:
            auc = roc_auc_score(y_ho, proba, multi_class="ovr", average="weighted",
                                labels=pipe.classes_)
        n_imp = min(PROXY_IMPORTANCE_ROWS, len(X_ho))
        imp = permutation_importance(pipe, X_ho.iloc[:n_imp], y_ho[:n_imp], scoring=scoring,
                                     n_repeats=3, random_state=seed)
    ranked = sorted(zip(feats, imp.importances_mean, strict=True), key=lambda t: -t[1])
    return ProxyResult(attribute, float(auc), {f: float(v) for f, v in ranked},
                       [str(g) for g in keep_groups], int(len(X_tr)), int(len(X_ho)), warnings)

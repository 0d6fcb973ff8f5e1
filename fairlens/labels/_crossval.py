"""Out-of-sample class probabilities from features: K-fold cross-validated scikit-learn models.

Confident learning needs probabilities from a model that did not train on the row it scores.
When a file has features and labels but no such probabilities, :func:`cross_val_proba` trains
one model per fold and predicts the held-out fold, so every row gets an out-of-sample
prediction.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from fairlens.data import FairLensInputError
from fairlens.data._features import FeatureEncoder
from fairlens.labels import _errors as E
from fairlens.wording.labels import model_name

Progress = Callable[[float, int, str], None]
"""``progress(done, total, message)``: called before the first fold (``done`` 0), inside every
fold (``done`` between the fold's index and the next one: each stage of the model trained and
each chunk of held-out rows predicted, with the seconds elapsed) and after every fold
(``done`` a whole number of folds)."""

DEFAULT_MODEL = "hist_gradient_boosting"
MODELS: dict[str, str] = {
    "hist_gradient_boosting": "Histogram gradient boosting (scikit-learn; handles missing "
                              "values and categories natively)",
    "logistic_regression": "Logistic regression on standardised numbers and one-hot categories",
    "random_forest": "Random forest (200 trees) on one-hot categories",
}
"""Built-in models for :func:`cross_val_proba`, by name (each reads its features through the one
feature encoder, :class:`fairlens.data._features.FeatureEncoder`)."""

MAX_THREADS = 8
HGB_ITERATIONS = 100
FOREST_TREES = 200
FIT_STAGES = 10
"""Stages a boosted model or forest grows in (one progress call each)."""
FIT_SHARE = 0.8
"""Share of a fold's progress that training takes (prediction takes the rest)."""
MAX_FOLD_SHARE = 0.99
PREDICT_CHUNK = 5_000
"""Held-out rows predicted per progress call."""


def default_threads() -> int:
    """Threads for model training: one less than the CPUs available, at least 1, at most 8.

    OpenMP threads that spin-wait on every CPU of a small or busy machine slow histogram
    gradient boosting down by an order of magnitude; leaving one CPU free avoids that.
    """
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available - 1, MAX_THREADS))


@dataclass
class CrossValProba:
    """Cross-validated probabilities and how they were made.

    Attributes
    ----------
    proba : numpy.ndarray
        ``(n, k)`` out-of-fold probabilities, columns in class-index order.
    model : str
        Name or description of the model.
    n_splits : int
        Folds actually used.
    features : list of str
    fold_accuracy : list of float
        Accuracy of each fold's model on its held-out rows (against the given labels).
    warnings : list of str
    labels : numpy.ndarray or None
        The given labels (class indices) the models were trained on.
    """

    proba: np.ndarray
    model: str
    n_splits: int
    features: list[str]
    fold_accuracy: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    labels: np.ndarray | None = None

    @property
    def accuracy(self) -> float:
        """Out-of-fold accuracy of the most likely class against the given labels."""
        return agreement(self.proba, self.labels) if self.labels is not None else float("nan")


def agreement(proba: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose most likely class is the given label."""
    return float(np.mean(np.argmax(proba, axis=1) == labels)) if len(labels) else float("nan")


def _hist_gradient_boosting(seed: int) -> Any:
    return HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed,
                                          early_stopping=False, max_iter=HGB_ITERATIONS)


def make_model(model: str | Any, *, seed: int = 0) -> tuple[FeatureEncoder, Any, str]:
    """The feature encoder and the estimator for ``model``.

    Parameters
    ----------
    model : str or estimator
        A name from :data:`MODELS`, or a scikit-learn classifier with ``predict_proba`` (it is
        cloned and given one-hot levels and median-imputed numbers).
    seed : int

    Returns
    -------
    (FeatureEncoder, estimator, str)
        The unfitted encoder (:class:`fairlens.data._features.FeatureEncoder`, the one encoder
        of every FairLens model), the unfitted estimator and its display name.
    """
    if isinstance(model, str):
        if model not in MODELS:
            raise FairLensInputError(E.UNKNOWN_MODEL.format(value=model, choices=list(MODELS)))
        if model == "hist_gradient_boosting":
            return FeatureEncoder("ordinal"), _hist_gradient_boosting(seed), model
        if model == "logistic_regression":
            return FeatureEncoder("onehot", scale=True), LogisticRegression(max_iter=1000), model
        return FeatureEncoder("onehot", scale=False), RandomForestClassifier(
            n_estimators=FOREST_TREES, min_samples_leaf=5, random_state=seed, n_jobs=1), model
    if not hasattr(model, "predict_proba"):
        raise FairLensInputError(E.MODEL_NO_PROBA.format(name=type(model).__name__))
    return FeatureEncoder("onehot", scale=False), clone(model), type(model).__name__


class _FoldProgress:
    """Progress inside fold ``i`` of ``folds``: ``done`` runs from ``i`` to just below ``i + 1``.

    The between-fold calls keep whole numbers (0, 1, ..., folds); the calls inside a fold have
    a fraction, so a progress bar moves while a long fold trains.
    """

    def __init__(self, progress: Progress | None, fold: int, folds: int, name: str) -> None:
        self.progress, self.fold, self.folds, self.name = progress, fold, folds, name
        self.start = time.perf_counter()

    def __call__(self, fraction: float, what: str) -> None:
        if self.progress is None:
            return
        share = min(max(float(fraction), 0.0), MAX_FOLD_SHARE)
        elapsed = time.perf_counter() - self.start
        self.progress(self.fold + share, self.folds,
                      f"Fold {self.fold + 1} of {self.folds} ({self.name}): {what} "
                      f"({elapsed:.0f} s)")


def _fit_in_stages(estimator: Any, X: Any, y: np.ndarray, tick: _FoldProgress) -> Any:
    """Fit ``estimator``; boosting and forests grow in stages, each reported to ``tick``.

    Growing with ``warm_start`` gives the model a single fit would (same trees, same order).
    """
    stages_of = {HistGradientBoostingClassifier: "max_iter", RandomForestClassifier:
                 "n_estimators"}
    param = stages_of.get(type(estimator))
    n_rows = f"{len(y):,}"
    if param is None:
        tick(0.05, f"training on {n_rows} rows")
        return estimator.fit(X, y)
    total = int(estimator.get_params()[param])
    step = max(1, -(-total // FIT_STAGES))
    estimator.set_params(warm_start=True)
    unit = "iterations" if param == "max_iter" else "trees"
    for grown in range(step, total + step, step):
        grown = min(grown, total)
        estimator.set_params(**{param: grown})
        estimator.fit(X, y)
        tick(FIT_SHARE * grown / total, f"{grown} of {total} {unit} trained on {n_rows} rows")
    return estimator


def _predict_in_chunks(estimator: Any, X: Any, tick: _FoldProgress) -> np.ndarray:
    """``predict_proba`` of the held-out rows, in chunks reported to ``tick``."""
    n = len(X)
    parts = []
    for lo in range(0, n, PREDICT_CHUNK):
        hi = min(n, lo + PREDICT_CHUNK)
        rows = X.iloc[lo:hi] if isinstance(X, pd.DataFrame) else X[lo:hi]
        parts.append(estimator.predict_proba(rows))
        tick(FIT_SHARE + (1 - FIT_SHARE) * hi / max(n, 1),
             f"{hi:,} of {n:,} held-out rows predicted")
    return np.vstack(parts) if parts else np.empty((0, len(estimator.classes_)))


def cross_val_proba(
    features: pd.DataFrame,
    labels: np.ndarray,
    *,
    n_classes: int | None = None,
    model: str | Any = DEFAULT_MODEL,
    n_splits: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
    n_threads: int | None = None,
) -> CrossValProba:
    """Out-of-fold class probabilities of a scikit-learn model trained on ``features``.

    Every row is predicted by the model of the fold that held it out, so the probabilities are
    out-of-sample, as confident learning requires. Folds are stratified by label and shuffled
    with ``seed``.

    Parameters
    ----------
    features : DataFrame
        Feature columns of any kind (numbers, text, categories, booleans, dates; missing
        values allowed), read by the one feature encoder
        (:class:`fairlens.data._features.FeatureEncoder`): columns that carry no information
        (empty, constant, a different value on every row) are left out, with a warning.
    labels : numpy.ndarray
        Class indices ``0 .. k-1``.
    n_classes : int, optional
        ``k``; default ``labels.max() + 1``.
    model : str or estimator, default "hist_gradient_boosting"
        A name from :data:`MODELS` or a scikit-learn classifier with ``predict_proba``.
    n_splits : int, default 5
        Folds (at least 2); reduced, with a warning, when a class has fewer rows.
    seed : int, default 0
        Seed of the fold split and of the model.
    progress : callable, optional
        ``progress(done, total, message)`` before the first fold, inside each fold (every
        training stage and every chunk of predicted rows: ``done`` has a fraction) and after
        each fold (see :data:`Progress`).
    n_threads : int, optional
        OpenMP/BLAS threads while training; default :func:`default_threads`.

    Returns
    -------
    CrossValProba

    Raises
    ------
    FairLensInputError
        For an unknown model, fewer than 2 folds or mismatched lengths.
    """
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise FairLensInputError(E.N_SPLITS_RANGE.format(value=n_splits))
    if features.shape[1] == 0:
        raise FairLensInputError(E.FEATURES_EMPTY)
    y = np.asarray(labels, dtype=np.int64)
    if len(features) != len(y):
        raise FairLensInputError(E.FEATURES_ROWS.format(n_features=len(features),
                                                        n_labels=len(y)))
    k = int(n_classes if n_classes is not None else y.max() + 1)
    warnings: list[str] = []
    X = features.reset_index(drop=True)
    encoder, estimator, name = make_model(model, seed=seed)
    counts = np.bincount(y, minlength=k)
    present = counts[counts > 0]
    smallest = int(present.min())
    folds = int(n_splits)
    if smallest < folds:
        used = max(2, smallest)
        cls = int(np.flatnonzero(counts == smallest)[0])
        if smallest >= 2:
            warnings.append(E.CV_CLASS_TOO_SMALL.format(cls=cls, n=smallest, k=folds, used=used))
        folds = used
    singletons = [int(c) for c in np.flatnonzero(counts == 1)]
    if singletons:
        warnings.append(E.CV_SINGLETON_CLASS.format(classes=singletons))
        splitter: Any = KFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    proba = np.zeros((len(y), k), dtype=np.float64)
    accuracy = []
    notes: list[str] = []
    shown = model_name(name)
    if progress is not None:
        progress(0, folds, f"Training fold 1 of {folds} ({shown})")
    threads = int(n_threads) if n_threads else default_threads()
    for i, (train, test) in enumerate(splitter.split(X, y)):
        tick = _FoldProgress(progress, i, folds, shown)
        tick(0.01, "encoding the features")
        fold_encoder = clone(encoder).fit(X.iloc[train])
        notes.extend(fold_encoder.notes_)
        with threadpool_limits(limits=threads):
            fitted = _fit_in_stages(clone(estimator), fold_encoder.transform(X.iloc[train]),
                                    y[train], tick)
            part = _predict_in_chunks(fitted, fold_encoder.transform(X.iloc[test]), tick)
        classes = np.asarray(fitted.classes_, dtype=np.int64)
        proba[np.ix_(test, classes)] = part
        accuracy.append(float(np.mean(classes[np.argmax(part, axis=1)] == y[test])))
        if progress is not None:
            done = i + 1
            message = (f"Training fold {done + 1} of {folds} ({shown})" if done < folds
                       else f"Cross-validation done ({folds} folds)")
            progress(done, folds, message)
    warnings.extend(dict.fromkeys(notes))
    row_sums = proba.sum(axis=1, keepdims=True)
    proba = np.divide(proba, row_sums, out=np.full_like(proba, 1.0 / k), where=row_sums > 0)
    return CrossValProba(proba=proba, model=name, n_splits=folds,
                         features=[str(c) for c in features.columns], fold_accuracy=accuracy,
                         warnings=warnings, labels=y)

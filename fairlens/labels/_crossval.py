"""Out-of-sample class probabilities from features: K-fold cross-validated scikit-learn models.

Confident learning needs probabilities from a model that did not train on the row it scores.
When a file has features and labels but no such probabilities, :func:`cross_val_proba` trains
one model per fold and predicts the held-out fold, so every row gets an out-of-sample
prediction.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from fairlens.data import FairLensInputError
from fairlens.labels import _errors as E

Progress = Callable[[int, int, str], None]
"""``progress(done, total, message)``: called before the first fold and after every fold."""

DEFAULT_MODEL = "hist_gradient_boosting"
MODELS: dict[str, str] = {
    "hist_gradient_boosting": "Histogram gradient boosting (scikit-learn; handles missing "
                              "values and categories natively)",
    "logistic_regression": "Logistic regression on standardised numbers and one-hot categories",
    "random_forest": "Random forest (200 trees) on one-hot categories",
}
"""Built-in models for :func:`cross_val_proba`, by name."""

MAX_CATEGORIES = 250
MAX_THREADS = 8


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


def _categorical_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns
            if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])]


def _as_model_input(frame: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """Numbers as float, everything else as a pandas category with at most 250 levels."""
    out = {}
    for c in frame.columns:
        s = frame[c]
        if c in categorical:
            s = s.astype("string").astype(object).where(s.notna(), np.nan)
            counts = s.value_counts()
            if len(counts) > MAX_CATEGORIES:
                keep = set(counts.index[: MAX_CATEGORIES - 1])
                s = s.where(s.isin(keep) | s.isna(), "(other)")
            out[c] = s.astype("category")
        else:
            out[c] = pd.to_numeric(s, errors="coerce").astype(np.float64)
    return pd.DataFrame(out, index=frame.index)


def _one_hot_pipeline(estimator: Any, numeric: list[str], categorical: list[str], *,
                      scale: bool) -> Pipeline:
    steps_num = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
    transformers = []
    if numeric:
        transformers.append((make_pipeline(*steps_num), numeric))
    if categorical:
        transformers.append((make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="ignore", min_frequency=5, sparse_output=False)),
            categorical))
    return make_pipeline(make_column_transformer(*transformers), estimator)


def make_model(model: str | Any, frame: pd.DataFrame, *, seed: int = 0) -> tuple[Any, str]:
    """The estimator (with its preprocessing) for ``model`` on the columns of ``frame``.

    Parameters
    ----------
    model : str or estimator
        A name from :data:`MODELS`, or a scikit-learn classifier with ``predict_proba`` (it is
        cloned and put behind median imputation and one-hot encoding of non-numeric columns).
    frame : DataFrame
        The features (after :func:`_as_model_input`).
    seed : int

    Returns
    -------
    (estimator, str)
        An unfitted estimator and its display name.
    """
    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    numeric = [c for c in frame.columns if c not in categorical]
    if isinstance(model, str):
        if model not in MODELS:
            raise FairLensInputError(E.UNKNOWN_MODEL.format(value=model, choices=list(MODELS)))
        if model == "hist_gradient_boosting":
            return HistGradientBoostingClassifier(
                categorical_features="from_dtype", random_state=seed,
                early_stopping=False, max_iter=100), model
        if model == "logistic_regression":
            return _one_hot_pipeline(LogisticRegression(max_iter=1000), numeric, categorical,
                                     scale=True), model
        return _one_hot_pipeline(RandomForestClassifier(
            n_estimators=200, min_samples_leaf=5, random_state=seed, n_jobs=1), numeric,
            categorical, scale=False), model
    if not hasattr(model, "predict_proba"):
        raise FairLensInputError(E.MODEL_NO_PROBA.format(name=type(model).__name__))
    return _one_hot_pipeline(clone(model), numeric, categorical, scale=False), \
        type(model).__name__


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
        Feature columns (numbers, categories or text labels; missing values allowed).
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
        ``progress(done, total, message)`` after each fold (for a progress bar).
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
    X = _as_model_input(features.reset_index(drop=True), _categorical_columns(features))
    estimator, name = make_model(model, X, seed=seed)
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
    if progress is not None:
        progress(0, folds, f"Training fold 1 of {folds} ({name})")
    threads = int(n_threads) if n_threads else default_threads()
    for i, (train, test) in enumerate(splitter.split(X, y)):
        with threadpool_limits(limits=threads):
            fitted = clone(estimator).fit(X.iloc[train], y[train])
            part = fitted.predict_proba(X.iloc[test])
        classes = np.asarray(fitted.classes_, dtype=np.int64)
        proba[np.ix_(test, classes)] = part
        accuracy.append(float(np.mean(classes[np.argmax(part, axis=1)] == y[test])))
        if progress is not None:
            done = i + 1
            message = (f"Training fold {done + 1} of {folds} ({name})" if done < folds
                       else f"Cross-validation done ({folds} folds)")
            progress(done, folds, message)
    row_sums = proba.sum(axis=1, keepdims=True)
    proba = np.divide(proba, row_sums, out=np.full_like(proba, 1.0 / k), where=row_sums > 0)
    return CrossValProba(proba=proba, model=name, n_splits=folds,
                         features=[str(c) for c in features.columns], fold_accuracy=accuracy,
                         warnings=warnings, labels=y)

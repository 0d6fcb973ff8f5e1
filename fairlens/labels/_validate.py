"""Validation of labels and probabilities, and encoding of sensitive features (array inputs).

Frames go through :func:`fairlens.data.prepare` (the one validation module of FairLens); arrays
passed straight to :func:`fairlens.labels.find_label_issues` are checked here with the same
tolerance (:data:`fairlens.data._prepare.PROBABILITY_TOLERANCE`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import Attribute, FairLensInputError
from fairlens.data._prepare import PROBABILITY_TOLERANCE, encode_attribute
from fairlens.labels import _errors as E

QUIET_DRIFT = 1e-5
"""Row sums within this distance of 1 are accepted silently (float32 round-off)."""
MIN_ROWS = 10


def check_pred_probs(pred_probs: Any) -> tuple[np.ndarray, list[str]]:
    """Check class probabilities; repair small drift with a warning, reject anything else.

    Parameters
    ----------
    pred_probs : array-like
        ``(n, k)`` class probabilities, or ``(n,)`` positive-class scores (turned into the two
        columns ``[1 - s, s]``).

    Returns
    -------
    (numpy.ndarray, list of str)
        ``(n, k)`` float64 probabilities and the warnings raised.

    Raises
    ------
    FairLensInputError
        For logits or raw scores (values outside [0, 1] beyond the tolerance), rows that do not
        sum to 1, missing values or a wrong shape.
    """
    proba = np.asarray(pred_probs)
    if proba.dtype.kind not in "biuf":
        raise FairLensInputError(E.PROBA_NOT_NUMERIC.format(dtype=proba.dtype))
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 1:
        proba = scores_to_proba(proba)
    if proba.ndim != 2:
        raise FairLensInputError(E.PROBA_SHAPE.format(shape=proba.shape))
    if proba.shape[1] < 2:
        raise FairLensInputError(E.PROBA_TOO_FEW_CLASSES.format(k=proba.shape[1]))
    warnings: list[str] = []
    lo, hi = float(proba.min()), float(proba.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        bad = ~np.isfinite(proba).all(axis=1)
        raise FairLensInputError(E.PROBA_NOT_FINITE.format(k=int(bad.sum()),
                                                           row=int(np.argmax(bad))))
    if lo < -PROBABILITY_TOLERANCE or hi > 1 + PROBABILITY_TOLERANCE:
        raise FairLensInputError(E.PROBA_OUT_OF_RANGE.format(what="the values", lo=lo, hi=hi))
    sums = proba.sum(axis=1)
    off = np.abs(sums - 1.0)
    worst_row = int(np.argmax(off))
    worst = float(off[worst_row])
    tolerance = PROBABILITY_TOLERANCE * proba.shape[1]
    if worst > tolerance:
        raise FairLensInputError(E.PROBA_ROWS_NOT_ONE.format(
            row=worst_row, worst=float(sums[worst_row]), tol=tolerance))
    if lo < 0 or hi > 1 or worst > QUIET_DRIFT:
        warnings.append(E.PROBA_DRIFT.format(off=max(worst, -lo, hi - 1), tol=tolerance))
        proba = np.clip(proba, 0.0, 1.0)
        proba /= proba.sum(axis=1, keepdims=True)
    return np.ascontiguousarray(proba), warnings


def scores_to_proba(scores: np.ndarray) -> np.ndarray:
    """Positive-class scores as two-column probabilities ``[1 - s, s]``.

    Raises
    ------
    FairLensInputError
        When the scores are not probabilities (outside [0, 1] beyond the tolerance) or missing.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise FairLensInputError(E.PROBA_SHAPE.format(shape=s.shape))
    if len(s) and not np.isfinite(s).all():
        bad = ~np.isfinite(s)
        raise FairLensInputError(E.PROBA_NOT_FINITE.format(k=int(bad.sum()),
                                                           row=int(np.argmax(bad))))
    if len(s):
        lo, hi = float(s.min()), float(s.max())
        if lo < -PROBABILITY_TOLERANCE or hi > 1 + PROBABILITY_TOLERANCE:
            raise FairLensInputError(E.PROBA_OUT_OF_RANGE.format(what="the scores", lo=lo,
                                                                 hi=hi))
        s = np.clip(s, 0.0, 1.0)
    return np.column_stack([1.0 - s, s])


def check_labels(labels: Any, n_rows: int, n_classes: int) -> np.ndarray:
    """Check integer class indices against ``n_classes`` probability columns.

    Returns
    -------
    numpy.ndarray
        ``int64`` labels.

    Raises
    ------
    FairLensInputError
        When the labels are missing, not class indices, of the wrong length or all one class.
    """
    if isinstance(labels, (pd.Series, pd.Index)):
        if labels.isna().any():
            raise FairLensInputError(E.LABELS_MISSING.format(k=int(labels.isna().sum())))
        labels = labels.to_numpy()
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) != n_rows:
        raise FairLensInputError(E.LABELS_SHAPE.format(n_labels=y.shape[0] if y.ndim else 1,
                                                       n_rows=n_rows))
    if n_rows < MIN_ROWS:
        raise FairLensInputError(E.TOO_FEW_ROWS.format(minimum=MIN_ROWS, n=n_rows))
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    elif y.dtype.kind == "f":
        if np.isnan(y).any():
            raise FairLensInputError(E.LABELS_MISSING.format(k=int(np.isnan(y).sum())))
        if not np.equal(np.mod(y, 1), 0).all():
            raise FairLensInputError(E.LABELS_NOT_CODES.format(
                k_max=n_classes - 1, examples=_examples(y[np.mod(y, 1) != 0])))
        y = y.astype(np.int64)
    elif y.dtype.kind not in "iu":
        raise FairLensInputError(E.LABELS_NOT_CODES.format(k_max=n_classes - 1,
                                                           examples=_examples(y)))
    y = y.astype(np.int64, copy=False)
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        raise FairLensInputError(E.LABELS_NOT_CODES.format(k_max=n_classes - 1,
                                                           examples=_examples(y[bad])))
    present = np.flatnonzero(np.bincount(y, minlength=n_classes))
    if len(present) < 2:
        raise FairLensInputError(E.LABELS_ONE_CLASS.format(value=int(present[0])))
    return y


def _examples(values: np.ndarray) -> str:
    uniq = pd.unique(pd.Series(np.asarray(values).ravel()))[:5]
    return ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in uniq)


def sensitive_frame(sensitive_features: Any, n_rows: int) -> pd.DataFrame | None:
    """Sensitive features as a frame, one column per attribute (fairlearn's conventions).

    Accepts a Series, a DataFrame, a dict of name to values, a 1-D array (one attribute named
    ``sensitive_feature_0``) or a 2-D array (``sensitive_feature_0``, ``..._1``, ...).
    """
    if sensitive_features is None:
        return None
    if isinstance(sensitive_features, pd.DataFrame):
        frame = sensitive_features.reset_index(drop=True)
    elif isinstance(sensitive_features, pd.Series):
        name = sensitive_features.name if sensitive_features.name is not None else \
            "sensitive_feature_0"
        frame = pd.DataFrame({str(name): sensitive_features.reset_index(drop=True)})
    elif isinstance(sensitive_features, dict):
        frame = pd.DataFrame({str(k): np.asarray(v) for k, v in sensitive_features.items()})
    else:
        values = np.asarray(sensitive_features, dtype=object)
        if values.ndim == 1:
            values = values[:, None]
        frame = pd.DataFrame({f"sensitive_feature_{i}": values[:, i]
                              for i in range(values.shape[1])})
        for col in frame.columns:
            converted = pd.to_numeric(frame[col], errors="coerce")
            if converted.notna().sum() == frame[col].notna().sum():
                frame[col] = converted
    if len(frame) != n_rows:
        raise FairLensInputError(
            f"sensitive_features has {len(frame)} rows but the labels have {n_rows}; they must "
            "match.")
    if frame.shape[1] == 0:
        return None
    return frame


def encode_sensitive(frame: pd.DataFrame | None, warnings: list[str]) -> list[Attribute]:
    """Encode every column of ``frame`` as group codes (missing values form "(missing)")."""
    if frame is None:
        return []
    return [encode_attribute(frame[c].rename(str(c)), warnings) for c in frame.columns]

"""Score-based metrics from per-bin histograms: AUC (ties count half), ROC, Brier, calibration."""

from __future__ import annotations

import numpy as np

from fairlens.metrics._rates import safe_divide

CALIBRATION_BINS = 10


def auc_from_histogram(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Area under the ROC curve from score histograms of negatives and positives.

    Equals the Mann-Whitney statistic with ties counted half, which is what
    ``sklearn.metrics.roc_auc_score`` computes (also with sample weights).

    Parameters
    ----------
    neg, pos : numpy.ndarray
        ``(..., B)`` weighted counts per score bin, bins in ascending score order.

    Returns
    -------
    numpy.ndarray
        ``(...)``; NaN where a side is empty.
    """
    neg_below = np.cumsum(neg, axis=-1) - neg
    wins = np.sum(pos * (neg_below + 0.5 * neg), axis=-1)
    return safe_divide(wins, pos.sum(axis=-1) * neg.sum(axis=-1))


def auc_tie_bound(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Largest possible error of :func:`auc_from_histogram` when bins merge distinct scores."""
    return safe_divide(0.5 * np.sum(pos * neg, axis=-1), pos.sum(axis=-1) * neg.sum(axis=-1))


def roc_points(neg: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FPR and TPR at every bin threshold (``score >= value``), from high to low threshold."""
    tp = np.cumsum(pos[..., ::-1], axis=-1)
    fp = np.cumsum(neg[..., ::-1], axis=-1)
    zeros = np.zeros(tp.shape[:-1] + (1,))
    tpr = safe_divide(np.concatenate([zeros, tp], -1), pos.sum(axis=-1, keepdims=True))
    fpr = safe_divide(np.concatenate([zeros, fp], -1), neg.sum(axis=-1, keepdims=True))
    return fpr, tpr


def brier(w: np.ndarray, score_sum: np.ndarray, square_sum: np.ndarray) -> np.ndarray:
    """Brier score ``mean((score - y)**2)`` from per-(y, bin) sums; axes ``(..., 2, B)``.

    Within a cell of label ``y``: ``sum (s - y)**2 = sum s**2 - 2 y sum s + y n``.
    """
    loss = square_sum.sum(axis=-1) - 2 * np.array([0.0, 1.0]) * score_sum.sum(axis=-1)
    loss = loss + np.array([0.0, 1.0]) * w.sum(axis=-1)
    return safe_divide(loss.sum(axis=-1), w.sum(axis=(-1, -2)))


def expected_calibration_error(w: np.ndarray, score_sum: np.ndarray) -> np.ndarray:
    """ECE ``sum_b (n_b / n) |mean score_b - positive rate_b|`` over the table's bins.

    Parameters
    ----------
    w, score_sum : numpy.ndarray
        ``(..., 2, B)`` weighted counts and score sums per (y, calibration bin).
    """
    weight = w.sum(axis=-2)
    gap = np.abs(score_sum.sum(axis=-2) - w[..., 1, :])
    return safe_divide(gap.sum(axis=-1), weight.sum(axis=-1))


def calibration_curve(w: np.ndarray, score_sum: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    """Mean score, observed positive rate and weight per calibration bin; ``(..., B)`` each."""
    weight = w.sum(axis=-2)
    return (safe_divide(score_sum.sum(axis=-2), weight), safe_divide(w[..., 1, :], weight),
            weight)


def auc_standard_error(neg: np.ndarray, pos: np.ndarray,
                       auc: np.ndarray | None = None) -> np.ndarray:
    """DeLong's standard error of the AUC, exactly, from score histograms.

    The placement values of DeLong et al. (1988) are constant within a bin, so their
    variances are sums over bins: ``V10`` for a positive in bin ``b`` is the share of negatives
    below it (ties half), ``V01`` for a negative the share of positives above it.

    Parameters
    ----------
    neg, pos : numpy.ndarray
        ``(..., B)`` counts per score bin, ascending scores.
    auc : numpy.ndarray, optional
        :func:`auc_from_histogram` of the same histograms, when already computed.
    """
    n_neg = neg.sum(axis=-1, keepdims=True)
    n_pos = pos.sum(axis=-1, keepdims=True)
    auc = (auc_from_histogram(neg, pos) if auc is None else auc)[..., None]
    neg_below = np.cumsum(neg, axis=-1) - neg
    pos_above = n_pos - np.cumsum(pos, axis=-1)
    v10 = safe_divide(neg_below + 0.5 * neg, n_neg)
    v01 = safe_divide(pos_above + 0.5 * pos, n_pos)
    s10 = safe_divide(np.sum(pos * (v10 - auc) ** 2, axis=-1, keepdims=True), n_pos - 1)
    s01 = safe_divide(np.sum(neg * (v01 - auc) ** 2, axis=-1, keepdims=True), n_neg - 1)
    var = safe_divide(s10, n_pos) + safe_divide(s01, n_neg)
    return np.sqrt(var)[..., 0]

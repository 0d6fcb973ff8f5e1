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


def brier(loss_sum: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Brier score from per-cell sums of ``(score - y)**2``; axes ``(..., 2, B)``."""
    return safe_divide(loss_sum.sum(axis=(-1, -2)), w.sum(axis=(-1, -2)))


def calibration_bin_of(values: np.ndarray, n_bins: int = CALIBRATION_BINS) -> np.ndarray:
    """Equal-width calibration bin of each score-table bin (``[0, 0.1), ..., [0.9, 1]``)."""
    return np.clip(np.floor(values * n_bins + 1e-9).astype(np.int64), 0, n_bins - 1)


def calibration_table(
    w: np.ndarray, score_sum: np.ndarray, calib_bins: np.ndarray, n_bins: int = CALIBRATION_BINS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weight, mean score and observed positive rate per calibration bin; axes ``(..., n_bins)``."""
    onehot = np.zeros((len(calib_bins), n_bins))
    onehot[np.arange(len(calib_bins)), calib_bins] = 1.0
    weight = w.sum(axis=-2) @ onehot
    positives = w[..., 1, :] @ onehot
    scores = score_sum.sum(axis=-2) @ onehot
    return weight, safe_divide(scores, weight), safe_divide(positives, weight)


def expected_calibration_error(
    w: np.ndarray, score_sum: np.ndarray, calib_bins: np.ndarray
) -> np.ndarray:
    """ECE with 10 equal-width bins: ``sum_b (n_b / n) |mean score_b - positive rate_b|``."""
    weight, mean_score, observed = calibration_table(w, score_sum, calib_bins)
    gap = np.where(weight > 0, np.abs(mean_score - observed), 0.0)
    return safe_divide((weight * gap).sum(axis=-1), weight.sum(axis=-1))

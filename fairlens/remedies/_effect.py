"""What a fairness method added beyond retraining, with its noise: a paired bootstrap of the
difference between the gap of the remedy's decisions and that of the same learner retrained
without fairness, on the same held-out rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairlens.remedies._crossfit import _gap_of, _rates

DRAWS = 1000
LEVEL = 0.95


def _sums(weights: np.ndarray, codes: np.ndarray, n_groups: int, values: np.ndarray
          ) -> np.ndarray:
    """Per draw and group: the weighted sum of ``values``."""
    onehot = np.zeros((len(codes), n_groups))
    onehot[np.arange(len(codes)), codes] = 1.0
    return weights @ (onehot * values[:, None])


def _gaps(weights: np.ndarray, y: np.ndarray, codes: np.ndarray, n_groups: int,
          decisions: np.ndarray, keep: np.ndarray, constraint: str) -> np.ndarray:
    pos = _sums(weights, codes, n_groups, y)
    n = _sums(weights, codes, n_groups, np.ones(len(y)))
    tp = _sums(weights, codes, n_groups, decisions * y)
    fp = _sums(weights, codes, n_groups, decisions * (1 - y))
    return _gap_of(_rates(tp, fp, pos, n - pos), keep, constraint)


def paired_difference(y: np.ndarray, groups: np.ndarray, with_method: np.ndarray,
                      without: np.ndarray, *, constraint: str, min_group_size: int,
                      draws: int = DRAWS, seed: int = 0) -> dict[str, Any]:
    """The gap of ``with_method`` minus that of ``without`` (0/1 decisions on the same rows),
    with a paired percentile bootstrap interval (rows resampled by Poisson weights, the same
    weights for both).

    The gap is the audit's: max - min over the groups with at least ``min_group_size`` rows
    of each constrained rate (TPR and FPR for equalized odds), the largest.

    Returns
    -------
    dict
        ``with_method``, ``without`` (the two gaps), ``difference``, ``low``, ``high``,
        ``level``, ``draws``.
    """
    y = np.asarray(y, dtype=float)
    codes, _ = pd.factorize(pd.Series(np.asarray(groups)).astype(str))
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    keep = np.bincount(codes, minlength=n_groups) >= max(int(min_group_size), 1)
    a = np.asarray(with_method, dtype=float)
    b = np.asarray(without, dtype=float)
    one = np.ones((1, len(y)))
    gap_a = float(_gaps(one, y, codes, n_groups, a, keep, constraint)[0])
    gap_b = float(_gaps(one, y, codes, n_groups, b, keep, constraint)[0])
    rng = np.random.default_rng(seed)
    weights = rng.poisson(1.0, size=(int(draws), len(y))).astype(float)
    diff = (_gaps(weights, y, codes, n_groups, a, keep, constraint)
            - _gaps(weights, y, codes, n_groups, b, keep, constraint))
    diff = diff[np.isfinite(diff)]
    tail = (1.0 - LEVEL) / 2
    low, high = (np.quantile(diff, [tail, 1 - tail]) if len(diff) else (np.nan, np.nan))
    return {"with_method": gap_a, "without": gap_b, "difference": gap_a - gap_b,
            "low": float(low), "high": float(high), "level": LEVEL, "draws": int(draws)}

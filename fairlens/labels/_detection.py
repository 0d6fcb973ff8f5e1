"""What label-issue detectors read and return: :class:`DetectorInput` and :class:`Detection`.

The detectors themselves are registered analyses (:mod:`fairlens.labels._detectors`); this
module holds only their data types and option vocabularies, so that the pipeline
(:mod:`fairlens.labels._issues`) and the detectors can both use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from fairlens.labels._crossval import Progress

FilterBy = Literal["prune_by_noise_rate", "prune_by_class", "both", "confident_learning",
                   "predicted_neq_given", "low_normalized_margin", "low_self_confidence"]
RankBy = Literal["self_confidence", "normalized_margin", "confidence_weighted_entropy"]
InputKind = Literal["proba", "score", "features"]

FILTERS: dict[str, str] = {
    "prune_by_noise_rate": "Prune by noise rate (cleanlab's default): for every pair of given "
                           "and true class, the rows most likely to be mislabeled, as many as "
                           "the confident joint estimates.",
    "prune_by_class": "Prune by class: in every class, the rows with the lowest probability of "
                      "their given label, as many as the confident joint estimates.",
    "both": "Both: rows flagged by prune-by-noise-rate and by prune-by-class.",
    "confident_learning": "Confident joint: rows confidently predicted to belong to another "
                          "class than their given one (the off-diagonals of the confident "
                          "joint).",
    "predicted_neq_given": "Predicted != given: every row whose most likely class is not its "
                           "given label (a baseline: high recall, low precision).",
    "low_normalized_margin": "Lowest normalized margin, as many rows as cleanlab estimates to "
                             "be mislabeled.",
    "low_self_confidence": "Lowest self-confidence, as many rows as cleanlab estimates to be "
                           "mislabeled.",
}
"""cleanlab's filter methods (``filter_by``) and what they flag."""

RANKINGS: dict[str, str] = {
    "self_confidence": "Self-confidence: the probability of the given label.",
    "normalized_margin": "Normalized margin: probability of the given label minus the largest "
                         "other probability, rescaled to [0, 1].",
    "confidence_weighted_entropy": "Confidence-weighted entropy: entropy of the probabilities "
                                   "divided by the self-confidence, rescaled to [0, 1].",
}
"""cleanlab's label-quality scores (``rank_by``); lower means more likely mislabeled."""

FILTER_CHOICES: tuple[str, ...] = get_args(FilterBy)
RANK_CHOICES: tuple[str, ...] = get_args(RankBy)

SOURCE_NEEDS: dict[str, str] = {"proba": "probabilities", "score": "score",
                                "features": "features"}
"""The registry need (:data:`fairlens.registry.NEEDS`) of each probability source."""


@dataclass
class DetectorInput:
    """What detectors read: encoded labels plus the inputs that are available.

    Attributes
    ----------
    labels : numpy.ndarray
        Class indices ``0 .. n_classes - 1``.
    n_classes : int
    proba : numpy.ndarray or None
        ``(n, n_classes)`` validated class probabilities.
    scores : numpy.ndarray or None
        ``(n,)`` positive-class scores (binary labels only).
    features : DataFrame or None
        Feature columns, for detectors that train a model.
    progress : callable or None
        ``progress(done, total, message)`` for long-running detectors.
    """

    labels: np.ndarray
    n_classes: int
    proba: np.ndarray | None = None
    scores: np.ndarray | None = None
    features: pd.DataFrame | None = None
    progress: Progress | None = None


@dataclass
class Detection:
    """The output of a detector.

    Attributes
    ----------
    detector : str
        Registry name.
    issues : numpy.ndarray
        Boolean mask, True for rows whose label is probably wrong.
    quality : numpy.ndarray
        Label-quality score per row in [0, 1]; lower means more likely mislabeled.
    suggested : numpy.ndarray
        Suggested class index per row: the most likely class, and for flagged rows the most
        likely class other than the given one.
    proba : numpy.ndarray
        The ``(n, k)`` probabilities the detection used.
    options : dict
        The detector's options (JSON-safe).
    seconds : float
        Run time.
    notes : list of str
        Remarks on how to read the result.
    warnings : list of str
        Problems with the input that the user should know about.
    """

    detector: str
    issues: np.ndarray
    quality: np.ndarray
    suggested: np.ndarray
    proba: np.ndarray
    options: dict[str, Any]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_issues(self) -> int:
        """Number of flagged rows."""
        return int(self.issues.sum())


@dataclass
class DetectorFailure:
    """A detector that raised: its name and the error message."""

    detector: str
    error: str

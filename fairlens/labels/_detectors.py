"""A small registry of interchangeable label-issue detectors (like cleanlab Datalab's managers).

Every detector turns one kind of input into the same :class:`Detection`: which rows are
probably mislabeled, a label-quality score per row and a suggested label. Registered:

``confident_learning``
    cleanlab's :func:`cleanlab.filter.find_label_issues` on class probabilities.
``binary_score``
    A binary model's positive-class score, turned into the two columns ``[1 - s, s]``, then
    confident learning.
``cross_validated``
    Features and labels only: K-fold cross-validated probabilities of a scikit-learn model
    (:func:`fairlens.labels.cross_val_proba`), then confident learning.

:func:`run_detectors` runs several; one that fails reports its error and does not stop the
others. Add a detector with :func:`register_detector`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args

import numpy as np
import pandas as pd
from cleanlab.filter import find_label_issues as cleanlab_find_label_issues
from cleanlab.rank import (
    get_confidence_weighted_entropy_for_each_label,
    get_label_quality_scores,
    get_normalized_margin_for_each_label,
    get_self_confidence_for_each_label,
)

from fairlens.data import FairLensInputError
from fairlens.labels import _errors as E
from fairlens.labels._crossval import DEFAULT_MODEL, Progress, cross_val_proba
from fairlens.labels._validate import scores_to_proba

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

_SCORERS = {
    "self_confidence": get_self_confidence_for_each_label,
    "normalized_margin": get_normalized_margin_for_each_label,
    "confidence_weighted_entropy": get_confidence_weighted_entropy_for_each_label,
}
IN_SAMPLE_AGREEMENT = 0.995
IN_SAMPLE_CONFIDENCE = 0.98


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


class Detector:
    """Base class of label-issue detectors.

    Subclasses set :attr:`name`, :attr:`title`, :attr:`needs` and implement :meth:`detect`.
    Options are keyword arguments of ``__init__``, checked there and stored unchanged
    (scikit-learn style).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    needs: ClassVar[InputKind] = "proba"
    description: ClassVar[str] = ""

    def __init__(self) -> None:
        """A detector without options."""

    @property
    def options(self) -> dict[str, Any]:
        """The options as a JSON-safe dict."""
        return {}

    def detect(self, data: DetectorInput) -> Detection:  # pragma: no cover - interface
        """Find label issues in ``data``."""
        raise NotImplementedError


DETECTORS: dict[str, type[Detector]] = {}
"""Registered detectors by name."""


def register_detector(cls: type[Detector]) -> type[Detector]:
    """Class decorator adding a :class:`Detector` subclass to :data:`DETECTORS`."""
    if not cls.name:
        raise ValueError("A detector needs a non-empty name.")
    DETECTORS[cls.name] = cls
    return cls


def get_detector(name: str, **options: Any) -> Detector:
    """A registered detector configured with ``options``.

    Raises
    ------
    FairLensInputError
        For an unknown name or an invalid option.
    """
    if name not in DETECTORS:
        raise FairLensInputError(E.UNKNOWN_DETECTOR.format(value=name, choices=list(DETECTORS)))
    try:
        return DETECTORS[name](**options)
    except TypeError as exc:
        raise FairLensInputError(f"Invalid option for detector {name!r}: {exc}") from exc


def _choice(name: str, value: Any, choices: dict[str, str] | tuple) -> str:
    if value not in choices:
        raise FairLensInputError(E.UNKNOWN_OPTION.format(name=name, choices=list(choices),
                                                         value=value))
    return str(value)


def suggested_labels(proba: np.ndarray, labels: np.ndarray, issues: np.ndarray) -> np.ndarray:
    """Most likely class per row; for flagged rows, the most likely class other than the given."""
    suggested = np.argmax(proba, axis=1)
    same = np.flatnonzero(issues & (suggested == labels))
    if len(same):
        part = proba[same].copy()
        part[np.arange(len(same)), labels[same]] = -1.0
        suggested[same] = np.argmax(part, axis=1)
    return suggested


def in_sample_warning(proba: np.ndarray, labels: np.ndarray, quality_sc: np.ndarray) -> str | None:
    """A warning when probabilities agree with the labels so well that they look in-sample."""
    agree = float(np.mean(np.argmax(proba, axis=1) == labels))
    confidence = float(np.mean(quality_sc))
    if agree >= IN_SAMPLE_AGREEMENT and confidence >= IN_SAMPLE_CONFIDENCE:
        return E.IN_SAMPLE_SUSPECTED.format(agree=agree, confidence=confidence)
    return None


@register_detector
class ConfidentLearning(Detector):
    """Confident learning with cleanlab on class probabilities.

    Parameters
    ----------
    filter_by : str, default "prune_by_noise_rate"
        cleanlab's filter method (:data:`FILTERS`); the default is cleanlab's own.
    rank_by : str, default "self_confidence"
        Label-quality score used to rank the rows (:data:`RANKINGS`); cleanlab's default.
    frac_noise : float, default 1.0
        Return only this share of the estimated issues (prune filters only).
    min_examples_per_class : int, default 1
        Never flag so many rows of a class that fewer than this many remain.
    adjust_pred_probs : bool, default False
        Subtract each class's confident threshold before scoring (cleanlab's option; not for
        confidence-weighted entropy).
    n_jobs : int or None, default 1
        cleanlab's worker processes. FairLens defaults to 1: forking inside a threaded web
        server is unsafe, and on small machines one process is faster. ``None`` uses cleanlab's
        default (one per core).
    """

    name = "confident_learning"
    title = "Confident learning (cleanlab)"
    needs = "proba"
    description = ("cleanlab's find_label_issues on class probabilities: estimates the joint "
                   "distribution of given and true labels and flags the rows most likely to be "
                   "mislabeled.")

    def __init__(self, filter_by: FilterBy = "prune_by_noise_rate",
                 rank_by: RankBy = "self_confidence", frac_noise: float = 1.0,
                 min_examples_per_class: int = 1, adjust_pred_probs: bool = False,
                 n_jobs: int | None = 1) -> None:
        self.filter_by = _choice("filter_by", filter_by, FILTERS)
        self.rank_by = _choice("rank_by", rank_by, RANKINGS)
        frac = float(frac_noise)
        if not 0 < frac <= 1:
            raise FairLensInputError(E.FRACTION_RANGE.format(name="frac_noise", value=frac_noise))
        self.frac_noise = frac
        if isinstance(min_examples_per_class, bool) or int(min_examples_per_class) < 0:
            raise FairLensInputError(E.POSITIVE_INT.format(name="min_examples_per_class",
                                                           value=min_examples_per_class))
        self.min_examples_per_class = int(min_examples_per_class)
        self.adjust_pred_probs = bool(adjust_pred_probs)
        if self.adjust_pred_probs and self.rank_by == "confidence_weighted_entropy":
            raise FairLensInputError("adjust_pred_probs is not available with rank_by="
                                     "'confidence_weighted_entropy'.")
        if n_jobs is not None and (isinstance(n_jobs, bool) or int(n_jobs) < 1):
            raise FairLensInputError(E.POSITIVE_INT.format(name="n_jobs", value=n_jobs))
        self.n_jobs = None if n_jobs is None else int(n_jobs)

    @property
    def options(self) -> dict[str, Any]:
        """The options as a JSON-safe dict."""
        return {"filter_by": self.filter_by, "rank_by": self.rank_by,
                "frac_noise": self.frac_noise,
                "min_examples_per_class": self.min_examples_per_class,
                "adjust_pred_probs": self.adjust_pred_probs, "n_jobs": self.n_jobs}

    def quality(self, labels: np.ndarray, proba: np.ndarray) -> np.ndarray:
        """Label-quality score of every row (cleanlab's scoring functions)."""
        if self.adjust_pred_probs:
            return get_label_quality_scores(labels, proba, method=self.rank_by,
                                            adjust_pred_probs=True)
        return np.asarray(_SCORERS[self.rank_by](labels, proba), dtype=np.float64)

    def run(self, labels: np.ndarray, proba: np.ndarray, *, name: str | None = None,
            in_sample_check: bool = True) -> Detection:
        """Confident learning on validated labels and probabilities."""
        start = time.perf_counter()
        kwargs: dict[str, Any] = {"filter_by": self.filter_by, "n_jobs": self.n_jobs,
                                  "min_examples_per_class": self.min_examples_per_class}
        if self.filter_by in ("prune_by_noise_rate", "prune_by_class", "both"):
            kwargs["frac_noise"] = self.frac_noise
        issues = np.asarray(cleanlab_find_label_issues(labels, proba, **kwargs), dtype=bool)
        quality = self.quality(labels, proba)
        suggested = suggested_labels(proba, labels, issues)
        notes, warnings = [], []
        if in_sample_check:
            notes.append(E.IN_SAMPLE_NOTE)
            self_conf = quality if self.rank_by == "self_confidence" and not \
                self.adjust_pred_probs else get_self_confidence_for_each_label(labels, proba)
            warning = in_sample_warning(proba, labels, self_conf)
            if warning:
                warnings.append(warning)
        return Detection(detector=name or self.name, issues=issues, quality=quality,
                         suggested=suggested, proba=proba, options=self.options,
                         seconds=time.perf_counter() - start, notes=notes, warnings=warnings)

    def detect(self, data: DetectorInput) -> Detection:
        """Confident learning on ``data.proba``."""
        if data.proba is None:
            raise FairLensInputError(E.DETECTOR_INPUT.format(
                name=self.name, needs="class probabilities",
                hint="Pass pred_probs, or use 'binary_score' or 'cross_validated'."))
        return self.run(data.labels, data.proba)


@register_detector
class BinaryScore(ConfidentLearning):
    """Confident learning on a binary model's positive-class score (``[1 - s, s]``).

    Takes the options of :class:`ConfidentLearning`.
    """

    name = "binary_score"
    title = "Binary score (cleanlab on [1 - score, score])"
    needs = "score"
    description = ("A binary model's probability of the positive class, turned into two-column "
                   "probabilities, then confident learning.")

    def detect(self, data: DetectorInput) -> Detection:
        """Confident learning on ``[1 - data.scores, data.scores]``."""
        if data.scores is None:
            raise FairLensInputError(E.DETECTOR_INPUT.format(
                name=self.name, needs="a positive-class score",
                hint="Map a score column, or pass a 1-D array of scores."))
        return self.run(data.labels, scores_to_proba(data.scores))


@register_detector
class CrossValidated(ConfidentLearning):
    """Confident learning on K-fold cross-validated probabilities of a model of the features.

    Parameters
    ----------
    model : str or estimator, default "hist_gradient_boosting"
        See :func:`fairlens.labels.cross_val_proba`.
    n_splits : int, default 5
    seed : int, default 0
    **options
        Options of :class:`ConfidentLearning`.
    """

    name = "cross_validated"
    title = "Cross-validated model of the features (then cleanlab)"
    needs = "features"
    description = ("Out-of-sample probabilities from a scikit-learn model trained in K folds on "
                   "the features, then confident learning.")

    def __init__(self, model: str | Any = DEFAULT_MODEL, n_splits: int = 5, seed: int = 0,
                 **options: Any) -> None:
        super().__init__(**options)
        self.model = model
        self.n_splits = n_splits
        self.seed = int(seed)

    @property
    def options(self) -> dict[str, Any]:
        """The options as a JSON-safe dict."""
        model = self.model if isinstance(self.model, str) else type(self.model).__name__
        return {**super().options, "model": model, "n_splits": self.n_splits, "seed": self.seed}

    def detect(self, data: DetectorInput) -> Detection:
        """Cross-validate, then confident learning on the out-of-fold probabilities."""
        if data.features is None:
            raise FairLensInputError(E.DETECTOR_INPUT.format(
                name=self.name, needs="feature columns", hint=E.FEATURES_EMPTY))
        start = time.perf_counter()
        cv = cross_val_proba(data.features, data.labels, n_classes=data.n_classes,
                             model=self.model, n_splits=self.n_splits, seed=self.seed,
                             progress=data.progress)
        detection = self.run(data.labels, cv.proba, in_sample_check=False)
        detection.seconds = time.perf_counter() - start
        detection.options["n_splits"] = cv.n_splits
        detection.warnings.extend(cv.warnings)
        detection.notes.append(
            f"Probabilities are out-of-sample: {cv.model} trained in {cv.n_splits} folds on "
            f"{len(cv.features)} feature column(s) ({', '.join(cv.features[:8])}"
            f"{' ...' if len(cv.features) > 8 else ''}); out-of-fold accuracy "
            f"{cv.accuracy:.3f} against the given labels.")
        return detection


def run_detectors(data: DetectorInput,
                  detectors: list[str | Detector]) -> dict[str, Detection | DetectorFailure]:
    """Run several detectors on the same input; a failing one does not stop the others.

    Parameters
    ----------
    data : DetectorInput
    detectors : list of str or Detector
        Registry names (default options) or configured detectors. A configured detector is
        keyed by its name, plus ``:<filter_by>`` when that is not cleanlab's default, so that
        several filter methods can be compared side by side.

    Returns
    -------
    dict
        Per detector, its :class:`Detection` or a :class:`DetectorFailure` with the message.
    """
    out: dict[str, Detection | DetectorFailure] = {}
    for item in detectors:
        label = item if isinstance(item, str) else _label(item)
        try:
            detector = get_detector(item) if isinstance(item, str) else item
            out[label] = detector.detect(data)
        except Exception as exc:  # noqa: BLE001 - one failing analysis must not stop the others
            out[label] = DetectorFailure(label, f"{type(exc).__name__}: {exc}")
    return out


def _label(detector: Detector) -> str:
    filter_by = getattr(detector, "filter_by", None)
    if filter_by and filter_by != "prune_by_noise_rate":
        return f"{detector.name}:{filter_by}"
    return detector.name


def detector_table() -> pd.DataFrame:
    """The registered detectors: name, title, input and description."""
    return pd.DataFrame([{"name": n, "title": c.title, "needs": c.needs,
                          "description": c.description} for n, c in DETECTORS.items()])


FILTER_CHOICES: tuple[str, ...] = get_args(FilterBy)
RANK_CHOICES: tuple[str, ...] = get_args(RankBy)

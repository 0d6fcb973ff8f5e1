"""The label-issue detectors: registered analyses of the ``"labels"`` family.

Every detector turns one kind of input into the same :class:`~fairlens.labels.Detection`:
which rows are probably mislabeled, a label-quality score per row and a suggested label.
They live in the one registry (:mod:`fairlens.registry`, family ``"labels"``):

``confident_learning``
    cleanlab's :func:`cleanlab.filter.find_label_issues` on class probabilities.
``binary_score``
    A binary model's positive-class score, turned into the two columns ``[1 - s, s]``, then
    confident learning.
``cross_validated``
    Features and labels only: K-fold cross-validated probabilities of a scikit-learn model
    (:func:`fairlens.labels.cross_val_proba`), then confident learning.

:func:`run_detectors` runs several through :func:`fairlens.registry.run_isolated`: one that
fails is recorded with its message and the others go on. Add a detector by subclassing
:class:`Detector` and decorating it with :func:`fairlens.registry.register`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from cleanlab.filter import find_label_issues as cleanlab_find_label_issues
from cleanlab.rank import (
    get_confidence_weighted_entropy_for_each_label,
    get_label_quality_scores,
    get_normalized_margin_for_each_label,
    get_self_confidence_for_each_label,
)

from fairlens import registry
from fairlens._validation import check_choice, check_int, check_interval
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.labels import _errors as E
from fairlens.labels._crossval import DEFAULT_MODEL, cross_val_proba
from fairlens.labels._detection import (  # noqa: F401 - the choices are re-exported
    FILTER_CHOICES,
    FILTERS,
    RANK_CHOICES,
    RANKINGS,
    SOURCE_NEEDS,
    Detection,
    DetectorFailure,
    DetectorInput,
    FilterBy,
    InputKind,
    RankBy,
)
from fairlens.labels._issues import (
    LabelIssues,
    detector_class,
    detector_from_keywords,
    label_issues_spec,
)
from fairlens.labels._validate import scores_to_proba
from fairlens.wording import labels as W

_SCORERS = {
    "self_confidence": get_self_confidence_for_each_label,
    "normalized_margin": get_normalized_margin_for_each_label,
    "confidence_weighted_entropy": get_confidence_weighted_entropy_for_each_label,
}
IN_SAMPLE_AGREEMENT = 0.995
IN_SAMPLE_CONFIDENCE = 0.98
PRUNE_FILTERS = ("prune_by_noise_rate", "prune_by_class", "both")
MSG_PROBA_COLUMNS = "class-probability columns (proba_prefix)"
MSG_SCORE_PROBABILITY = "a score that is a probability (this one is mapped as a raw score)"


class Detector(registry.Analysis):
    """Base class of label-issue detectors (the registry's ``"labels"`` family).

    Subclasses set ``name``, ``title``, ``needs`` (registry needs, e.g.
    ``("label", "score")``) and implement :meth:`detect`. Options are keyword arguments of
    ``__init__``, checked there and stored unchanged (scikit-learn style). ``source`` is the
    kind of input the detector reads (``"proba"``, ``"score"`` or ``"features"``); it is
    worked out from ``needs`` when not set. A detector written for the older registry, with
    ``needs = "proba"`` (an input kind) and no title, still works.
    """

    abstract = True
    family = "labels"
    source: ClassVar[InputKind | None] = None
    description: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        needs = cls.__dict__.get("needs")
        if isinstance(needs, str):  # the older form: an input kind
            cls.source = needs  # type: ignore[assignment]
            cls.needs = ("label", SOURCE_NEEDS.get(needs, needs))
        if not cls.__dict__.get("abstract", False) and not getattr(cls, "title", ""):
            cls.title = getattr(cls, "name", "")
        if "source" not in cls.__dict__ and not isinstance(needs, str):
            cls.source = next((s for s, need in SOURCE_NEEDS.items() if need in cls.needs),
                              getattr(cls, "source", None))
        super().__init_subclass__(**kwargs)

    def __init__(self) -> None:
        """A detector without options."""

    @classmethod
    def missing(cls, spec: AuditSpec, *, model: Any = None) -> list[str]:
        """What ``spec`` lacks for this detector; probabilities mean class-probability columns
        here (a probability score is the ``binary_score`` detector's)."""
        gaps = super().missing(spec, model=model)
        if cls.source == "proba" and not spec.proba_prefix:
            gaps.append(MSG_PROBA_COLUMNS)
        return list(dict.fromkeys(gaps))

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Name, title, family, needs, source and description."""
        return {**super().describe(), "source": cls.source, "description": cls.description}

    @property
    def options(self) -> dict[str, Any]:
        """The options as a JSON-safe dict."""
        return {}

    def detect(self, data: DetectorInput) -> Detection:  # pragma: no cover - interface
        """Find label issues in ``data``."""
        raise NotImplementedError

    def detect_precomputed(self, data: DetectorInput) -> Detection:
        """Find label issues in cross-validated probabilities computed earlier (``data.proba``)."""
        return self.detect(data)

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> LabelIssues:
        """:func:`fairlens.labels.label_issues_spec` with this detector and ``options``."""
        return label_issues_spec(frame, spec, options=options, detector=self)


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


def _at_least(name: str, value: Any, low: int) -> int:
    try:
        return check_int(name, value, low=low)
    except FairLensInputError:
        raise FairLensInputError(E.POSITIVE_INT.format(name=name, value=value)) from None


@registry.register
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
    needs = ("label", "probabilities")
    source = "proba"
    description = ("cleanlab's find_label_issues on class probabilities: estimates the joint "
                   "distribution of given and true labels and flags the rows most likely to be "
                   "mislabeled.")

    def __init__(self, filter_by: FilterBy = "prune_by_noise_rate",
                 rank_by: RankBy = "self_confidence", frac_noise: float = 1.0,
                 min_examples_per_class: int = 1, adjust_pred_probs: bool = False,
                 n_jobs: int | None = 1) -> None:
        self.filter_by = check_choice("filter_by", filter_by, FILTERS)
        self.rank_by = check_choice("rank_by", rank_by, RANKINGS)
        try:
            self.frac_noise = check_interval("frac_noise", frac_noise, low=0.0, high=1.0,
                                             closed="right")
        except FairLensInputError:
            raise FairLensInputError(E.FRACTION_RANGE.format(name="frac_noise",
                                                             value=frac_noise)) from None
        self.min_examples_per_class = _at_least("min_examples_per_class",
                                                min_examples_per_class, 0)
        self.adjust_pred_probs = bool(adjust_pred_probs)
        if self.adjust_pred_probs and self.rank_by == "confidence_weighted_entropy":
            raise FairLensInputError("adjust_pred_probs is not available with rank_by="
                                     "'confidence_weighted_entropy'.")
        self.n_jobs = None if n_jobs is None else _at_least("n_jobs", n_jobs, 1)

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

    def find(self, labels: np.ndarray, proba: np.ndarray, *, name: str | None = None,
             in_sample_check: bool = True) -> Detection:
        """Confident learning on validated labels and probabilities."""
        start = time.perf_counter()
        kwargs: dict[str, Any] = {"filter_by": self.filter_by, "n_jobs": self.n_jobs,
                                  "min_examples_per_class": self.min_examples_per_class}
        if self.filter_by in PRUNE_FILTERS:
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
        return self.find(data.labels, data.proba)

    def detect_precomputed(self, data: DetectorInput) -> Detection:
        """Confident learning on precomputed out-of-fold probabilities (no in-sample check)."""
        return self.find(data.labels, data.proba, name="cross_validated", in_sample_check=False)


@registry.register
class BinaryScore(ConfidentLearning):
    """Confident learning on a binary model's positive-class score (``[1 - s, s]``).

    Takes the options of :class:`ConfidentLearning`.
    """

    name = "binary_score"
    title = "Binary score (cleanlab on [1 - score, score])"
    needs = ("label", "score")
    source = "score"
    description = ("A binary model's probability of the positive class, turned into two-column "
                   "probabilities, then confident learning.")

    @classmethod
    def missing(cls, spec: AuditSpec, *, model: Any = None) -> list[str]:
        """What ``spec`` lacks; a raw score (score kind ``"raw"``) is not a probability."""
        gaps = super().missing(spec, model=model)
        if spec.score and spec.score_kind != "probability":
            gaps.append(MSG_SCORE_PROBABILITY)
        return gaps

    def detect(self, data: DetectorInput) -> Detection:
        """Confident learning on ``[1 - data.scores, data.scores]``."""
        if data.scores is None:
            raise FairLensInputError(E.DETECTOR_INPUT.format(
                name=self.name, needs="a positive-class score",
                hint="Map a score column, or pass a 1-D array of scores."))
        return self.find(data.labels, scores_to_proba(data.scores))


@registry.register
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
    needs = ("label", "features")
    source = "features"
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
        detection = self.find(data.labels, cv.proba, in_sample_check=False)
        detection.seconds = time.perf_counter() - start
        detection.options["n_splits"] = cv.n_splits
        detection.warnings.extend(cv.warnings)
        detection.notes.append(W.out_of_sample_note(W.trained_folds(cv.model, cv.n_splits),
                                                    list(cv.features), cv.accuracy))
        return detection


# --- the older public names, through the registry ----------------------------------------------


class _DetectorNames(Mapping):
    """Name -> class of the registered detectors: a live, read-only view of the registry."""

    def __getitem__(self, name: str) -> type[registry.Analysis]:
        if name not in registry.names("labels"):
            raise KeyError(name)
        return registry.get("labels", name)

    def __iter__(self) -> Iterator[str]:
        return iter(registry.names("labels"))

    def __len__(self) -> int:
        return len(registry.names("labels"))

    def pop(self, name: str, default: Any = None) -> Any:
        """Unregister ``name`` (tests that register a temporary detector use it)."""
        found = self.get(name, default)
        registry.unregister("labels", name)
        return found


DETECTORS: Mapping[str, type[registry.Analysis]] = _DetectorNames()
"""Registered detectors by name (the registry's ``"labels"`` family)."""


def register_detector(cls: type[Detector]) -> type[Detector]:
    """Class decorator adding a :class:`Detector` subclass to the registry."""
    return registry.register(cls)


def get_detector(name: str, **options: Any) -> registry.Analysis:
    """A registered detector configured with ``options``.

    Raises
    ------
    FairLensInputError
        For an unknown name or an invalid option.
    """
    detector_class(name)
    return registry.create("labels", name, **options)


def _label(detector: registry.Analysis) -> str:
    filter_by = getattr(detector, "filter_by", None)
    if filter_by and filter_by != "prune_by_noise_rate":
        return f"{detector.name}:{filter_by}"
    return detector.name


def run_detectors(data: DetectorInput, detectors: list[str | registry.Analysis]
                  ) -> dict[str, Detection | DetectorFailure]:
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
        Per detector, its :class:`Detection` or a :class:`DetectorFailure` with the message
        (:func:`fairlens.registry.run_isolated`).
    """
    def job(item: str | registry.Analysis) -> Any:
        return lambda: (detector_from_keywords(item) if isinstance(item, str) else item
                        ).detect(data)

    jobs = [(item if isinstance(item, str) else _label(item), job(item)) for item in detectors]
    outcome = registry.run_isolated(jobs)
    return {name: outcome.results[name] if name in outcome.results
            else DetectorFailure(name, outcome.errors[name]) for name, _ in jobs}


def detector_table() -> pd.DataFrame:
    """The registered detectors: name, title, input (``needs``: the source it reads),
    registry needs and description."""
    return pd.DataFrame([{"name": c.name, "title": c.title, "needs": c.source,
                          "requires": list(c.needs), "description": c.description}
                         for c in registry.registered("labels")])

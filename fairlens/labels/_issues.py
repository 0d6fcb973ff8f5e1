"""Finding label issues: from arrays or a frame to a :class:`LabelIssues` result."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from fairlens import registry
from fairlens._json import json_safe
from fairlens._validation import check_choice
from fairlens.auditing import DEFAULT_MIN_GROUP_SIZE, AuditOptions
from fairlens.data import (
    Attribute,
    AuditSpec,
    FairLensInputError,
    frame_and_spec,
    prepare,
)
from fairlens.data import _errors as DE
from fairlens.data._spec import ScoreKind
from fairlens.engine import GroupIndex, build_group_index
from fairlens.labels import _errors as E
from fairlens.labels._crossval import (
    DEFAULT_MODEL,
    CrossValProba,
    Progress,
    agreement,
    cross_val_proba,
)
from fairlens.labels._detection import Detection, DetectorInput, FilterBy, RankBy
from fairlens.labels._rates import RATE_COLUMNS, issue_rates
from fairlens.labels._sample import RowSample, row_sample
from fairlens.labels._sources import available_sources, feature_leak_warnings
from fairlens.labels._validate import (
    check_labels,
    check_pred_probs,
    encode_sensitive,
    scores_to_proba,
    sensitive_frame,
)
from fairlens.metrics import wilson_interval
from fairlens.wording import labels as W

SCHEMA = "fairlens.labels/1"
Source = Literal["auto", "proba", "score", "features"]
SOURCES = ("auto", "proba", "score", "features")
ALL_ROWS = "(all rows)"
"""Name of the constant attribute used internally when no sensitive attribute is given."""
DETECTOR_KEYWORDS = ("filter_by", "rank_by", "frac_noise", "min_examples_per_class",
                     "adjust_pred_probs", "n_jobs", "model", "n_splits")
"""The detector options the entry points still take as keywords (the CLI passes them)."""
TOP_ROWS_IN_SUMMARY = 10


@dataclass
class LabelIssues:
    """Rows whose label is probably wrong, and how label quality differs between groups.

    Attributes
    ----------
    detection : Detection
        The detector's output (mask, quality scores, suggested labels, probabilities).
    labels : numpy.ndarray
        Given labels as class indices.
    classes : list
        The class value of each index (as in the label column).
    source : str
        Where the probabilities came from: ``"proba"``, ``"score"``, ``"features"`` or
        ``"arrays"``.
    by_group : DataFrame
        Per-group issue rates (see :func:`fairlens.labels.issue_rates`); empty without
        sensitive attributes.
    index : GroupIndex or None
        Group codes of the rows.
    attributes : list of Attribute
    spec : AuditSpec or None
        The mapping, for frame inputs.
    score_column : str or None
        The score column used (source ``"score"``).
    settings : dict
        ``reference``, ``min_group_size``, ``level`` of the rate table.
    warnings : list of str
    notes : list of str
    features : list of str
        The feature columns of the cross-validated model (source ``"features"``).
    raw_score : str or None
        The mapped raw score that was not used as probabilities (the cross-validated model
        found the errors instead; the headline says why).
    sample : RowSample or None
        The rows analysed when the data had more than the row limit (see
        :mod:`fairlens.labels._sample`); row positions of the result's arrays are positions in
        the sample, :meth:`issue_table` and the JSON give positions in the data.
    """

    SCHEMA: ClassVar[str] = SCHEMA

    detection: Detection
    labels: np.ndarray
    classes: list[Any]
    source: str
    by_group: pd.DataFrame
    index: GroupIndex | None = None
    attributes: list[Attribute] = field(default_factory=list)
    spec: AuditSpec | None = None
    score_column: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    sample: RowSample | None = None
    raw_score: str | None = None
    """The mapped raw score that the cross-validated model stands in for."""

    # --- the rows analysed -------------------------------------------------------------------

    def analysed_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` this result is about: the sample's rows when the whole data
        is passed for a sampled result, else ``frame`` itself."""
        return frame if self.sample is None else self.sample.frame_of(frame)

    def data_rows(self, rows: Any) -> np.ndarray:
        """Positions in the data of the result's row positions ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        return rows if self.sample is None else self.sample.rows[rows]

    # --- how the probabilities were made -----------------------------------------------------

    def method(self) -> dict[str, Any]:
        """The method in words: ``source``, ``out_of_sample``, ``model``, ``n_splits``,
        ``features``, ``raw_score_passed_over``, ``description`` and ``caveat`` (the words are
        :func:`fairlens.wording.labels.method_text` and ``method_caveat``)."""
        options = self.detection.options
        spec = self.spec
        columns = ([self.score_column] if self.score_column else
                   [f"{spec.proba_prefix}*"] if spec is not None and spec.proba_prefix else [])
        return {"source": self.source, "out_of_sample": self.source == "features",
                "model": options.get("model") if self.source == "features" else None,
                "n_splits": options.get("n_splits") if self.source == "features" else None,
                "features": list(self.features),
                "raw_score_passed_over": self.raw_score,
                "description": W.method_text(self.source, model=options.get("model"),
                                             n_splits=options.get("n_splits"),
                                             features=self.features, columns=columns),
                "caveat": W.method_caveat(self.source)}

    def headline(self) -> str:
        """The count, the method and its caveat in one paragraph (plain text)."""
        method = self.method()
        lo, hi = self.rate_ci
        caveat = method["caveat"]
        if self.raw_score:
            caveat = f"{W.raw_score_switch(self.raw_score)} {caveat}"
        return W.headline(self.n_issues, self.n_rows, self.rate, lo, hi,
                          method["description"], caveat,
                          self.sample.to_dict() if self.sample is not None else None)

    # --- the flagged rows ------------------------------------------------------------------

    @property
    def n_rows(self) -> int:
        """Rows analysed."""
        return int(len(self.labels))

    @property
    def mask(self) -> np.ndarray:
        """Boolean mask of the flagged rows."""
        return self.detection.issues

    @property
    def n_issues(self) -> int:
        """Number of flagged rows."""
        return self.detection.n_issues

    @property
    def quality(self) -> np.ndarray:
        """Label-quality score per row (lower: more likely mislabeled)."""
        return self.detection.quality

    @property
    def suggested(self) -> np.ndarray:
        """Suggested class index per row."""
        return self.detection.suggested

    @property
    def rate(self) -> float:
        """Share of rows flagged."""
        return self.n_issues / self.n_rows if self.n_rows else float("nan")

    @property
    def rate_ci(self) -> tuple[float, float]:
        """Wilson interval of :attr:`rate`."""
        lo, hi = wilson_interval(np.array([self.n_issues]), np.array([self.n_rows]),
                                 self.settings.get("level", 0.95))
        return float(lo[0]), float(hi[0])

    @property
    def ranked_rows(self) -> np.ndarray:
        """Flagged rows, most likely mislabeled first (lowest quality; ties by row)."""
        rows = np.flatnonzero(self.mask)
        return rows[np.lexsort((rows, self.quality[rows]))]

    def class_value(self, index: int) -> Any:
        """The label value of class index ``index``."""
        return self.classes[int(index)]

    def issue_table(self, *, all_rows: bool = False) -> pd.DataFrame:
        """The flagged rows ranked by label quality (or every row with ``all_rows``).

        Returns
        -------
        DataFrame
            ``row`` (0-based position in the data, also when a sample was analysed),
            ``given_label``, ``suggested_label``,
            ``label_quality``, ``given_probability``, ``suggested_probability``, ``issue``.
        """
        if all_rows:
            rows = np.lexsort((np.arange(self.n_rows), self.quality))
        else:
            rows = self.ranked_rows
        proba = self.detection.proba
        given = self.labels[rows]
        suggested = self.suggested[rows]
        classes = np.asarray(self.classes, dtype=object)
        return pd.DataFrame({
            "row": self.data_rows(rows),
            "given_label": classes[given],
            "suggested_label": classes[suggested],
            "label_quality": self.quality[rows],
            "given_probability": proba[rows, given],
            "suggested_probability": proba[rows, suggested],
            "issue": self.mask[rows],
        })

    def rates(self, *, reference: Any = None, min_group_size: int | None = None,
              level: float | None = None) -> pd.DataFrame:
        """The per-group table again with another reference group, minimum size or level."""
        return issue_rates(
            self.mask, self.quality, self.index,
            reference=reference if reference is not None else self.settings.get("reference"),
            min_group_size=(min_group_size if min_group_size is not None
                            else self.settings.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)),
            level=level if level is not None else self.settings.get("level", 0.95))

    def group_of_rows(self, rows: np.ndarray) -> pd.DataFrame:
        """The sensitive-attribute values of ``rows``."""
        return pd.DataFrame({
            a.name: np.asarray(a.categories, dtype=object)[np.asarray(a.codes)[rows]]
            for a in self.attributes})

    # --- the result convention -------------------------------------------------------------

    def tables(self) -> dict[str, pd.DataFrame]:
        """The flagged rows (``issues``) and the per-group rates (``by_group``)."""
        return {"issues": self.issue_table(), "by_group": self.by_group}

    def summary_lines(self) -> list[str]:
        """Plain-text summary: the count, the most likely mislabeled rows, rates per group."""
        return W.issues_summary_lines(
            self.headline(), self.detection.options.get("filter_by"),
            self.issue_table().head(TOP_ROWS_IN_SUMMARY), self.by_group)

    def to_dict(self, *, max_issues: int | None = None) -> dict[str, Any]:
        """The label-issue part of the ``fairlens.labels/1`` JSON document (JSON-safe)."""
        table = self.issue_table()
        if max_issues is not None:
            table = table.head(max_issues)
        issues = [
            {"row": int(r), "given_label": g, "suggested_label": s, "label_quality": float(q)}
            for r, g, s, q in zip(table["row"], table["given_label"], table["suggested_label"],
                                  table["label_quality"], strict=True)]
        by_group = []
        attr_cols = [c for c in self.by_group.columns if c not in RATE_COLUMNS]
        for _, r in self.by_group.iterrows():
            attrs = r["grouping"].split(" x ")
            by_group.append({
                "grouping": r["grouping"],
                "attributes": {a: r[a] for a in attrs if a in attr_cols},
                "n": int(r["n"]), "n_issues": int(r["n_issues"]),
                "rate": r["rate"], "ci": [r["rate_low"], r["rate_high"]],
                "mean_label_quality": r["mean_quality"],
                "is_reference": bool(r["reference"]), "small": bool(r["small"]),
                "p_value": r["p_value"], "q_value": r["q_value"],
                "significant": bool(r["significant"]),
            })
        return json_safe({
            "n_rows": self.n_rows,
            "n_issues": self.n_issues,
            "issue_rate": self.rate,
            "issue_rate_ci": list(self.rate_ci),
            "source": self.source,
            "score_column": self.score_column,
            "method": self.method(),
            "headline": self.headline(),
            "sample": self.sample.to_dict() if self.sample is not None else None,
            "detector": {"name": self.detection.detector, "options": self.detection.options},
            "classes": list(self.classes),
            "settings": self.settings,
            "issues": issues,
            "by_group": by_group,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        })


# --- the detector to run -----------------------------------------------------------------------


def _init_keywords(cls: type) -> set[str]:
    """The keyword options a detector class takes (following ``**options`` up the classes)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.name != "self" and p.kind in
                  (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def detector_class(name: str) -> type[registry.Analysis]:
    """The registered detector class ``name``.

    Raises
    ------
    FairLensInputError
        ``Unknown label-issue detector ...`` with the registered names.
    """
    names = registry.names("labels")
    if name not in names:
        raise FairLensInputError(E.UNKNOWN_DETECTOR.format(value=name, choices=list(names)))
    return registry.get("labels", name)


def detector_from_keywords(name: str, *, seed: int = 0, **keywords: Any) -> registry.Analysis:
    """The registered detector ``name`` configured with the old keyword options.

    The one place where ``filter_by=``, ``rank_by=``, ``model=``, ``n_splits=`` ... (the
    keywords of the CLI and of older code) become a detector object; keywords the detector
    does not take are left out, ``None`` means its default, and ``seed`` is the audit's.

    Raises
    ------
    FairLensInputError
        For an unknown name or an invalid option.
    """
    accepted = _init_keywords(detector_class(name))
    params = {k: v for k, v in {**keywords, "seed": seed}.items()
              if k in accepted and v is not None}
    return registry.create("labels", name, **params)


def _configured(detector: str | registry.Analysis | None, default: str, seed: int,
                keywords: dict[str, Any]) -> registry.Analysis:
    if isinstance(detector, registry.Analysis):
        return detector
    return detector_from_keywords(detector or default, seed=seed, **keywords)


def _split_keywords(keywords: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(detector keywords, audit-option keywords) of an entry point's old keywords."""
    detector = {k: v for k, v in keywords.items() if k in DETECTOR_KEYWORDS}
    audit = {k: v for k, v in keywords.items() if k not in DETECTOR_KEYWORDS}
    return detector, audit


def _result(detection: Detection, labels: np.ndarray, classes: list[Any], source: str,
            attributes: list[Attribute], *, spec: AuditSpec | None, score_column: str | None,
            options: AuditOptions, warnings: list[str], features: list[str] | None = None,
            sample: RowSample | None = None) -> LabelIssues:
    index = build_group_index(attributes) if attributes else None
    by_group = issue_rates(detection.issues, detection.quality, index,
                           reference=options.reference, min_group_size=options.min_group_size,
                           level=options.level)
    all_warnings = list(dict.fromkeys([*warnings, *detection.warnings]))
    return LabelIssues(
        detection=detection, labels=labels, classes=list(classes), source=source,
        by_group=by_group, index=index, attributes=attributes, spec=spec,
        score_column=score_column,
        settings={"reference": options.reference, "min_group_size": options.min_group_size,
                  "level": float(options.level)},
        warnings=all_warnings, notes=list(detection.notes), features=list(features or []),
        sample=sample)


# --- arrays ------------------------------------------------------------------------------------


def find_label_issues(
    labels: Any,
    pred_probs: Any = None,
    *,
    sensitive_features: Any = None,
    features: pd.DataFrame | None = None,
    classes: list[Any] | None = None,
    detector: str | registry.Analysis | None = None,
    filter_by: FilterBy = "prune_by_noise_rate",
    rank_by: RankBy = "self_confidence",
    frac_noise: float = 1.0,
    min_examples_per_class: int = 1,
    adjust_pred_probs: bool = False,
    n_jobs: int | None = 1,
    model: str | Any = DEFAULT_MODEL,
    n_splits: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
    reference: Any = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    level: float = 0.95,
) -> LabelIssues:
    """Find probably mislabeled rows with confident learning, and their rate per group.

    Parameters
    ----------
    labels : array-like
        Given labels as class indices ``0 .. k-1`` (bool or 0/1 for binary scores).
    pred_probs : array-like, optional
        ``(n, k)`` out-of-sample class probabilities, or ``(n,)`` positive-class scores of a
        binary model. Small drift (rows summing to 1.00002, values above 1 by 1e-5) is repaired
        with a warning; logits are rejected. Omit it and give ``features`` to compute
        cross-validated probabilities.
    sensitive_features : array-like, Series, DataFrame or dict, optional
        Attributes to compute per-group issue rates for (each and their intersection).
    features : DataFrame, optional
        Feature columns for cross-validated probabilities (when ``pred_probs`` is omitted).
    classes : list, optional
        Display value of each class index (default the indices).
    detector : str or Detector, optional
        A registered detector name or a configured detector; default ``confident_learning``
        for 2-D probabilities, ``binary_score`` for 1-D scores, ``cross_validated`` for
        features.
    filter_by, rank_by, frac_noise, min_examples_per_class, adjust_pred_probs, n_jobs
        cleanlab's options (see :class:`fairlens.labels.ConfidentLearning`); the defaults are
        cleanlab's, except ``n_jobs=1``.
    model, n_splits, seed, progress
        Cross-validation options (see :func:`fairlens.labels.cross_val_proba`).
    reference : optional
        Reference group of the rate tests; default the largest group of each grouping.
    min_group_size : int, default 30
        Smaller groups are shown but not tested.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    LabelIssues

    Raises
    ------
    FairLensInputError
        For invalid labels, logits, rows that do not sum to 1, or invalid options.
    """
    keywords = dict(filter_by=filter_by, rank_by=rank_by, frac_noise=frac_noise,
                    min_examples_per_class=min_examples_per_class,
                    adjust_pred_probs=adjust_pred_probs, n_jobs=n_jobs, model=model,
                    n_splits=n_splits)
    options = AuditOptions.resolve(None, reference=reference, min_group_size=min_group_size,
                                   level=level, seed=seed)
    warnings: list[str] = []
    n_rows = len(labels)
    if pred_probs is not None:
        raw = np.asarray(pred_probs)
        scores = None
        if raw.ndim == 1:
            scores = raw.astype(np.float64)
            proba = scores_to_proba(scores)
            name = "binary_score"
        else:
            proba, warnings = check_pred_probs(raw)
            name = "confident_learning"
        if len(proba) != n_rows:
            raise FairLensInputError(E.LABELS_SHAPE.format(n_labels=n_rows, n_rows=len(proba)))
        k = proba.shape[1]
        y = check_labels(labels, n_rows, k)
        data = DetectorInput(labels=y, n_classes=k, proba=proba, scores=scores,
                             features=features, progress=progress)
        source = "arrays"
    elif features is not None:
        codes = np.asarray(labels)
        if classes is not None:
            k = len(classes)
        elif codes.dtype.kind in "biuf" and len(codes) and np.isfinite(codes).all():
            k = int(np.max(codes)) + 1
        else:
            k = 2
        y = check_labels(labels, n_rows, max(k, 2))
        name = "cross_validated"
        data = DetectorInput(labels=y, n_classes=k, features=features.reset_index(drop=True),
                             progress=progress)
        source = "features"
    else:
        raise FairLensInputError(E.NO_SOURCE)
    detection = _configured(detector, name, options.seed, keywords).detect(data)
    attributes = encode_sensitive(sensitive_frame(sensitive_features, n_rows), warnings)
    return _result(detection, y, classes if classes is not None else list(range(k)), source,
                   attributes, spec=None, score_column=None, options=options,
                   warnings=warnings)


# --- frames ------------------------------------------------------------------------------------


@dataclass
class Encoded:
    """Labels, classes, attributes and probabilities read from a frame by :func:`encode_frame`."""

    y: np.ndarray
    classes: list[Any]
    attributes: list[Attribute]
    proba: np.ndarray | None
    scores: dict[str, np.ndarray]
    warnings: list[str]


def _check_labelled(spec: AuditSpec) -> None:
    if spec.label is None:
        raise FairLensInputError(E.NO_LABEL)
    if spec.task == "per_sample":
        raise FairLensInputError(E.PER_SAMPLE_TASK.format(cols=", ".join(spec.metric)))


def encode_frame(frame: pd.DataFrame, spec: AuditSpec) -> Encoded:
    """Validate ``frame`` against ``spec`` with :func:`fairlens.data.prepare`.

    Sensitive attributes are optional here (without them there are no group rates), and a
    mapping with features but no predictions is allowed (cross-validated probabilities).
    """
    _check_labelled(spec)
    work, sensitive_spec = frame, spec
    if not spec.sensitive:
        work = frame.assign(**{ALL_ROWS: "all"})
        sensitive_spec = replace(spec, sensitive=[ALL_ROWS])
    if spec.prediction_kinds:
        prepared = prepare(work, sensitive_spec)
        attributes = prepared.attributes if spec.sensitive else []
        return Encoded(prepared.y.astype(np.int64), list(prepared.classes), attributes,
                       prepared.proba, dict(prepared.scores) if prepared.prediction_kind ==
                       "score" else {}, list(prepared.warnings))
    if spec.label not in frame.columns:
        available = ", ".join(map(repr, list(frame.columns)[:40]))
        raise FairLensInputError(DE.MISSING_COLUMNS.format(cols=repr(spec.label),
                                                           available=available))
    series = frame[spec.label]
    if series.isna().any():
        raise FairLensInputError(DE.LABEL_MISSING.format(col=spec.label,
                                                         k=int(series.isna().sum())))
    if series.nunique() <= 2:
        as_pred = replace(sensitive_spec, pred=[spec.label], score=[], metric=[],
                          proba_prefix=None)
        prepared = prepare(work, as_pred)
        attributes = prepared.attributes if spec.sensitive else []
        return Encoded(prepared.y.astype(np.int64), list(prepared.classes), attributes, None,
                       {}, list(prepared.warnings))
    codes, uniques = pd.factorize(series, sort=True)
    warnings: list[str] = []
    attributes = encode_sensitive(frame[list(spec.sensitive)] if spec.sensitive else None,
                                  warnings)
    classes = [u.item() if isinstance(u, np.generic) else u for u in uniques]
    return Encoded(codes.astype(np.int64), classes, attributes, None, {}, warnings)


def score_is_probability(spec: AuditSpec) -> bool:
    """Whether the mapping's score is a probability (its score kind): a raw score (a 1-10
    decile, a decile rescaled to [0, 1], a logit) is never used as class probabilities."""
    return spec.score_kind == "probability"


def raw_score_message(spec: AuditSpec, frame: pd.DataFrame | None = None) -> str:
    """Why a raw score cannot find label errors, and what to do instead."""
    col = spec.score[0]
    span = "score kind 'raw'"
    if frame is not None and col in frame.columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        if values.notna().any():
            span = f"from {values.min():.4g} to {values.max():.4g}"
    return E.RAW_SCORE_NOT_PROBABILITY.format(col=col, range=span)


def detector_for_source(source: str) -> str:
    """The name of the first registered detector that reads ``source``."""
    return next(cls.name for cls in registry.registered("labels")
                if getattr(cls, "source", None) == source)


def choose_source(spec: AuditSpec, source: Source, features: list[str],
                  detector: str | registry.Analysis | None = None, *,
                  frame: pd.DataFrame | None = None) -> str:
    """The probability source ``"auto"`` stands for, or a clear error when it is unavailable.

    ``"auto"`` is the source of the given ``detector``, else of the first detector in the
    registry that the mapping can run (:func:`fairlens.registry.available`): class
    probabilities, else a score column that is a probability, else feature columns. A raw
    score (score kind ``"raw"``) is never a source: ``"score"`` is refused with the reason
    (:func:`raw_score_message`, naming the score's range in ``frame``) and ``"auto"`` skips it.
    """
    check_choice("source", source, SOURCES)
    if source == "score" and spec.score and not score_is_probability(spec):
        raise FairLensInputError(raw_score_message(spec, frame))
    if source == "auto" and detector is not None:
        cls = detector if isinstance(detector, registry.Analysis) else \
            registry.get("labels", detector) if detector in registry.names("labels") else None
        source = getattr(cls, "source", None) or "auto"
    if source == "auto":
        sources = available_sources(spec, features)
        if sources:
            return sources[0]
        if spec.score and not score_is_probability(spec):
            raise FairLensInputError(raw_score_message(spec, frame))
        if spec.pred:
            raise FairLensInputError(E.PRED_ONLY.format(cols=", ".join(map(repr, spec.pred))))
        raise FairLensInputError(E.NO_SOURCE)
    if source == "proba" and not spec.proba_prefix:
        raise FairLensInputError(E.SOURCE_UNAVAILABLE.format(
            source=source, what="class-probability columns",
            hint="Set proba_prefix (CLI --proba-prefix)."))
    if source == "score" and not spec.score:
        raise FairLensInputError(E.SOURCE_UNAVAILABLE.format(
            source=source, what="a score column", hint="Map one (score=; CLI --score COL)."))
    if source == "features" and not features:
        raise FairLensInputError(E.FEATURES_EMPTY)
    return source


def _feature_frame(frame: pd.DataFrame, spec: AuditSpec, features: list[str]) -> pd.DataFrame:
    missing = [c for c in features if c not in frame.columns]
    if missing:
        available = ", ".join(map(repr, list(frame.columns)[:40]))
        raise FairLensInputError(E.FEATURES_MISSING.format(cols=", ".join(map(repr, missing)),
                                                           available=available))
    if spec.label in features:
        raise FairLensInputError(E.FEATURES_INCLUDE_LABEL.format(col=spec.label))
    return frame[list(features)].reset_index(drop=True)


def cross_val_proba_spec(
    frame: pd.DataFrame,
    spec: AuditSpec,
    features: list[str] | None = None,
    *,
    model: str | Any = DEFAULT_MODEL,
    n_splits: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
    max_rows: int | Literal["auto"] | None = "auto",
) -> CrossValProba:
    """Cross-validated probabilities for the label of ``spec`` from feature columns of ``frame``.

    The label is encoded as :func:`label_issues_spec` encodes it, so the result can be passed
    back as ``pred_probs=`` with ``source="features"`` (the app computes it once, with a
    progress bar, and reuses it). Above ``max_rows`` rows, the probabilities are those of the
    seeded stratified sample that :func:`label_issues_spec` analyses with the same ``seed``
    and ``max_rows``.
    """
    feature_cols = list(features if features is not None else spec.features)
    if not feature_cols:
        raise FairLensInputError(E.FEATURES_EMPTY)
    sample = row_sample(frame, spec, max_rows=max_rows, seed=seed)
    if sample is not None:
        frame = sample.frame_of(frame)
    enc = encode_frame(frame, spec)
    cv = cross_val_proba(_feature_frame(frame, spec, feature_cols), enc.y,
                         n_classes=max(len(enc.classes), 2), model=model, n_splits=n_splits,
                         seed=seed, progress=progress)
    cv.warnings.extend(feature_leak_warnings(frame, spec, feature_cols))
    return cv


def _precomputed(detector: registry.Analysis, enc: Encoded, pred_probs: Any,
                 feats: pd.DataFrame, seed: int, warnings: list[str]) -> Detection:
    """Detection on cross-validated probabilities computed earlier (``pred_probs=``)."""
    proba, extra = check_pred_probs(pred_probs)
    warnings.extend(extra)
    if len(proba) != len(enc.y):
        raise FairLensInputError(E.LABELS_SHAPE.format(n_labels=len(enc.y), n_rows=len(proba)))
    detection = detector.detect_precomputed(DetectorInput(
        labels=enc.y, n_classes=max(len(enc.classes), 2), proba=proba, features=feats))
    model = getattr(detector, "model", DEFAULT_MODEL)
    n_splits = getattr(detector, "n_splits", 5)
    detection.options.update(model=model if isinstance(model, str) else type(model).__name__,
                             n_splits=n_splits, seed=getattr(detector, "seed", seed))
    detection.notes.append(W.out_of_sample_note(
        W.precomputed_folds(detection.options["model"], n_splits), list(feats.columns),
        agreement(proba, enc.y)))
    return detection


def _score_input(enc: Encoded, spec: AuditSpec, score_column: str | None,
                 notes: list[str], progress: Progress | None) -> tuple[DetectorInput, str]:
    used = score_column or spec.score[0]
    if used not in enc.scores:
        raise FairLensInputError(E.UNKNOWN_SCORE_MODEL.format(value=used, choices=spec.score))
    s = enc.scores[used]
    return DetectorInput(labels=enc.y, n_classes=2, scores=s, progress=progress), used


def label_issues_spec(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    options: AuditOptions | None = None,
    detector: str | registry.Analysis | None = None,
    source: Source = "auto",
    score_column: str | None = None,
    features: list[str] | None = None,
    pred_probs: np.ndarray | None = None,
    progress: Progress | None = None,
    max_rows: int | Literal["auto"] | None = "auto",
    **keywords: Any,
) -> LabelIssues:
    """Label issues of ``frame``, with the column roles given as an :class:`~fairlens.AuditSpec`.

    Parameters
    ----------
    frame : DataFrame
    spec : AuditSpec
        Label, sensitive attributes, and the probabilities (``proba_prefix`` or ``score``) or
        ``features``.
    options : AuditOptions, optional
        The audit's settings: ``reference``, ``min_group_size`` and ``level`` of the rate
        table, ``seed`` of the cross-validation.
    detector : Detector or str, optional
        A configured detector (``ConfidentLearning(filter_by="both")``) or a registered name;
        default the registered detector of the source.
    source : {"auto", "proba", "score", "features"}
        Where the probabilities come from; ``"auto"`` takes the source of ``detector``, else
        the first the registry finds available for ``spec``: class probabilities, else the
        (first) score column, else cross-validated probabilities from the features.
    score_column : str, optional
        Which score column to use when several are mapped (default the first).
    features : list of str, optional
        Feature columns for ``source="features"`` (default ``spec.features``).
    pred_probs : numpy.ndarray, optional
        Precomputed ``(n, k)`` probabilities (e.g. cached cross-validated ones) for
        ``source="features"``; skips the training.
    progress : callable, optional
        ``progress(done, total, message)`` of the cross-validation.
    max_rows : int, "auto" or None, default "auto"
        ``"auto"`` is :data:`fairlens.labels.MAX_ROWS` (200,000). Above this many rows, the
        analysis works on a random sample of ``max_rows`` rows stratified by the label and
        the sensitive attributes, drawn with ``options.seed`` (``result.sample``; JSON
        ``sample``); None analyses every row.
    **keywords
        The older keyword options, still accepted: detector options (``filter_by``,
        ``rank_by``, ``frac_noise``, ``min_examples_per_class``, ``adjust_pred_probs``,
        ``n_jobs``, ``model``, ``n_splits``) and fields of :class:`AuditOptions`
        (``reference``, ``min_group_size``, ``level``, ``seed`` ...), which override
        ``options``.

    Returns
    -------
    LabelIssues
    """
    detector_keywords, audit_keywords = _split_keywords(keywords)
    options = AuditOptions.resolve(options, **audit_keywords)
    feature_cols = list(features if features is not None else spec.features)
    _check_labelled(spec)
    chosen = choose_source(spec, source, feature_cols, detector, frame=frame)
    notes: list[str] = []
    passed_over = spec.score[0] if (chosen == "features" and spec.score
                                    and not score_is_probability(spec)) else None
    sample = row_sample(frame, spec, max_rows=max_rows, seed=options.seed)
    if sample is not None:
        frame = sample.frame_of(frame)
    enc = encode_frame(frame, spec)
    warnings = list(enc.warnings)
    k = max(len(enc.classes), 2)
    det = _configured(detector, detector_for_source(chosen), options.seed, detector_keywords)
    used_score = None
    if chosen == "proba":
        data = DetectorInput(labels=enc.y, n_classes=k, proba=enc.proba, progress=progress)
    elif chosen == "score":
        data, used_score = _score_input(enc, spec, score_column, notes, progress)
    else:
        feats = _feature_frame(frame, spec, feature_cols)
        warnings.extend(feature_leak_warnings(frame, spec, feature_cols))
        if pred_probs is not None:
            detection = _precomputed(det, enc, pred_probs, feats, options.seed, warnings)
            detection.notes = [*notes, *detection.notes]
            found = _result(detection, enc.y, enc.classes, "features", enc.attributes,
                            spec=spec, score_column=None, options=options, warnings=warnings,
                            features=feature_cols, sample=sample)
            found.raw_score = passed_over
            return found
        data = DetectorInput(labels=enc.y, n_classes=k, features=feats, progress=progress)
    if len(np.unique(enc.y)) < 2:
        raise FairLensInputError(E.LABELS_ONE_CLASS.format(value=enc.classes[int(enc.y[0])]))
    detection = det.detect(data)
    detection.notes = [*notes, *detection.notes]
    found = _result(detection, enc.y, enc.classes, chosen, enc.attributes, spec=spec,
                    score_column=used_score, options=options, warnings=warnings,
                    features=feature_cols if chosen == "features" else [], sample=sample)
    found.raw_score = passed_over
    return found


def column_keywords(spec_function: Callable[..., Any]) -> Callable[[Callable], Callable]:
    """Make the column-keyword convenience of ``spec_function`` (the decorated stub gives the
    name and the documentation).

    The one helper behind :func:`label_issues` and :func:`fairlens.labels.analyze_labels`:
    ``data`` and the column roles become a frame and an :class:`~fairlens.AuditSpec` through
    :func:`fairlens.data.frame_and_spec` (the translation every convenience shares); every
    other keyword goes to ``spec_function``.
    """

    def decorate(stub: Callable) -> Callable:
        def convenience(
            data: pd.DataFrame | str | os.PathLike | bytes,
            *,
            label: str,
            sensitive: str | list[str] | None = None,
            proba_prefix: str | None = None,
            score: str | list[str] | None = None,
            pred: str | list[str] | None = None,
            features: list[str] | None = None,
            positive_label: Any = None,
            score_kind: ScoreKind = "probability",
            threshold: float = 0.5,
            favorable: str = "positive",
            time: str | None = None,
            **options: Any,
        ) -> Any:
            frame, spec = frame_and_spec(
                data, label=label, sensitive=sensitive, score=score, pred=pred,
                proba_prefix=proba_prefix, features=features, positive_label=positive_label,
                score_kind=score_kind, threshold=threshold, favorable=favorable, time=time)
            return spec_function(frame, spec, **options)

        convenience.__name__, convenience.__qualname__ = stub.__name__, stub.__qualname__
        convenience.__doc__, convenience.__module__ = stub.__doc__, stub.__module__
        return convenience

    return decorate


@column_keywords(label_issues_spec)
def label_issues(data: pd.DataFrame | str | os.PathLike | bytes, **options: Any) -> LabelIssues:
    """Find probably mislabeled rows of a predictions file, and their rate per group.

    Parameters
    ----------
    data : DataFrame, path or bytes
        One row per case (paths and bytes are read as CSV, TSV or Parquet).
    label : str
        The given-label column.
    sensitive : str or list of str, optional
        Attributes for per-group issue rates (each and their intersection).
    proba_prefix : str, optional
        Prefix of out-of-sample class-probability columns ``<prefix><class>``.
    score : str or list of str, optional
        Probability-of-positive column(s) of binary models (the first is used unless
        ``score_column=`` says otherwise).
    pred : str or list of str, optional
        Predicted-label column(s): kept for the fairness audit, not usable for detection.
    features : list of str, optional
        Feature columns for cross-validated probabilities.
    positive_label : optional
        Positive value of a binary label (inferred when omitted).
    score_kind : {"probability", "raw"}
    threshold : float, default 0.5
        Decision threshold (kept in the mapping; detection does not use it).
    **options
        Keyword options of :func:`label_issues_spec` (``options``, ``detector``,
        ``source``, ``score_column``, ``pred_probs``, ``progress`` and the older keywords).

    Returns
    -------
    LabelIssues

    Examples
    --------
    >>> from fairlens.datasets import make_planted
    >>> from fairlens.labels import label_issues
    >>> planted = make_planted(2_000, seed=1)
    >>> found = label_issues(planted.frame, label="label", score="score", sensitive="group")
    >>> found.by_group[["group", "n", "n_issues"]].shape[0]
    3
    """

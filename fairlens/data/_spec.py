"""The audit specification: which column plays which role, and its automatic proposal."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

Task = Literal["binary", "multiclass", "per_sample"]
ScoreKind = Literal["probability", "raw"]
Favorable = Literal["positive", "negative"]

#: The values ``AuditSpec.favorable`` takes: is a positive prediction the good outcome?
FAVORABLE_CHOICES = ("positive", "negative")

_LABEL_NAMES = (
    "label", "y", "y_true", "target", "truth", "true_label", "ground_truth", "outcome",
    "two_year_recid", "income", "risk", "survived", "default", "is_recid", "class",
)
_SCORE_NAMES = (
    "score", "y_score", "prob", "proba", "probability", "y_prob", "y_proba", "p1", "pred_proba",
    "prediction_score", "risk_score",
)
_PRED_NAMES = ("pred", "y_pred", "prediction", "predicted", "predicted_label", "y_hat", "yhat")
_METRIC_NAMES = ("dice", "iou", "jaccard", "dice_score", "iou_score")
_SENSITIVE_NAMES = (
    "race", "sex", "gender", "ethnicity", "age_cat", "age_group", "agegroup", "religion",
    "nationality", "native_country", "language", "marital_status", "disability", "skin_tone",
    "fitzpatrick", "age",
)


@dataclass
class AuditSpec:
    """Which column plays which role in an audit.

    Exactly one kind of prediction is given: ``score`` (one or more columns, one per model),
    ``pred`` (predicted labels, one or more models), ``proba_prefix`` (multiclass probabilities in
    the columns ``<prefix><class>``) or ``metric`` (per-sample metrics such as per-image Dice/IoU,
    where higher is better).

    Attributes
    ----------
    label : str or None
        True-label column. Optional only for the per-sample metric task.
    sensitive : list of str
        Sensitive-attribute columns; groups are formed for each and for their intersection.
    score, pred, metric : list of str
        Prediction columns of the respective kind.
    proba_prefix : str or None
        Prefix of the class-probability columns.
    features : list of str
        Feature columns (used by explanations, slices and remedies).
    weight : str or None
        Sample-weight column.
    positive_label : Any
        Value of ``label`` (and ``pred``) that is the positive class; inferred when ``None``.
    threshold : float
        Decision rule ``y_hat = 1`` when ``score >= threshold``.
    score_kind : {"probability", "raw"}
        ``"probability"`` scores must lie in [0, 1]; ``"raw"`` scores (e.g. a 1-10 risk decile)
        may have any scale, the threshold is in score units and Brier/calibration are skipped.
    favorable : {"positive", "negative"}
        The direction of harm. ``"positive"`` (the default): a positive prediction is the good
        outcome for the person (a loan approved). ``"negative"``: a positive prediction harms
        (labelled "high risk", a fraud flag). The four-fifths rule and the wording follow it.
    time : str or None
        Time column (a date, a timestamp or a batch id) for the analyses over time.
    """

    label: str | None = None
    sensitive: list[str] = field(default_factory=list)
    score: list[str] = field(default_factory=list)
    pred: list[str] = field(default_factory=list)
    proba_prefix: str | None = None
    metric: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    weight: str | None = None
    positive_label: Any = None
    threshold: float = 0.5
    score_kind: ScoreKind = "probability"
    favorable: Favorable = "positive"
    time: str | None = None

    def __post_init__(self) -> None:
        from fairlens._validation import check_choice

        check_choice("favorable", self.favorable, FAVORABLE_CHOICES)
        # Columns are named by text: a column 0 of a frame built from an array is "0".
        for name in ("label", "weight", "time", "proba_prefix"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                setattr(self, name, str(value))
        for name in ("sensitive", "score", "pred", "metric", "features"):
            value = getattr(self, name)
            if value is None:
                setattr(self, name, [])
            elif isinstance(value, str) or not isinstance(value, Iterable):
                setattr(self, name, [str(value)])
            else:
                setattr(self, name, [str(v) for v in value])

    @property
    def prediction_kinds(self) -> list[str]:
        """Names of the prediction kinds that are set (valid specs have exactly one)."""
        kinds = [k for k in ("score", "pred", "metric") if getattr(self, k)]
        if self.proba_prefix:
            kinds.append("proba_prefix")
        return kinds

    def decision_rule(self, threshold: float | None = None, *, code: bool = False) -> str:
        """The prediction part of the mapping in words, e.g. "predicted positive when score >= 0.5".

        ``threshold`` defaults to the spec's; ``code=True`` wraps column names in backticks
        (Markdown).
        """
        q = "`" if code else ""
        if self.score:
            t = self.threshold if threshold is None else threshold
            return f"predicted positive when {q}{', '.join(self.score)}{q} >= {t:.4g}"
        if self.pred:
            return f"predicted labels in {q}{', '.join(self.pred)}{q}"
        if self.metric:
            return f"per-sample metric(s) {q}{', '.join(self.metric)}{q}"
        return f"class probabilities {q}{self.proba_prefix}*{q}"

    def columns(self, available: Any = None, *, features: bool = False) -> list[str]:
        """The columns this mapping names, in role order, each once.

        Parameters
        ----------
        available : iterable of str, optional
            The data's columns: class-probability columns ``<proba_prefix><class>`` are
            expanded from them, and names the data lacks are dropped.
        features : bool, default False
            Include the feature columns.
        """
        cols: list[Any] = [self.label, *self.sensitive, *self.score, *self.pred, *self.metric,
                           self.weight, self.time]
        if features:
            cols += self.features
        if available is not None:
            names = [str(c) for c in available]
            if self.proba_prefix:
                cols += [c for c in names if c.startswith(self.proba_prefix)
                         and len(c) > len(self.proba_prefix)]
            present = set(names)
            cols = [c for c in cols if c in present]
        return [c for c in dict.fromkeys(cols) if c is not None]

    def problems(self, frame: pd.DataFrame | None = None) -> list[str]:
        """What stops this mapping from being audited (on ``frame``), one sentence each.

        An empty list means the mapping is usable. :func:`fairlens.data.prepare`, the CLI, the
        pages and every analysis use this one check; the messages are those of
        :mod:`fairlens.data._errors`, most important first.

        Parameters
        ----------
        frame : DataFrame, optional
            The data; only its column names are read (so an empty frame with the file's
            columns will do). Without it only the roles themselves are checked.
        """
        from fairlens.data import _errors as E

        out: list[str] = []
        kinds = self.prediction_kinds
        if not kinds:
            out.append(E.NO_PREDICTION)
        elif len(kinds) > 1:
            out.append(E.TOO_MANY_PREDICTION_KINDS.format(kinds=" and ".join(kinds)))
        if not self.sensitive:
            out.append(E.NO_SENSITIVE)
        if self.label is None and self.task != "per_sample":
            out.append(E.NO_LABEL)
        if frame is not None:
            names = list(frame.columns)
            from fairlens.data._load import duplicate_names

            dupes = duplicate_names(names)
            if dupes:
                out.append(E.DUPLICATE_FRAME_COLUMNS.format(cols=", ".join(map(repr, dupes))))
            present = {str(c) for c in names}
            missing = [c for c in self.columns(features=True) if c not in present]
            if missing:
                out.append(E.MISSING_COLUMNS.format(
                    cols=", ".join(map(repr, missing)),
                    available=", ".join(map(repr, names[:40]))
                    + (", ..." if len(names) > 40 else "")))
        roles = {self.label, *self.score, *self.pred, *self.metric}
        out += [E.SENSITIVE_IS_LABEL.format(col=s) for s in self.sensitive if s in roles]
        return out

    @property
    def task(self) -> Task:
        """The kind of audit this spec describes."""
        if self.proba_prefix:
            return "multiclass"
        if self.metric:
            return "per_sample"
        return "binary"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form of the spec."""
        d = asdict(self)
        if isinstance(d["positive_label"], np.generic):
            d["positive_label"] = d["positive_label"].item()
        return d

    @classmethod
    def from_columns(
        cls,
        *,
        label: str | None = None,
        sensitive: str | list[str] | None = None,
        score: str | list[str] | None = None,
        pred: str | list[str] | None = None,
        proba_prefix: str | None = None,
        metric: str | list[str] | None = None,
        features: list[str] | None = None,
        weight: str | None = None,
        positive_label: Any = None,
        threshold: float = 0.5,
        score_kind: ScoreKind = "probability",
        favorable: Favorable = "positive",
        time: str | None = None,
    ) -> AuditSpec:
        """The spec of the column keywords of the conveniences (``fairlens.audit(...)``,
        ``label_issues(...)``, ``find_slices(...)``); a single column may be given as a
        string wherever a list is allowed."""
        return cls(label=label, sensitive=sensitive or [], score=score or [], pred=pred or [],
                   proba_prefix=proba_prefix, metric=metric or [], features=features or [],
                   weight=weight, positive_label=positive_label, threshold=threshold,
                   score_kind=score_kind, favorable=favorable, time=time)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditSpec:
        """Build a spec from :meth:`to_dict` output, ignoring unknown keys."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _first_named(columns: list[str], names: tuple[str, ...], taken: set[str]) -> str | None:
    normalized = {_norm(c): c for c in columns if c not in taken}
    for n in names:
        if n in normalized:
            return normalized[n]
    return None


def _proba_prefix(frame: pd.DataFrame) -> str | None:
    groups: dict[str, list[str]] = {}
    for c in frame.columns:
        m = re.fullmatch(r"(.*?[_\-])(\w+)", c)
        if m and pd.api.types.is_float_dtype(frame[c]):
            groups.setdefault(m.group(1), []).append(c)
    for prefix, cols in groups.items():
        if len(cols) >= 2 and _norm(prefix) in {"p", "prob", "proba", "probability", "score"}:
            sums = frame[cols].sum(axis=1)
            if np.allclose(sums.head(1000), 1.0, atol=1e-3):
                return prefix
    return None


def _is_unit_interval(series: pd.Series) -> bool:
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    s = series.dropna()
    return bool(len(s)) and s.min() >= 0 and s.max() <= 1 and s.nunique() > 2


def guess_roles(frame: pd.DataFrame) -> AuditSpec:
    """The roles of :func:`~fairlens.data.infer_spec` guessed from column names and types:
    label, predictions and sensitive attributes; features and time are left empty (the
    column screening proposes them).

    Label, prediction and sensitive columns are matched against common names (``label``,
    ``y_true``, ``score``, ``y_pred``, ``race``, ``sex`` ...); a generic ``class`` column is
    the label only when no more specific name is there.

    Parameters
    ----------
    frame : pandas.DataFrame
        The loaded data.

    Returns
    -------
    AuditSpec
        Roles that could not be guessed are left empty.
    """
    columns = [str(c) for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)
    taken: set[str] = set()
    label = _first_named(columns, _LABEL_NAMES, taken)
    if label:
        taken.add(label)
    spec = AuditSpec(label=label)
    prefix = _proba_prefix(frame)
    if prefix:
        spec.proba_prefix = prefix
        taken.update(c for c in columns if c.startswith(prefix))
    else:
        metric_cols = [c for c in columns if _norm(c) in _METRIC_NAMES and c not in taken]
        score_cols = [c for c in columns if _norm(c) in _SCORE_NAMES and c not in taken]
        score_cols += [
            c for c in columns
            if c not in taken and c not in score_cols
            and re.match(r"(score|prob|proba|p)_", _norm(c)) and _is_unit_interval(frame[c])
        ]
        pred_cols = [c for c in columns if _norm(c) in _PRED_NAMES and c not in taken]
        if metric_cols:
            spec.metric = metric_cols
        elif score_cols:
            spec.score = score_cols
        elif pred_cols:
            spec.pred = pred_cols
        elif "decile_score" in columns:
            spec.score = ["decile_score"]
            spec.score_kind = "raw"
            spec.threshold = 5.0
        taken.update(spec.metric + spec.score + spec.pred)
    normalized = {_norm(c): c for c in columns if c not in taken}
    sensitive = [normalized[n] for n in _SENSITIVE_NAMES if n in normalized]
    if "age_cat" in [_norm(s) for s in sensitive] and "age" in normalized:
        sensitive = [s for s in sensitive if _norm(s) != "age"]
    spec.sensitive = sensitive
    return spec

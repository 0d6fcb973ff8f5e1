"""Shared pieces of every remedy: the split, the before/after audits, the result, the sentence."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairlens._json import json_safe
from fairlens.auditing import Audit, audit_spec
from fairlens.data import AuditSpec, FairLensInputError, prepare

SCHEMA = "fairlens.remedy/1"
TRADEOFF_SCHEMA = "fairlens.remedy_tradeoff/1"
Method = Literal["thresholds", "reweigh", "expgrad", "fis", "febs"]
Constraint = Literal["demographic_parity", "equal_opportunity", "equalized_odds"]
Objective = Literal["accuracy", "balanced_accuracy"]
METHODS: tuple[str, ...] = ("thresholds", "reweigh", "expgrad", "fis", "febs")
CONSTRAINTS: tuple[str, ...] = ("demographic_parity", "equal_opportunity", "equalized_odds")
OBJECTIVES: tuple[str, ...] = ("accuracy", "balanced_accuracy")
Progress = Callable[[int, int, str], None]

#: The audit-JSON disparity that measures each constraint.
MEASURE = {
    "demographic_parity": "demographic_parity_difference",
    "equal_opportunity": "equal_opportunity_difference",
    "equalized_odds": "equalized_odds_difference",
}
#: How each remedy is named in sentences.
METHOD_TITLES = {
    "thresholds": "Group-specific thresholds",
    "reweigh": "Reweighing (Kamiran-Calders) and retraining",
    "expgrad": "Exponentiated gradient (fairlearn reductions)",
    "fis": "Fair identity scaling (FIS) of the training loss",
    "febs": "Fair error-bound scaling (FEBS) of the training loss",
    "unweighted": "Retraining without fairness weights",
}
PREDICTION_COLUMN = "remedy_prediction"
SCORE_COLUMN = "remedy_score"

MSG_METHOD = "Unknown remedy {value!r}; choose one of {choices}."
MSG_CONSTRAINT = "Unknown constraint {value!r}; choose one of {choices}."
MSG_OBJECTIVE = "Unknown objective {value!r}; choose one of {choices}."
MSG_TOLERANCE = "tolerance must be a number between 0 and 1; got {value!r}."
MSG_TEST_SIZE = "test_size must be between 0.05 and 0.95; got {value!r}."
MSG_TASK = ("Remedies need a binary label and a score or predicted-label column; this mapping is "
            "a {task} audit. Map a binary label and the model's score on the Data page "
            "(CLI: --label COL --score COL).")
MSG_NO_FEATURES = ("The remedy {method!r} retrains a model and needs feature columns. Map them "
                   "(CLI: --features A,B,C) or use --method thresholds, which needs only scores.")
MSG_NO_SCORE = ("Group thresholds need a score column (predicted labels have no threshold to "
                "move). Map the model's score (CLI: --score COL).")
MSG_ATTRIBUTE = "attribute {value!r} is not a sensitive attribute of the mapping ({choices})."
MSG_SMALL_SPLIT = ("The {part} part of the split has {n} rows, too few to {purpose}; use more "
                   "data or change test_size (now {test_size}).")


def check_choice(value: Any, choices: tuple[str, ...], message: str) -> str:
    """``value`` when it is one of ``choices``, else a :class:`FairLensInputError`."""
    if value not in choices:
        raise FairLensInputError(message.format(value=value, choices=", ".join(choices)))
    return str(value)


def check_tolerance(tolerance: Any) -> float:
    """A tolerance in [0, 1]."""
    try:
        t = float(tolerance)
    except (TypeError, ValueError):
        raise FairLensInputError(MSG_TOLERANCE.format(value=tolerance)) from None
    if not (0.0 <= t <= 1.0) or math.isnan(t):
        raise FairLensInputError(MSG_TOLERANCE.format(value=tolerance))
    return t


clean = json_safe


# --- the split ----------------------------------------------------------------------------------

@dataclass
class Split:
    """Which rows fit the remedy and which evaluate it.

    Attributes
    ----------
    fit, test : numpy.ndarray
        Row positions (into the original frame) of the two parts, sorted.
    test_size : float
    seed : int
    stratified_by : list of str
        The columns whose combinations keep their shares in both parts.
    """

    fit: np.ndarray
    test: np.ndarray
    test_size: float
    seed: int
    stratified_by: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The ``split`` entry of the JSON document."""
        return {"method": "stratified random split", "test_size": self.test_size,
                "seed": self.seed, "n_fit": int(len(self.fit)), "n_test": int(len(self.test)),
                "stratified_by": list(self.stratified_by),
                "fit_rows": "all rows not in the held-out part",
                "evaluated_on": "held-out part"}


def make_split(frame: pd.DataFrame, spec: AuditSpec, *, test_size: float, seed: int,
               attribute: str) -> Split:
    """A seeded split that keeps the shares of (label, group) in both parts.

    Strata with a single row cannot be split in proportion; they are merged into one
    "rare" stratum (and the split falls back to an unstratified one if that is still
    impossible).
    """
    from sklearn.model_selection import train_test_split

    try:
        size = float(test_size)
    except (TypeError, ValueError):
        raise FairLensInputError(MSG_TEST_SIZE.format(value=test_size)) from None
    if not 0.05 <= size <= 0.95:
        raise FairLensInputError(MSG_TEST_SIZE.format(value=test_size))
    n = len(frame)
    if n < 20:
        raise FairLensInputError(f"Remedies need at least 20 rows to fit and evaluate; the data "
                                 f"has {n}.")
    strata = frame[spec.label].astype(str) + "|" + frame[attribute].astype(str)
    counts = strata.map(strata.value_counts())
    strata = strata.where(counts >= 2, "(rare)")
    rows = np.arange(n)
    try:
        fit, test = train_test_split(rows, test_size=size, random_state=int(seed),
                                     stratify=strata.to_numpy())
        stratified = [spec.label, attribute]
    except ValueError:
        fit, test = train_test_split(rows, test_size=size, random_state=int(seed))
        stratified = []
    return Split(np.sort(fit), np.sort(test), size, int(seed), stratified)


# --- audits -------------------------------------------------------------------------------------

@dataclass
class AuditOptions:
    """How the before/after audits are computed (the audit's own options)."""

    bootstrap: int = 200
    seed: int = 0
    min_group_size: int = 30
    reference: Any = None

    def run(self, frame: pd.DataFrame, spec: AuditSpec) -> Audit:
        """:func:`fairlens.audit_spec` with these options."""
        ci = "bootstrap" if self.bootstrap > 0 else "wilson"
        return audit_spec(frame, spec, reference=self.reference, bootstrap=int(self.bootstrap),
                          ci=ci, seed=int(self.seed), min_group_size=int(self.min_group_size))


def prediction_spec(spec: AuditSpec) -> AuditSpec:
    """The spec of a remedied file: the label, the attributes, and the remedy's decisions."""
    return replace(spec, score=[], pred=[PREDICTION_COLUMN], metric=[], proba_prefix=None,
                   features=[], threshold=0.5, score_kind="probability")


def score_spec(spec: AuditSpec) -> AuditSpec:
    """The spec of a retrained model's probability scores (threshold 0.5)."""
    return replace(spec, score=[SCORE_COLUMN], pred=[], metric=[], proba_prefix=None,
                   features=[], threshold=0.5, score_kind="probability")


def positive_of(frame: pd.DataFrame, spec: AuditSpec) -> tuple[np.ndarray, list[Any]]:
    """The binary label as 0/1 and the ``[negative, positive]`` label values (validated)."""
    prepared = prepare(frame, replace(spec, features=[], weight=None))
    if prepared.task != "binary":
        raise FairLensInputError(MSG_TASK.format(task=prepared.task))
    return prepared.y.astype(np.int64), prepared.classes


def label_values(y01: np.ndarray, classes: list[Any]) -> np.ndarray:
    """0/1 decisions written in the label's own values (so the audit reads them back)."""
    neg, pos = classes
    if neg is None:
        neg = 0 if pos in (1, True) else f"not {pos}"
    out = np.where(np.asarray(y01) > 0, pos, neg)
    return out


def audit_part(audit: Audit) -> dict[str, Any]:
    """The ``before``/``after`` entry: the audit JSON's ``overall``, ``overall_ci``,
    ``disparities`` and ``equity_scaled`` parts, plus its warnings."""
    doc = audit.to_dict()
    return {"n_rows": doc["n_rows"], "overall": doc["overall"],
            "overall_ci": doc.get("overall_ci", {}), "disparities": doc["disparities"],
            "equity_scaled": doc.get("equity_scaled", {}), "warnings": doc["warnings"]}


# --- the result ---------------------------------------------------------------------------------

@dataclass
class RemedyResult:
    """One remedy, fitted on one part of the data and audited on the held-out part.

    Attributes
    ----------
    method : str
    constraint : str
    tolerance : float
    attribute : str
        The sensitive attribute the remedy acts on.
    split : Split
    before, after : Audit
        The audits of the original predictions and of the remedied ones on the held-out rows.
    artefacts : dict
        JSON-safe description of what the remedy produced (thresholds, weights, model,
        training history...).
    predictions : DataFrame
        The remedied held-out predictions (row, attribute, label, original and remedied
        columns).
    model : object or None
        The retrained model (a scikit-learn object that :mod:`skops` can save), if any.
    sentence : str
    warnings : list of str
    settings : dict
        The options the remedy ran with.
    baseline : Audit or None
        For retraining remedies: the same learner trained without fairness weights, audited
        on the held-out rows (the fair comparison for the learner).
    fit_check : dict
        The constraint on the fitting rows, where the remedy targets it exactly.
    """

    method: str
    constraint: str
    tolerance: float
    attribute: str
    split: Split
    before: Audit
    after: Audit
    artefacts: dict[str, Any]
    predictions: pd.DataFrame
    model: Any = None
    sentence: str = ""
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    baseline: Audit | None = None
    fit_check: dict[str, Any] = field(default_factory=dict)

    @property
    def measure(self) -> str:
        """The audit-JSON disparity of the constraint."""
        return MEASURE[self.constraint]

    def disparity(self, which: str = "after") -> float:
        """The constraint's disparity for :attr:`attribute` on the held-out rows."""
        audit = getattr(self, which)
        table = audit.disparities
        row = table[(table["grouping"] == self.attribute) & (table["measure"] == self.measure)]
        return float(row["value"].iloc[0]) if len(row) else float("nan")

    def accuracy(self, which: str = "after") -> float:
        """Overall accuracy on the held-out rows."""
        return float(getattr(self, which).overall["accuracy"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``fairlens.remedy/1``, see the README)."""
        doc: dict[str, Any] = {
            "schema": SCHEMA,
            "method": self.method,
            "constraint": self.constraint,
            "tolerance": self.tolerance,
            "attribute": self.attribute,
            "measure": self.measure,
            "split": self.split.to_dict(),
            "before": audit_part(self.before),
            "after": audit_part(self.after),
            "artefacts": clean(self.artefacts),
            "fit_check": clean(self.fit_check),
            "sentence": self.sentence,
            "settings": clean(self.settings),
            "warnings": list(self.warnings),
        }
        if self.baseline is not None:
            doc["baseline"] = audit_part(self.baseline)
        return doc

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def predictions_csv(self) -> bytes:
        """The remedied held-out predictions as formula-safe CSV."""
        from fairlens.report import to_csv_bytes

        return to_csv_bytes(self.predictions)

    def model_bytes(self) -> bytes | None:
        """The retrained model in skops format (None when the remedy trains no model)."""
        if self.model is None:
            return None
        import skops.io as sio

        return sio.dumps(self.model)

    def artefact_json(self) -> str:
        """The thresholds / weights / training description as a JSON string."""
        return json.dumps(clean(self.artefacts), indent=2, allow_nan=False)

    def save(self, folder: str | Path) -> dict[str, str]:
        """Write ``remedy.json``, ``artefacts.json``, ``predictions.csv`` and, when there is a
        retrained model, ``model.skops`` into ``folder``; returns the paths written."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"artefacts": out / "artefacts.json", "predictions": out / "predictions.csv"}
        paths["artefacts"].write_text(self.artefact_json())
        paths["predictions"].write_bytes(self.predictions_csv())
        blob = self.model_bytes()
        if blob is not None:
            paths["model"] = out / "model.skops"
            paths["model"].write_bytes(blob)
        paths["result"] = out / "remedy.json"
        self.artefacts["files"] = {k: str(v) for k, v in paths.items()}
        paths["result"].write_text(self.to_json())
        return {k: str(v) for k, v in paths.items()}


# --- sentences ----------------------------------------------------------------------------------

_MEASURE_WORDS = {
    "demographic_parity_difference": "demographic-parity gap",
    "equal_opportunity_difference": "equal-opportunity gap",
    "equalized_odds_difference": "equalized-odds gap",
}


def _num(v: float) -> str:
    return "undefined" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"


def sentence_for(method: str, measure: str, attribute: str, before_gap: float,
                 after_gap: float, before_acc: float, after_acc: float, n_test: int,
                 extra: str = "") -> str:
    """One plain sentence: what the remedy did to the disparity and what it cost.

    Example: "Group-specific thresholds cut the equalized-odds gap (race) from 0.58 to 0.04
    and cost 1.2 points of accuracy on held-out data (2,165 rows)."
    """
    title = METHOD_TITLES.get(method, method)
    words = _MEASURE_WORDS.get(measure, measure.replace("_", " "))
    if math.isnan(before_gap) or math.isnan(after_gap):
        change = f"leave the {words} ({attribute}) undefined"
    elif after_gap < before_gap - 0.005:
        change = f"cut the {words} ({attribute}) from {_num(before_gap)} to {_num(after_gap)}"
    elif after_gap > before_gap + 0.005:
        change = (f"raise the {words} ({attribute}) from {_num(before_gap)} to "
                  f"{_num(after_gap)}")
    else:
        change = f"leave the {words} ({attribute}) about where it was ({_num(after_gap)})"
    points = 100.0 * (after_acc - before_acc)
    if abs(points) < 0.05:
        cost = "leave accuracy unchanged"
    elif points < 0:
        cost = f"cost {abs(points):.1f} points of accuracy"
    else:
        cost = f"gain {points:.1f} points of accuracy"
    plural = method == "thresholds"
    if not plural:
        change, cost = _third(change), _third(cost)
    text = f"{title} {change} and {cost} on held-out data ({n_test:,} rows)"
    if extra:
        text += f"; {extra}"
    return text + "."


def _third(phrase: str) -> str:
    first, _, rest = phrase.partition(" ")
    verbs = {"cost": "costs", "gain": "gains", "leave": "leaves", "cut": "cuts",
             "raise": "raises"}
    return verbs.get(first, first) + " " + rest

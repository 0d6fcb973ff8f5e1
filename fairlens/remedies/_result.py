"""The result of one remedy: :class:`RemedyResult` (schema ``fairlens.remedy/1``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from fairlens._csv import to_csv_bytes
from fairlens._json import json_safe
from fairlens.auditing import Audit
from fairlens.remedies._common import MEASURE, SCHEMA, Split, disparity_of
from fairlens.wording.remedies import fit_notes

SHOWN_METRICS = ("accuracy", "balanced_accuracy", "selection_rate", "tpr", "fpr", "auc")
"""The overall metrics a before/after table shows (those the audits have)."""
SHOWN_DISPARITIES = ("demographic_parity_difference", "equalized_odds_difference",
                     "equal_opportunity_difference")
"""The disparities a before/after table shows, for the remedied attribute."""


def audit_summary(audit: Audit) -> dict[str, Any]:
    """The ``before``/``after`` entry: the audit JSON's ``overall``, ``overall_ci``,
    ``disparities`` and ``equity_scaled`` parts, plus its warnings."""
    doc = audit.to_dict()
    return {"n_rows": doc["n_rows"], "overall": doc["overall"],
            "overall_ci": doc.get("overall_ci", {}), "disparities": doc["disparities"],
            "equity_scaled": doc.get("equity_scaled", {}), "warnings": doc["warnings"]}


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
        The constraint's disparity on the fitting rows (against the tolerance for a remedy
        that takes a constraint; group thresholds add their cross-fitted choice).
    beyond_retraining : dict
        For a remedy that retrains: its held-out gap minus that of the same learner retrained
        without fairness, with a paired bootstrap interval (``difference``, ``low``,
        ``high``, ``level``, ``draws``, ``with_method``, ``without``).
    takes_constraint : bool
        The remedy targets the constraint within :attr:`tolerance` (thresholds, expgrad);
        for the others (reweighing, FIS, FEBS) ``tolerance`` is None and the constraint only
        names the disparity measured.
    """

    method: str
    constraint: str
    tolerance: float | None
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
    takes_constraint: bool = True
    beyond_retraining: dict[str, Any] = field(default_factory=dict)

    SCHEMA: ClassVar[str] = SCHEMA

    @property
    def measure(self) -> str:
        """The audit-JSON disparity of the constraint."""
        return MEASURE[self.constraint]

    def disparity(self, which: str = "after") -> float:
        """The constraint's disparity for :attr:`attribute` on the held-out rows."""
        return disparity_of(getattr(self, which), self.attribute, self.measure)

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
            "takes_constraint": bool(self.takes_constraint),
            "attribute": self.attribute,
            "measure": self.measure,
            "split": self.split.to_dict(),
            "before": audit_summary(self.before),
            "after": audit_summary(self.after),
            "artefacts": json_safe(self.artefacts),
            "fit_check": json_safe(self.fit_check),
            "sentence": self.sentence,
            "settings": json_safe(self.settings),
            "warnings": list(self.warnings),
        }
        if self.baseline is not None:
            doc["baseline"] = audit_summary(self.baseline)
            doc["beyond_retraining"] = json_safe(self.beyond_retraining)
        return doc

    def before_after(self) -> pd.DataFrame:
        """Held-out overall metrics and the constraint disparities, before and after.

        Columns ``measure, kind ("metric" or "disparity"), before, after, baseline``: the
        metrics of :data:`SHOWN_METRICS` that either audit has, then every disparity of
        :data:`SHOWN_DISPARITIES` for :attr:`attribute`. ``baseline`` holds the same learner
        retrained without fairness (None for a remedy that does not retrain).
        """
        rows = []
        base = self.baseline
        for key in SHOWN_METRICS:
            b, a = self.before.overall.get(key), self.after.overall.get(key)
            if b is None and a is None:
                continue
            rows.append({"measure": key, "kind": "metric", "before": b, "after": a,
                         "baseline": None if base is None else base.overall.get(key)})
        for measure in SHOWN_DISPARITIES:
            rows.append({"measure": measure, "kind": "disparity",
                         "before": disparity_of(self.before, self.attribute, measure),
                         "after": disparity_of(self.after, self.attribute, measure),
                         "baseline": None if base is None else
                         disparity_of(base, self.attribute, measure)})
        return pd.DataFrame(rows, columns=["measure", "kind", "before", "after", "baseline"],
                            dtype=object)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``before_after`` (:meth:`before_after`) and ``predictions`` (the remedied held-out
        rows)."""
        return {"before_after": self.before_after(), "predictions": self.predictions}

    def summary_lines(self) -> list[str]:
        """The plain-text summary: the sentence, before/after on held-out rows, the split,
        the fitting-rows check, the files written and the warnings."""
        split = self.split
        aim = (f"{self.constraint}, tolerance {self.tolerance:g}" if self.tolerance is not None
               else f"{self.measure} measured; no constraint")
        base = self.baseline is not None
        lines = [f"FairLens remedy: {self.method} ({aim}) on {self.attribute}; fitted on "
                 f"{len(split.fit):,} rows, evaluated on {len(split.test):,} held-out rows "
                 f"(seed {split.seed})", "", self.sentence, "",
                 f"  {'held-out':<44} {'before':>8} {'after':>8}"
                 + (f" {'retrained':>10}" if base else "")]
        table = self.before_after()
        for row in table.itertuples():
            name = row.measure if row.kind == "metric" else f"{row.measure} ({self.attribute})"
            lines.append(f"  {name:<44} {_column(row.before)} {_column(row.after)}"
                         + (f"   {_column(row.baseline)}" if base else ""))
        if base:
            lines.append("  (retrained: the same learner trained without fairness, same split)")
        notes = fit_notes(self.to_dict())
        if notes:
            lines += [""] + notes
        files = self.artefacts.get("files")
        if files:
            lines += ["", "written: " + ", ".join(files.values())]
        if self.warnings:
            lines += ["", "warnings:"] + [f"  - {w}" for w in self.warnings]
        return lines

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def predictions_csv(self) -> bytes:
        """The remedied held-out predictions as formula-safe CSV."""
        return to_csv_bytes(self.predictions)

    def model_bytes(self) -> bytes | None:
        """The retrained model in skops format (None when the remedy trains no model)."""
        if self.model is None:
            return None
        import skops.io as sio

        return sio.dumps(self.model)

    def artefact_json(self) -> str:
        """The thresholds / weights / training description as a JSON string."""
        return json.dumps(json_safe(self.artefacts), indent=2, allow_nan=False)

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


def _column(value: Any) -> str:
    """A number in an 8-wide column with 3 decimals; ``-`` when it is not a number."""
    try:
        return f"{float(value):8.3f}"
    except (TypeError, ValueError):
        return "       -"

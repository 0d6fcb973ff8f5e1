"""The review queue: flagged rows ranked by label quality, the analyst's decisions, and exports.

Decisions are saved as one JSON document per (data, label column) in ``<root>/reviews/``; the
app passes its workspace folder as ``root``. Nothing is pickled. Exports are CSV, made safe
for spreadsheets (cells that a spreadsheet would run as a formula are prefixed with a quote).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairlens._csv import formula_safe, to_csv_bytes  # noqa: F401 - re-exported
from fairlens._json import json_safe
from fairlens._validation import check_choice
from fairlens.data import FairLensInputError
from fairlens.labels import _errors as E
from fairlens.labels._fairness import class_index, relabelled
from fairlens.labels._issues import LabelIssues

REVIEW_SCHEMA = "fairlens.review/1"
DecisionKind = Literal["wrong", "right", "unsure"]
DECISIONS: dict[str, str] = {
    "wrong": "Label wrong",
    "right": "Label right",
    "unsure": "Unsure",
}
"""Review decisions and their display names."""

QUEUE_COLUMNS = ["rank", "row", "label_quality", "given_label", "suggested_label",
                 "suggested_probability", "given_probability", "decision", "corrected_label",
                 "note"]
_KEY_PATTERN = re.compile(r"^[0-9A-Za-z_.-]{1,80}$")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Decision:
    """The analyst's verdict on one row's label.

    Attributes
    ----------
    row : int
        0-based row position in the data.
    decision : {"wrong", "right", "unsure"}
    corrected_label : label value or None
        The correct label for ``"wrong"``; None means the suggested label.
    given_label, suggested_label : label value or None
        What the row showed when it was reviewed (for the record and the export).
    note : str
    updated : str
        ISO 8601 time (UTC).
    """

    row: int
    decision: DecisionKind
    corrected_label: Any = None
    given_label: Any = None
    suggested_label: Any = None
    note: str = ""
    updated: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"row": int(self.row), "decision": self.decision,
                "corrected_label": json_safe(self.corrected_label),
                "given_label": json_safe(self.given_label),
                "suggested_label": json_safe(self.suggested_label),
                "note": str(self.note), "updated": self.updated}


@dataclass
class ReviewLog:
    """All decisions about the labels of one dataset.

    Attributes
    ----------
    data_key : str
        Identifies the data (the app uses the content hash of the file).
    label : str
        The label column reviewed.
    decisions : dict of int to Decision
    created, updated : str
    path : Path or None
        Where it is saved (set by :class:`ReviewStore`).
    """

    data_key: str
    label: str
    decisions: dict[int, Decision] = field(default_factory=dict)
    created: str = ""
    updated: str = ""
    path: Path | None = None

    def decide(self, row: int, decision: str, *, corrected_label: Any = None,
               given_label: Any = None, suggested_label: Any = None, note: str = "",
               n_rows: int | None = None, classes: list[Any] | None = None) -> Decision:
        """Record (or replace) the decision on ``row``.

        Raises
        ------
        FairLensInputError
            For an unknown decision, a row outside the data or a corrected label that is not
            one of ``classes``.
        """
        check_choice("decision", decision, DECISIONS)
        row = int(row)
        if row < 0 or (n_rows is not None and row >= n_rows):
            raise FairLensInputError(E.DECISION_ROW.format(row=row, last=(n_rows or 1) - 1))
        if corrected_label is not None and classes is not None and \
                str(corrected_label) not in {str(c) for c in classes}:
            raise FairLensInputError(E.CORRECTED_LABEL_UNKNOWN.format(value=corrected_label,
                                                                      classes=classes))
        entry = Decision(row=row, decision=decision,  # type: ignore[arg-type]
                         corrected_label=json_safe(corrected_label) if decision == "wrong"
                         else None, given_label=json_safe(given_label),
                         suggested_label=json_safe(suggested_label), note=str(note or ""),
                         updated=_now())
        self.decisions[row] = entry
        self.updated = entry.updated
        return entry

    def decide_for(self, issues: LabelIssues, row: int, decision: str, *,
                   corrected_label: Any = None, note: str = "") -> Decision:
        """:meth:`decide`, filling in the given and suggested labels from ``issues``."""
        row = int(row)
        if not 0 <= row < issues.n_rows:
            raise FairLensInputError(E.DECISION_ROW.format(row=row, last=issues.n_rows - 1))
        return self.decide(row, decision, corrected_label=corrected_label,
                           given_label=issues.class_value(issues.labels[row]),
                           suggested_label=issues.class_value(issues.suggested[row]), note=note,
                           n_rows=issues.n_rows, classes=issues.classes)

    def clear(self, row: int) -> None:
        """Forget the decision on ``row``."""
        if self.decisions.pop(int(row), None) is not None:
            self.updated = _now()

    def counts(self) -> dict[str, int]:
        """Number of decisions of each kind."""
        out = dict.fromkeys(DECISIONS, 0)
        for d in self.decisions.values():
            out[d.decision] += 1
        return out

    def corrections(self, issues: LabelIssues | None = None) -> dict[int, Any]:
        """Rows marked "label wrong" and their correct label.

        The corrected label where the analyst gave one, else the suggested label (from
        ``issues`` when given, else as recorded).
        """
        out = {}
        for row, d in sorted(self.decisions.items()):
            if d.decision != "wrong":
                continue
            value = d.corrected_label
            if value is None and issues is not None and row < issues.n_rows:
                value = issues.class_value(issues.suggested[row])
            if value is None:
                value = d.suggested_label
            if value is not None:
                out[row] = value
        return out

    def frame(self) -> pd.DataFrame:
        """The decisions as a table (one row per reviewed row)."""
        rows = [d.to_dict() for _, d in sorted(self.decisions.items())]
        return pd.DataFrame(rows, columns=["row", "decision", "corrected_label", "given_label",
                                           "suggested_label", "note", "updated"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``fairlens.review/1``)."""
        return {"schema": REVIEW_SCHEMA, "data_key": self.data_key, "label": self.label,
                "created": self.created, "updated": self.updated,
                "decisions": [d.to_dict() for _, d in sorted(self.decisions.items())]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReviewLog:
        """Read a document written by :meth:`to_dict`."""
        decisions = {}
        for item in data.get("decisions", []):
            if item.get("decision") not in DECISIONS:
                continue
            known = {k: v for k, v in item.items() if k in Decision.__dataclass_fields__}
            d = Decision(**known)
            d.row = int(d.row)
            decisions[d.row] = d
        return cls(data_key=str(data.get("data_key", "")), label=str(data.get("label", "")),
                   decisions=decisions, created=str(data.get("created", "")),
                   updated=str(data.get("updated", "")))


class ReviewStore:
    """Review logs saved as JSON in ``<root>/reviews/``.

    Parameters
    ----------
    root : path
        The folder (the app passes its workspace folder); created on the first save.
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).expanduser()

    @property
    def folder(self) -> Path:
        """``<root>/reviews``."""
        return self.root / "reviews"

    def path(self, data_key: str, label: str) -> Path:
        """The file of the log for ``data_key`` and the label column ``label``."""
        if not _KEY_PATTERN.match(str(data_key)):
            raise FairLensInputError(f"Invalid data key {data_key!r} for a review file.")
        digest = hashlib.sha256(str(label).encode("utf-8")).hexdigest()[:12]
        return self.folder / f"{data_key}-{digest}.json"

    def load(self, data_key: str, label: str) -> ReviewLog:
        """The saved log, or a new empty one.

        Raises
        ------
        FairLensInputError
            When the file exists but is unreadable, of another schema or of other data.
        """
        path = self.path(data_key, label)
        if not path.is_file():
            now = _now()
            return ReviewLog(data_key=str(data_key), label=str(label), created=now,
                             updated=now, path=path)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise FairLensInputError(E.REVIEW_UNREADABLE.format(path=path, detail=exc)) from exc
        if data.get("schema") != REVIEW_SCHEMA:
            raise FairLensInputError(E.REVIEW_SCHEMA.format(path=path, schema=data.get("schema"),
                                                            expected=REVIEW_SCHEMA))
        if data.get("data_key") != str(data_key) or data.get("label") != str(label):
            raise FairLensInputError(E.REVIEW_OTHER_DATA.format(
                path=path, found=(data.get("data_key"), data.get("label")),
                expected=(data_key, label)))
        log = ReviewLog.from_dict(data)
        log.path = path
        return log

    def save(self, log: ReviewLog) -> Path:
        """Write ``log`` atomically (a crash never leaves a half-written file)."""
        path = self.path(log.data_key, log.label)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not log.created:
            log.created = _now()
        text = json.dumps(log.to_dict(), indent=2, allow_nan=False)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        log.path = path
        return path

    def delete(self, data_key: str, label: str) -> None:
        """Remove the saved log (if any)."""
        self.path(data_key, label).unlink(missing_ok=True)


def review_queue(issues: LabelIssues, frame: pd.DataFrame | None = None, *,
                 log: ReviewLog | None = None, columns: list[str] | None = None,
                 include_reviewed: bool = True) -> pd.DataFrame:
    """Flagged rows ranked by label quality, with their attributes, features and decisions.

    Parameters
    ----------
    issues : LabelIssues
    frame : DataFrame, optional
        The data, for the extra ``columns``.
    log : ReviewLog, optional
        Decisions to show next to the rows.
    columns : list of str, optional
        Columns of ``frame`` to show (default: the mapping's features, else every column that
        is not the label).
    include_reviewed : bool, default True
        Also list reviewed rows that are not flagged (after the flagged ones).

    Returns
    -------
    DataFrame
        :data:`QUEUE_COLUMNS` around the sensitive attributes and the chosen columns; ``rank``
        is 1 for the row most likely mislabeled.
    """
    if frame is not None:
        frame = issues.analysed_frame(frame)
    rows = issues.ranked_rows
    if include_reviewed and log is not None and log.decisions:
        extra = np.array(sorted(set(log.decisions) - set(rows.tolist())), dtype=np.int64)
        extra = extra[extra < issues.n_rows]
        rows = np.concatenate([rows, extra])
    classes = np.asarray(issues.classes, dtype=object)
    given, suggested = issues.labels[rows], issues.suggested[rows]
    out = pd.DataFrame({
        "rank": np.where(issues.mask[rows], np.arange(1, len(rows) + 1), 0).astype(np.int64),
        "row": rows.astype(np.int64),
        "label_quality": issues.quality[rows],
        "given_label": classes[given],
        "suggested_label": classes[suggested],
        "suggested_probability": issues.detection.proba[rows, suggested],
        "given_probability": issues.detection.proba[rows, given],
    })
    attrs = issues.group_of_rows(rows)
    for c in attrs.columns:
        out[c] = attrs[c].to_numpy()
    if frame is not None:
        spec = issues.spec
        if columns is None:
            taken = {spec.label} if spec is not None else set()
            chosen = list(spec.features) if spec is not None and spec.features else \
                [c for c in frame.columns if c not in taken]
        else:
            chosen = list(columns)
        chosen = [c for c in chosen if c in frame.columns and c not in out.columns]
        part = frame[chosen].iloc[rows].reset_index(drop=True)
        for c in chosen:
            out[str(c)] = part[c].to_numpy()
    decisions = log.decisions if log is not None else {}
    out["decision"] = [DECISIONS[decisions[r].decision] if r in decisions else ""
                       for r in out["row"]]
    out["corrected_label"] = pd.Series(
        [decisions[r].corrected_label if r in decisions else None for r in out["row"]],
        dtype=object)
    out["note"] = [decisions[r].note if r in decisions else "" for r in out["row"]]
    return out


def corrected_labels(frame: pd.DataFrame, issues: LabelIssues, log: ReviewLog) -> pd.Series:
    """The label column with the reviewed corrections applied (rows marked "label wrong")."""
    rows, classes = [], []
    for row, value in log.corrections(issues).items():
        k = class_index(issues, value)
        if k is not None and row < issues.n_rows:
            rows.append(row)
            classes.append(k)
    positions = np.array(rows, dtype=np.int64)
    if issues.sample is not None and len(frame) == issues.sample.rows_in_data:
        positions = issues.data_rows(positions)
    return relabelled(frame, issues, positions, np.array(classes, dtype=np.int64))


def review_csv(issues: LabelIssues, frame: pd.DataFrame | None = None, *,
               log: ReviewLog | None = None, columns: list[str] | None = None) -> bytes:
    """The review queue with its decisions as formula-safe CSV."""
    return to_csv_bytes(review_queue(issues, frame, log=log, columns=columns))

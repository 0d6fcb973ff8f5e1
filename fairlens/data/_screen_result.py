"""The result of the column screening: one :class:`ColumnScreen` per column, in a
:class:`Screening` (its JSON is the ``fairlens.inspect/1`` document)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fairlens.data._spec import AuditSpec

#: The roles a column can get.
ROLES = ("label", "score", "pred", "proba", "metric", "sensitive", "feature", "weight", "time",
         "excluded")
#: Why a column is left out of the features.
REASONS = ("identifier", "free_text", "empty", "constant", "mostly_missing", "date",
           "label_leak", "score_copy", "duplicate")


@dataclass(frozen=True)
class ColumnScreen:
    """One column's proposed role.

    Attributes
    ----------
    name : str
        The column (as text).
    dtype : str
        Its pandas dtype.
    role : str
        One of :data:`ROLES`.
    reason : str or None
        Why it is not a feature (one of :data:`REASONS`); None for features and for roles
        that were given. The proposed ``time`` column has the reason ``"date"``.
    detail : float or None
        The number behind the reason: the share of distinct values (identifier), words a
        value (free text), missing share (empty, mostly missing), share of rows holding the
        one value (constant), share of values read as dates (date), the cross-fitted AUC or
        the purity (label leak), Spearman's |rho| (score copy).
    basis : str or None
        How the reason was found, for the sentence: ``"named"``, ``"sequential"``
        (identifiers); ``"values"``, ``"missingness"``, ``"function"``, ``"implied"`` (leaks);
        ``"rank"``, ``"binning"``, ``"other_model"`` (score copies).
    against : str or None
        The column a score copy follows, or the leak column an implied leak goes with.
    state, against_state : str or None
        For an implied leak: the column's value that goes with one value of ``against``
        (None: being filled in), and that value of ``against`` ("": missing).
    """

    name: str
    dtype: str
    role: str
    reason: str | None = None
    detail: float | None = None
    basis: str | None = None
    against: str | None = None
    state: str | None = None
    against_state: str | None = None

    @property
    def text(self) -> str | None:
        """The reason as one sentence for a person; None for a feature or a given role."""
        from fairlens.data._screen_text import reason_sentence

        return reason_sentence(self)

    def to_dict(self) -> dict[str, Any]:
        """``{name, dtype, role, reason, detail, text}`` (plain JSON)."""
        detail = None if self.detail is None else round(float(self.detail), 4)
        return {"name": self.name, "dtype": self.dtype, "role": self.role,
                "reason": self.reason, "detail": detail, "text": self.text}


@dataclass
class Screening:
    """Every column's proposed role, and the mapping they make.

    Attributes
    ----------
    columns : list of ColumnScreen
        One per column, in the frame's order.
    spec : AuditSpec
        The given or guessed roles with ``features`` the proposed features and ``time``
        the proposed (or given) time column.
    """

    columns: list[ColumnScreen]
    spec: AuditSpec

    SCHEMA = "fairlens.inspect/1"

    @property
    def features(self) -> list[str]:
        """The proposed features, in column order."""
        return [c.name for c in self.columns if c.role == "feature"]

    @property
    def excluded(self) -> dict[str, str]:
        """Column -> reason code, for the columns left out."""
        return {c.name: str(c.reason) for c in self.columns if c.role == "excluded"}

    def column(self, name: str) -> ColumnScreen:
        """The screen of one column (KeyError when the frame has no such column)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def reason_text(self, name: str) -> str | None:
        """Why ``name`` is left out (or proposed as time), in one sentence; None for a
        feature or a given role."""
        return self.column(name).text

    @property
    def warnings(self) -> list[str]:
        """What the screening could not check."""
        from fairlens.data._screen_text import screening_warnings

        return screening_warnings(self)

    def mapping_lines(self) -> list[str]:
        """The proposed mapping, one line per role and the features."""
        from fairlens.data._screen_text import mapping_lines

        return mapping_lines(self)

    def summary_lines(self) -> list[str]:
        """The proposed mapping and each left-out column's reason, for a terminal."""
        from fairlens.data._screen_text import summary_lines

        return summary_lines(self)

    def to_dict(self) -> dict[str, Any]:
        """The ``fairlens.inspect/1`` document: ``schema``, ``spec`` (the proposed mapping, as
        the audit config writes it), ``columns`` and ``warnings``."""
        from fairlens._json import json_safe

        return json_safe({"schema": self.SCHEMA, "spec": self.spec.to_dict(),
                          "columns": [c.to_dict() for c in self.columns],
                          "warnings": self.warnings})

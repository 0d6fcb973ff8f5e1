"""The result of a slice search: :class:`Slice`, :class:`SliceResult` and :func:`slice_mask`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fairlens._json import json_safe
from fairlens.data import FairLensInputError
from fairlens.wording.slices import slice_line, summary_header

SCHEMA = "fairlens.slices/1"


@dataclass
class Slice:
    """One reported slice.

    Attributes
    ----------
    conditions : list of dict
        ``{"feature", "op", "value"}`` with ``op`` one of ``==``, ``<``, ``>=``, ``between``
        (``value`` ``[low, high]``: ``low <= x < high``); ``==`` with ``None`` means missing.
    description : str
        The slice in plain language, with its error, size and main group.
    n : int
        Rows in the slice.
    error_rate : float
        Mean error in the slice (an error rate for 0/1 errors).
    ci : list of float
        95 % Wilson interval of the error rate (0/1 errors) or t interval of the mean error.
    lift : float
        ``error_rate`` divided by the overall mean error.
    score : float
        SliceLine score.
    p_value, q_value : float
        Two-sided p-value of the slice against the rest of the data (see
        :func:`find_slices`, ``significance``) and its Benjamini-Hochberg q-value.
    significant : bool
        ``q_value <= fdr`` and the slice errs more than the rest.
    composition : dict
        ``{attribute: {value: share of the slice's rows}}`` for each sensitive attribute.
    """

    conditions: list[dict[str, Any]]
    description: str
    n: int
    error_rate: float
    ci: list[float]
    lift: float
    score: float
    p_value: float
    q_value: float
    significant: bool
    composition: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class SliceResult:
    """Result of :func:`find_slices_spec`; serialises to JSON (schema ``fairlens.slices/1``)."""

    SCHEMA: ClassVar[str] = SCHEMA

    slices: list[Slice]
    n: int
    overall_error: float
    error: str
    n_examined: int
    n_pruned: int
    n_collapsed: int
    significance: str
    fdr: float
    overall_composition: dict[str, dict[str, float]]
    warnings: list[str]
    params: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The slices as a table, one row per slice (conditions as their description)."""
        rows = [{k: v for k, v in asdict(s).items() if k not in ("conditions", "composition")}
                for s in self.slices]
        cols = ["description", "n", "error_rate", "ci", "lift", "score", "p_value",
                "q_value", "significant"]
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with ``schema``, ``slices`` and ``warnings`` (NaN as ``None``)."""
        return json_safe({"schema": SCHEMA, "n": self.n, "overall_error": self.overall_error,
                "error": self.error, "n_examined": self.n_examined, "n_pruned": self.n_pruned,
                "n_collapsed": self.n_collapsed, "significance": self.significance,
                "fdr": self.fdr, "slices": [asdict(s) for s in self.slices],
                "overall_composition": self.overall_composition,
                "warnings": list(self.warnings), "params": dict(self.params)})

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (NaN written as ``null``)."""
        return json.dumps(self.to_dict(), **kwargs)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result as tables: ``{"slices": to_frame()}``."""
        return {"slices": self.to_frame()}

    def summary_lines(self) -> list[str]:
        """The plain-text summary of ``fairlens slices``, one line each."""
        lines = [summary_header(self.n, self.error, self.overall_error, self.n_examined)]
        lines.extend(f"{i:>3}. {slice_line(s.description, s.significant, s.q_value)}"
                     for i, s in enumerate(self.slices, 1))
        lines.extend(f"warning: {w}" for w in self.warnings)
        return lines

    def mask(self, frame: pd.DataFrame, i: int) -> np.ndarray:
        """Boolean mask of the rows of slice ``i`` in ``frame``."""
        return slice_mask(frame, self.slices[i].conditions)


def slice_mask(frame: pd.DataFrame, conditions: list[dict[str, Any]]) -> np.ndarray:
    """Rows of ``frame`` that satisfy every condition (the JSON form of a slice).

    Parameters
    ----------
    frame : DataFrame
    conditions : list of dict
        ``{"feature", "op", "value"}`` with ``op`` in ``==``, ``in``, ``<``, ``<=``, ``>``,
        ``>=``, ``between`` (``[low, high]``, ``low <= x < high``); ``==`` ``None`` is missing.

    Returns
    -------
    ndarray of bool
    """
    mask = np.ones(len(frame), dtype=bool)
    for c in conditions:
        s = frame[c["feature"]]
        op, v = c["op"], c["value"]
        if op == "==" and v is None:
            m = s.isna().to_numpy()
        elif op == "==":
            m = (s.astype("object") == v).to_numpy() if not isinstance(v, int | float) else (
                (s == v).to_numpy())
            if not m.any() and not isinstance(v, str):
                m = (s.astype(str) == str(v)).to_numpy()
        elif op == "in":
            m = s.isin(list(v)).to_numpy()
        else:
            x = s.to_numpy(dtype=np.float64, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                if op == "<":
                    m = x < v
                elif op == "<=":
                    m = x <= v
                elif op == ">":
                    m = x > v
                elif op == ">=":
                    m = x >= v
                elif op == "between":
                    m = (x >= v[0]) & (x < v[1])
                else:
                    raise FairLensInputError(
                        f"Unknown condition op {op!r}; use one of ==, in, <, <=, >, >=, between.")
        mask &= np.asarray(m, dtype=bool)
    return mask

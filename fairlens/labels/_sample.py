"""Big files: label errors on a stated, seeded, stratified sample of the rows.

Finding label errors needs every analysed row in memory (cleanlab works on the ``(n, k)``
probabilities; the cross-validated model trains on the rows five times), unlike the audit,
whose tables any engine builds in one pass. Above :data:`MAX_ROWS` rows, the analysis works on
a random sample of exactly :data:`MAX_ROWS` rows, stratified by the label and every sensitive
attribute (each stratum keeps its share of the rows, and at least one row), drawn with the
audit's seed, and says so in the result (:class:`RowSample`, JSON ``sample``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import AuditSpec, FairLensInputError
from fairlens.labels import _errors as E

MAX_ROWS = 200_000
"""Label errors work on at most this many rows; larger data is sampled (see the module)."""
MIN_MAX_ROWS = 100
"""The smallest ``max_rows`` accepted."""


@dataclass(frozen=True)
class RowSample:
    """Which rows of the data a label analysis worked on.

    Attributes
    ----------
    rows : numpy.ndarray
        0-based positions in the data of the analysed rows, ascending.
    rows_in_data : int
        Rows of the data.
    limit : int
        The row limit that made the sample (:data:`MAX_ROWS` by default).
    seed : int
    strata : list of str
        The columns the sample is stratified by (label, then sensitive attributes).
    """

    rows: np.ndarray
    rows_in_data: int
    limit: int
    seed: int
    strata: list[str] = field(default_factory=list)

    @property
    def rows_analysed(self) -> int:
        """Rows in the sample."""
        return int(len(self.rows))

    def frame_of(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The sampled rows of ``frame`` (the whole data), renumbered from 0; a frame that
        already has the sample's length is returned as it is."""
        if len(frame) == self.rows_in_data and len(frame) != self.rows_analysed:
            return frame.iloc[self.rows].reset_index(drop=True)
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``rows_in_data``, ``rows_analysed``, ``limit``, ``seed``, ``stratified_by``
        (the rows themselves are not listed; the seed and the data give them back)."""
        return {"rows_in_data": int(self.rows_in_data), "rows_analysed": self.rows_analysed,
                "limit": int(self.limit), "seed": int(self.seed),
                "stratified_by": list(self.strata)}


def check_max_rows(max_rows: Any) -> int | None:
    """``max_rows`` as an int (None: no limit; ``"auto"``: :data:`MAX_ROWS`, read when called)."""
    if max_rows is None:
        return None
    if isinstance(max_rows, str) and max_rows == "auto":
        return MAX_ROWS
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) \
            or max_rows < MIN_MAX_ROWS:
        raise FairLensInputError(E.MAX_ROWS_RANGE.format(minimum=MIN_MAX_ROWS, value=max_rows))
    return int(max_rows)


def stratified_rows(strata: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Positions of a seeded sample of ``size`` rows, proportional to the strata.

    Every stratum gets its share of ``size`` rounded down, at least one row, and the rows left
    go to the strata with the largest remainders (largest first, then the first stratum), so
    the sample has exactly ``size`` rows unless the one-row minimum of many tiny strata adds
    a few.
    """
    n = len(strata)
    counts = np.bincount(strata)
    share = counts * (size / n)
    take = np.minimum(np.maximum(np.floor(share).astype(np.int64), 1), counts)
    left = size - int(take.sum())
    order = np.lexsort((np.arange(len(counts)), -(share - np.floor(share))))
    while left > 0:
        open_ = order[take[order] < counts[order]][:left]
        if not len(open_):
            break
        take[open_] += 1
        left -= len(open_)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    order = order[np.argsort(strata[order], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(n) - starts[strata[order]]
    return np.sort(order[rank < take[strata[order]]])


def row_sample(frame: pd.DataFrame, spec: AuditSpec, *, max_rows: int | str | None = "auto",
               seed: int = 0) -> RowSample | None:
    """The sample to analyse when ``frame`` has more than ``max_rows`` rows, else None.

    Stratified by the label and the sensitive attributes that ``frame`` has (missing values are
    a stratum of their own).
    """
    limit = check_max_rows(max_rows)
    if limit is None or len(frame) <= limit:
        return None
    cols = [c for c in dict.fromkeys([spec.label, *spec.sensitive]) if c in frame.columns]
    if cols:
        strata = frame.groupby(cols, dropna=False, sort=True, observed=True).ngroup()
        codes = strata.to_numpy(dtype=np.int64)
    else:
        codes = np.zeros(len(frame), dtype=np.int64)
    rows = stratified_rows(codes, limit, seed)
    return RowSample(rows=rows, rows_in_data=len(frame), limit=limit, seed=int(seed),
                     strata=[str(c) for c in cols])

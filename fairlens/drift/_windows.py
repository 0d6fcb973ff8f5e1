"""Windows over time: which window each row belongs to, and each window's name for a person.

A window is a calendar period (``"day"``, ``"week"``, ``"month"``, ``"quarter"``) of a date or
timestamp column, a fixed number of rows (``"rows:N"``, in time order when a time column is
given, else in file order) or one value of a batch-id column (``"batch"``). Rows whose time is
missing belong to no window (code ``-1``); the caller says so in its warnings.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairlens.data import FairLensInputError
from fairlens.wording import fmt_int

CALENDAR = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}
WINDOW_CHOICES = ("day", "week", "month", "quarter", "rows:N", "batch")
_ROWS = re.compile(r"^rows:(\d+)$")

MSG_WINDOW = ("Unknown window {value!r}; choose day, week, month, quarter, rows:N (a fixed "
              "number of rows, e.g. rows:10000) or batch (each value of the time column).")
MSG_ROWS_SIZE = "rows:N needs N of at least 2; got {value!r}."
MSG_NO_TIME = ("The {kind} windows need a time column: name it (AuditSpec.time, CLI --time "
               "COL), or use --window rows:N to cut the file into windows of N rows.")
MSG_NOT_DATES = ("Column {col!r} has values that are not dates or timestamps (for example "
                 "{example!r}); fix them, or use --window batch to treat each value as a batch "
                 "id.")
MSG_NUMBERS = ("Column {col!r} holds numbers, not dates: calendar windows ({kind}) need dates. "
               "Use --window batch (each value a window) or rows:N (windows of N rows in the "
               "order of this column).")
MSG_ALL_MISSING = "The time column {col!r} is empty: no row can be placed in a window."


@dataclass
class WindowPlan:
    """The window of every row.

    Attributes
    ----------
    kind : str
        ``"day"``, ``"week"``, ``"month"``, ``"quarter"``, ``"rows"`` or ``"batch"``.
    codes : numpy.ndarray
        Window index per row (``int64``), ``-1`` for rows in no window.
    labels : list of str
        The window names for a person (``"March 2026"``, ``"rows 1-10,000"``, ``"batch 7"``),
        in time order.
    starts, ends : list
        First and last moment of each window: ISO dates for calendar windows, the first and
        last time value for row windows (row numbers without a time column), the batch id
        for batches.
    missing : int
        Rows whose time is missing (in no window).
    """

    kind: str
    codes: np.ndarray
    labels: list[str]
    starts: list[Any]
    ends: list[Any]
    missing: int = 0

    @property
    def n_windows(self) -> int:
        """Number of windows (each holds at least one row)."""
        return len(self.labels)


def parse_window(window: str) -> tuple[str, int]:
    """``"month"`` -> ``("month", 0)``, ``"rows:5000"`` -> ``("rows", 5000)``.

    Raises
    ------
    FairLensInputError
        For any other text.
    """
    text = str(window).strip().lower()
    if text in CALENDAR or text == "batch":
        return text, 0
    match = _ROWS.match(text.replace(" ", ""))
    if not match:
        raise FairLensInputError(MSG_WINDOW.format(value=window))
    size = int(match.group(1))
    if size < 2:
        raise FairLensInputError(MSG_ROWS_SIZE.format(value=window))
    return "rows", size


def as_datetimes(series: pd.Series) -> pd.Series:
    """The column as naive timestamps (NaT where missing); strings are parsed.

    Each distinct value is parsed once (logs repeat their dates). Time-zone aware timestamps
    keep their local clock time.

    Raises
    ------
    FairLensInputError
        When a value that is not missing is not a date.
    """
    col = str(series.name)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Series(uniques).astype(str)
    parsed = pd.to_datetime(text, errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        parsed[bad] = pd.to_datetime(text[bad], errors="coerce", format="mixed")
        bad = parsed.isna().to_numpy()
    if bad.any():
        raise FairLensInputError(MSG_NOT_DATES.format(col=col, example=uniques[np.argmax(bad)]))
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    values = parsed.to_numpy()
    out = np.full(len(series), np.datetime64("NaT"), dtype=values.dtype)
    present = codes >= 0
    out[present] = values[codes[present]]
    return pd.Series(out, index=series.index, name=series.name)


def _dense_codes(keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Window index per row (``-1`` where not valid) and the distinct keys in order."""
    codes = np.full(len(keys), -1, dtype=np.int64)
    if not valid.any():
        return codes, np.array([], dtype=np.int64)
    k = keys[valid]
    lo, hi = int(k.min()), int(k.max())
    if hi - lo <= 10_000_000:
        present = np.flatnonzero(np.bincount(k - lo, minlength=hi - lo + 1))
        lookup = np.full(hi - lo + 1, -1, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        codes[valid] = lookup[k - lo]
        return codes, present + lo
    distinct, inverse = np.unique(k, return_inverse=True)
    codes[valid] = inverse
    return codes, distinct


def _period_name(period: pd.Period, kind: str) -> str:
    start = period.start_time
    if kind == "month":
        return f"{calendar.month_name[start.month]} {start.year}"
    if kind == "quarter":
        return f"Q{period.quarter} {start.year}"
    day = f"{start.day} {calendar.month_name[start.month]} {start.year}"
    return f"week of {day}" if kind == "week" else day


def _calendar_plan(series: pd.Series, kind: str) -> WindowPlan:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        raise FairLensInputError(MSG_NUMBERS.format(col=series.name, kind=kind))
    times = as_datetimes(series)
    valid = times.notna().to_numpy()
    if not valid.any():
        raise FairLensInputError(MSG_ALL_MISSING.format(col=series.name))
    freq = CALENDAR[kind]
    ordinals = np.zeros(len(times), dtype=np.int64)
    ordinals[valid] = pd.PeriodIndex(times[valid], freq=freq).asi8
    codes, distinct = _dense_codes(ordinals, valid)
    periods = [pd.Period(ordinal=int(o), freq=freq) for o in distinct]
    return WindowPlan(
        kind=kind, codes=codes, labels=[_period_name(p, kind) for p in periods],
        starts=[p.start_time.date().isoformat() for p in periods],
        ends=[p.end_time.date().isoformat() for p in periods],
        missing=int((~valid).sum()))


def _sort_values(series: pd.Series) -> tuple[np.ndarray, np.ndarray, Any]:
    """Sortable keys of a time column (timestamps or numbers), validity, and the values."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, ~np.isnan(values), values
    times = as_datetimes(series)
    valid = times.notna().to_numpy()
    keys = times.to_numpy().astype("datetime64[ns]").view(np.int64)
    return keys, valid, times


def _time_text(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value.item() if isinstance(value, np.generic) else value


def _rows_plan(series: pd.Series | None, n_rows: int, size: int) -> WindowPlan:
    if series is None:
        order = np.arange(n_rows)
        valid = np.ones(n_rows, dtype=bool)
        values = None
    else:
        keys, valid, values = _sort_values(series)
        if not valid.any():
            raise FairLensInputError(MSG_ALL_MISSING.format(col=series.name))
        rows = np.flatnonzero(valid)
        order = rows[np.argsort(keys[rows], kind="stable")]
    codes = np.full(n_rows, -1, dtype=np.int64)
    codes[order] = np.arange(len(order)) // size
    n_windows = -(-len(order) // size)
    labels, starts, ends = [], [], []
    for w in range(n_windows):
        first, last = w * size, min((w + 1) * size, len(order)) - 1
        labels.append(f"rows {fmt_int(first + 1)}-{fmt_int(last + 1)}")
        if values is None:
            starts.append(first + 1)
            ends.append(last + 1)
        else:
            picked = values.iloc if isinstance(values, pd.Series) else values
            starts.append(_time_text(picked[order[first]]))
            ends.append(_time_text(picked[order[last]]))
    return WindowPlan(kind="rows", codes=codes, labels=labels, starts=starts, ends=ends,
                      missing=int((~valid).sum()))


def _batch_plan(series: pd.Series) -> WindowPlan:
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    if len(uniques) == 0:
        raise FairLensInputError(MSG_ALL_MISSING.format(col=series.name))
    values = [_time_text(v) for v in uniques]
    return WindowPlan(kind="batch", codes=codes.astype(np.int64),
                      labels=[f"batch {v}" for v in values], starts=values, ends=list(values),
                      missing=int((codes < 0).sum()))


def plan_windows(frame: pd.DataFrame, time: str | None, window: str) -> WindowPlan:
    """Assign every row of ``frame`` to a window.

    Parameters
    ----------
    frame : DataFrame
    time : str or None
        The time column (dates, timestamps or batch ids); ``None`` only for ``"rows:N"``
        (file order).
    window : str
        ``"day"``, ``"week"``, ``"month"``, ``"quarter"``, ``"rows:N"`` or ``"batch"``.

    Returns
    -------
    WindowPlan
    """
    kind, size = parse_window(window)
    if time is None and kind != "rows":
        raise FairLensInputError(MSG_NO_TIME.format(kind=kind))
    if time is not None and time not in frame.columns:
        raise FairLensInputError(
            f"Time column {time!r} is not in the data; columns: "
            + ", ".join(map(str, frame.columns[:40])) + ".")
    series = None if time is None else frame[time]
    if kind == "rows":
        return _rows_plan(series, len(frame), size)
    if kind == "batch":
        return _batch_plan(series)
    return _calendar_plan(series, kind)

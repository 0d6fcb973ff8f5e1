"""The entry point :func:`drift_spec`: windows, their audits, the change tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from fairlens.auditing import Audit, AuditOptions
from fairlens.data import AuditSpec, FairLensInputError, prepare
from fairlens.drift._changes import (
    CUSUM_H,
    CUSUM_K,
    Snapshot,
    adjust,
    compare,
    cusum_alarms,
    cusum_arl,
    running_z,
    snapshot,
)
from fairlens.drift._result import Drift, Window, make_changes
from fairlens.drift._tables import WindowTables, build_window_tables
from fairlens.drift._windows import plan_windows
from fairlens.wording import fmt_int, names

#: Changes are reported when q < DEFAULT_ALPHA: monitoring runs every period, so the level is
#: stricter than a single audit's 0.05 (on a stationary log, BH at 0.05 flags something in about
#: 5 runs of 100; at 0.01 in about 1).
DEFAULT_ALPHA = 0.01

#: Score and calibration tables of all windows kept at most (cells; 8 bytes each): above it the
#: windows keep their numbers but not these tables (e.g. 100 windows x 1,000 groups x 4,000 bins).
RETAINED_CELLS = 50_000_000

MSG_BASELINE_INT = ("baseline={value!r}: the first k windows form the baseline, so k must be "
                    "between 1 and the number of windows minus one ({top}).")
MSG_BASELINE_LABEL = "baseline={value!r} is not a window; the windows are {labels}."
MSG_ONE_WINDOW = ("All rows fall into one window ({label}); choose a shorter window (e.g. "
                  "--window week or rows:N) to see changes over time.")


def drift_spec(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    options: AuditOptions | None = None,
    window: str = "month",
    baseline: int | str = 1,
    sequential: bool = False,
    alpha: float = DEFAULT_ALPHA,
    cusum_h: float = CUSUM_H,
) -> Drift:
    """Fairness over time: audit every window of a predictions log and test for changes.

    Parameters
    ----------
    frame : DataFrame
        The log: one row per prediction, with the time column ``spec.time``.
    spec : AuditSpec
        Column roles; ``spec.time`` names the time column (dates, timestamps or batch ids;
        it may be ``None`` only for ``window="rows:N"``, which then follows the file order).
    options : AuditOptions, optional
        The settings of every window's audit (the same bootstrap seed in every window, so
        each window's audit equals ``fairlens.audit_spec`` on its rows).
    window : str, default "month"
        ``"day"``, ``"week"``, ``"month"``, ``"quarter"``, ``"rows:N"`` (windows of N rows,
        in time order) or ``"batch"`` (each value of the time column).
    baseline : int or str, default 1
        The first ``k`` windows pooled (an int), or the label of one reference window.
    sequential : bool, default False
        Also run a two-sided CUSUM monitor on each series (see :mod:`fairlens.drift`).
    alpha : float, default 0.01
        A change is reported when its Benjamini-Hochberg q-value is below ``alpha``.
    cusum_h : float, default 5.0
        The CUSUM decision limit (``k`` is 0.5): 5 gives an in-control average run length of
        about 465 windows per series.

    Returns
    -------
    Drift

    Raises
    ------
    FairLensInputError
        When the time column, the window or the baseline cannot be used.
    """
    options = options if options is not None else AuditOptions()
    alpha = float(alpha)
    if not 0 < alpha < 1:
        raise FairLensInputError(f"alpha must be between 0 and 1; got {alpha!r}.")
    if options.threshold is not None and options.threshold != spec.threshold:
        spec = replace(spec, threshold=options.threshold)
    plan = plan_windows(frame, spec.time, window)
    prepared = prepare(frame, spec)
    tables = build_window_tables(prepared, plan.codes, plan.n_windows,
                                 threshold=spec.threshold, score_kind=spec.score_kind)
    warnings = list(prepared.warnings)
    if plan.missing:
        warnings.append(f"{fmt_int(plan.missing)} row(s) have no value in the time column "
                        f"{spec.time!r}; they belong to no window and are left out.")
    if plan.n_windows < 2:
        raise FairLensInputError(MSG_ONE_WINDOW.format(label=plan.labels[0]))
    base_windows, baseline_label = _baseline(baseline, plan.labels)
    windows, snaps, kept = [], [], _Budget()
    for w in range(plan.n_windows):
        audit = _audit(tables, [w], spec, options, plan.labels[w], warnings)
        snaps.append(snapshot(audit, plan.labels[w]))
        audit.replicates = {}  # read by the snapshot; an audit redraws them when it needs them
        kept.add(audit)
        windows.append(Window(index=w, label=plan.labels[w], start=plan.starts[w],
                              end=plan.ends[w], n=audit.n_rows, audit=audit))
    if kept.over:
        for kept_window in windows:  # not "window": that is the argument, kept in the result
            _drop_score_tables(kept_window.audit)
        warnings.append(
            f"The windows' score tables ({fmt_int(kept.cells)} cells in all) were not kept, to "
            "save memory: every number is reported, but to move the threshold or draw ROC and "
            "calibration curves for one window, audit that window's rows (fairlens.audit_spec).")
    if len(base_windows) == 1:
        base_snap = snaps[base_windows[0]]
    else:
        base_snap = snapshot(_audit(tables, base_windows, spec, options, baseline_label,
                                    warnings), baseline_label)
    tests = _tests(windows, snaps, base_windows, base_snap)
    alarms = cusum_alarms(running_z(snaps), h=cusum_h, k=CUSUM_K) if sequential else (
        pd.DataFrame())
    changes = make_changes(tests, alarms, alpha=alpha, limit=cusum_h)
    for value, word, undefined in ((1.0, "positive", "FPR, TNR"), (0.0, "negative", "TPR, FNR")):
        one_class = [w.label for w in windows
                     if w.audit.primary.overall.get("base_rate") == value]
        if one_class:
            warnings.append(f"In {names(one_class)} every label is {word}: {undefined} and AUC "
                            "are undefined there.")
    small = [w.label for w in windows if w.n < options.min_group_size]
    if small:
        warnings.append(f"Window(s) {names(small)} hold fewer than {options.min_group_size} "
                        "rows: their groups are all below the minimum group size.")
    return Drift(spec=spec, options=options, window=str(window), baseline=baseline,
                 baseline_label=baseline_label, windows=windows, tests=tests, changes=changes,
                 alpha=alpha, sequential=sequential,
                 cusum={"k": CUSUM_K, "h": float(cusum_h), "arl": cusum_arl(cusum_h, CUSUM_K)},
                 warnings=list(dict.fromkeys(warnings)))


class _Budget:
    """Cells of the windows' score and calibration tables kept so far."""

    def __init__(self) -> None:
        self.cells = 0

    @property
    def over(self) -> bool:
        return self.cells > RETAINED_CELLS

    def add(self, audit: Audit) -> None:
        self.cells += sum(f.n.size for m in audit.statistics.models.values()
                          for f in m.families if f.name != "rates")
        if self.over:
            _drop_score_tables(audit)


def _drop_score_tables(audit: Audit) -> None:
    """Keep only the confusion counts of a summarised audit (its numbers stay as they are)."""
    stats = audit.statistics
    models = {name: replace(m, score_table=None, exact_auc={},
                            families=[f for f in m.families if f.name == "rates"])
              for name, m in stats.models.items()}
    audit.statistics = replace(stats, models=models)


def _baseline(baseline: int | str, labels: list[str]) -> tuple[list[int], str]:
    """The baseline windows and their name for a person."""
    if isinstance(baseline, bool):
        raise FairLensInputError(MSG_BASELINE_INT.format(value=baseline, top=len(labels) - 1))
    if isinstance(baseline, str) and not baseline.strip().lstrip("-").isdigit():
        if baseline not in labels:
            raise FairLensInputError(MSG_BASELINE_LABEL.format(value=baseline,
                                                               labels=names(labels[:24])))
        return [labels.index(baseline)], baseline
    k = int(baseline)
    if not 1 <= k <= len(labels) - 1:
        raise FairLensInputError(MSG_BASELINE_INT.format(value=baseline, top=len(labels) - 1))
    if k == 1:
        return [0], labels[0]
    return list(range(k)), f"{labels[0]} to {labels[k - 1]}"


def _audit(tables: WindowTables, windows: list[int], spec: AuditSpec, options: AuditOptions,
           label: str, warnings: list[str]) -> Audit:
    """The audit of some windows' rows; a reference group absent there falls back to the
    largest group (with a warning)."""
    stats = tables.statistics(windows)
    try:
        return Audit.from_statistics(spec, stats, options)
    except FairLensInputError:
        if options.reference is None:
            raise
        warnings.append(f"The reference group is not in {label}; there the largest group is "
                        "the reference.")
        return Audit.from_statistics(spec, stats, replace(options, reference=None))


def _tests(windows: list[Window], snaps: list[Snapshot], base_windows: list[int],
           base: Snapshot) -> pd.DataFrame:
    """Every window against the baseline and against the window before, BH-adjusted."""
    rows = []
    baseline_set = set(base_windows)
    pooled = len(base_windows) > 1
    for t, w in enumerate(windows):
        if t not in baseline_set and not (pooled and t < max(base_windows)):
            for row in compare(snaps[t], base):
                rows.append({**row, "reference": "baseline", "reference_label": base.label,
                             "window": w.label, "window_index": t})
        if t == 0 or (not pooled and t - 1 in baseline_set and t not in baseline_set):
            continue
        for row in compare(snaps[t], snaps[t - 1]):
            rows.append({**row, "reference": "previous", "reference_label": windows[t - 1].label,
                         "window": w.label, "window_index": t})
    columns = ["window", "window_index", "reference", "reference_label", "grouping", "group",
               "measure", "before", "after", "z", "p_value"]
    tests = pd.DataFrame(rows, columns=columns)
    return adjust(tests)


def drift(data: Any, *, time: str, window: str = "month", baseline: int | str = 1,
          sequential: bool = False, options: AuditOptions | None = None,
          **columns: Any) -> Drift:
    """:func:`drift_spec` with the column roles as keywords (``label=``, ``score=`` ...)."""
    from fairlens.data import frame_and_spec

    settings = {k: columns.pop(k) for k in list(columns)
                if k in AuditOptions.__dataclass_fields__}
    frame, spec = frame_and_spec(data, time=time, **columns)
    options = AuditOptions.resolve(options, **settings)
    return drift_spec(frame, spec, options=options, window=window, baseline=baseline,
                      sequential=sequential)

"""Change detection between windows: tests, Benjamini-Hochberg, and a CUSUM monitor.

Every window is compared with the baseline (the first ``k`` windows pooled, or one reference
window) and with the window before it, measure by measure:

* a group's rate (selection rate, TPR, FPR, PPV, accuracy): the pooled two-proportion z-test
  on the unweighted counts of the two windows (with Yates' continuity correction when an
  expected cell count is below 5);
* a disparity (demographic parity, equalized odds and equal opportunity differences) or an
  equity-scaled metric: ``z = (after - before) / sqrt(se_after^2 + se_before^2)``, with each
  standard error the standard deviation of the window's bootstrap replicates (the audit's
  own replicates); without a bootstrap, disparities use the delta-method standard error of
  the two groups that set the gap (``sqrt(p1 q1 / n1 + p2 q2 / n2)``, the groups held fixed),
  and ES is not tested.

All p-values, over all windows, measures and both comparisons, are adjusted together with
Benjamini-Hochberg; a change is reported when its q-value is below ``alpha``.

The sequential option runs a two-sided CUSUM on each series of standardized differences of a
window from all windows before it (self-starting, :func:`running_z`): ``S+ = max(0, S+ + z -
k)``, ``S- = max(0, S- - z - k)``, with an alarm when either exceeds ``h``. With ``k = 0.5``
and ``h = 5`` the in-control average run length is about 469 windows per series (Siegmund's
approximation, see :func:`cusum_arl`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from fairlens.auditing import Audit
from fairlens.auditing._definitions import BINARY_TESTED, disparities
from fairlens.metrics._equity import equity_scaled
from fairlens.metrics._rates import proportion_parts
from fairlens.metrics._significance import FISHER_MIN_EXPECTED, benjamini_hochberg

CUSUM_K = 0.5
CUSUM_H = 5.0
TESTED_DISPARITIES = {
    "binary": ("demographic_parity_difference", "equalized_odds_difference",
               "equal_opportunity_difference"),
    "multiclass": ("demographic_parity_difference", "equalized_odds_difference",
                   "accuracy_difference"),
}
#: Disparities built from two rates: the rates whose gap sets them.
_GAPS = {"demographic_parity_difference": ("selection_rate",),
         "equal_opportunity_difference": ("tpr",),
         "equalized_odds_difference": ("tpr", "fpr")}


@dataclass
class Snapshot:
    """What the tests read from one audit (a window, or the pooled baseline).

    ``rates[(grouping, group, metric)] = (value, x, n)`` (value weighted as the audit reports
    it; ``x``/``n`` unweighted counts); ``measures[(grouping, measure)] = (value, se)``.
    """

    label: str
    rates: dict[tuple[str, str, str], tuple[float, float, float]]
    measures: dict[tuple[str, str], tuple[float, float]]


def snapshot(audit: Audit, label: str) -> Snapshot:
    """The numbers the change tests compare, from one audit."""
    stats = audit.statistics
    result = audit.primary
    model = stats.models[result.name]
    boot = audit.replicates.get(result.name)
    classes = [str(c) for c in stats.classes]
    rates: dict[tuple[str, str, str], tuple[float, float, float]] = {}
    measures: dict[tuple[str, str], tuple[float, float]] = {}
    tested = TESTED_DISPARITIES.get(stats.task, ())
    for g, res in zip(stats.groupings, result.groupings, strict=True):
        labels = [res.label(i) for i in range(len(res.labels))]
        keep = res.include
        parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if stats.task == "binary":
            table = g.marginalize(model.families[0].n, 0)
            for m in BINARY_TESTED:
                x, n = proportion_parts(table, m)
                parts[m] = (x, n)
                for i in np.flatnonzero(keep):
                    rates[(g.name, labels[i], m)] = (float(res.metrics[m][i]), float(x[i]),
                                                     float(n[i]))
        if int(np.sum(keep)) < 2:
            # A disparity or an ES over fewer than two groups that count compares nothing
            # (max - min of one group reads 0.00): no change test.
            continue
        names = list(tested) if stats.task in TESTED_DISPARITIES else [
            f"{m}_difference" for m in res.metrics]
        reps = None
        if boot is not None:
            reps = disparities(stats.task, boot.groups[g.name], keep, classes)
        for measure in names:
            value = res.disparities.get(measure, math.nan)
            if reps is not None and measure in reps:
                se = _replicate_se(reps[measure])
            elif measure in _GAPS and parts:
                se = _gap_se(measure, res.metrics, parts, keep)
            else:
                continue
            measures[(g.name, measure)] = (float(value), se)
        if boot is not None:
            for m, entry in res.equity.items():
                used = keep & ~np.isnan(res.metrics[m])
                es_reps = equity_scaled(boot.overall[g.name][m], boot.groups[g.name][m], used)
                measures[(g.name, f"es_{m}")] = (float(entry["es"]), _replicate_se(es_reps))
    return Snapshot(label, rates, measures)


def _replicate_se(replicates: np.ndarray) -> float:
    values = np.asarray(replicates, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _gap_se(measure: str, metrics: dict[str, np.ndarray],
            parts: dict[str, tuple[np.ndarray, np.ndarray]], keep: np.ndarray) -> float:
    """Delta-method SE of a max-min gap: the two groups that set it, held fixed."""
    best_gap, best_se = -math.inf, math.nan
    for rate in _GAPS[measure]:
        values = np.where(keep, metrics[rate], np.nan)
        if np.all(np.isnan(values)):
            continue
        hi, lo = int(np.nanargmax(values)), int(np.nanargmin(values))
        gap = values[hi] - values[lo]
        x, n = parts[rate]
        var = 0.0
        for i in (hi, lo):
            p = x[i] / n[i]
            var += p * (1 - p) / n[i]
        if gap > best_gap:
            best_gap, best_se = gap, math.sqrt(var)
    return best_se


def _proportion_z(x1, n1, x0, n0) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z statistics and two-sided p-values of pairs of counts.

    Where an expected cell count of the 2x2 table is below 5 the p-value is Yates'
    continuity-corrected one (``|p1 - p0|`` reduced by ``(1/n1 + 1/n0) / 2``): vectorised,
    where the audit's Fisher test would cost a scipy call per pair (a million pairs at 1000
    groups and 100 windows).
    """
    x1, n1, x0, n0 = (np.asarray(v, dtype=float) for v in (x1, n1, x0, n0))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x1 + x0) / (n1 + n0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        gap = x1 / n1 - x0 / n0
        z = gap / se
        expected = np.minimum.reduce([n1 * pooled, n1 * (1 - pooled), n0 * pooled,
                                      n0 * (1 - pooled)])
        corrected = np.maximum(np.abs(gap) - 0.5 * (1 / n1 + 1 / n0), 0.0) / se
    small = expected < FISHER_MIN_EXPECTED
    z = np.where(se > 0, z, 0.0)
    p = np.where(se > 0, 2 * stats.norm.sf(np.where(small, corrected, np.abs(z))), 1.0)
    ok = (n1 > 0) & (n0 > 0)
    return np.where(ok, z, np.nan), np.where(ok, p, np.nan)


def compare(after: Snapshot, before: Snapshot) -> list[dict[str, Any]]:
    """Every test of one window (``after``) against a reference (``before``)."""
    rows: list[dict[str, Any]] = []
    keys = [k for k in after.rates if k in before.rates]
    if keys:
        a = np.array([after.rates[k] for k in keys])
        b = np.array([before.rates[k] for k in keys])
        z, p = _proportion_z(a[:, 1], a[:, 2], b[:, 1], b[:, 2])
        for i, (grouping, group, metric) in enumerate(keys):
            rows.append({"grouping": grouping, "group": group, "measure": metric,
                         "before": b[i, 0], "after": a[i, 0], "z": z[i], "p_value": p[i]})
    for key, (value, se) in after.measures.items():
        if key not in before.measures:
            continue
        old, old_se = before.measures[key]
        total = math.hypot(se, old_se) if not (math.isnan(se) or math.isnan(old_se)) else 0.0
        if math.isnan(value) or math.isnan(old) or not total > 0:
            z = p = math.nan
        else:
            z = (value - old) / total
            p = float(2 * stats.norm.sf(abs(z)))
        rows.append({"grouping": key[0], "group": None, "measure": key[1], "before": old,
                     "after": value, "z": z, "p_value": p})
    return rows


def adjust(tests: pd.DataFrame) -> pd.DataFrame:
    """Add Benjamini-Hochberg q-values over every test at once."""
    out = tests.copy()
    out["q_value"] = benjamini_hochberg(out["p_value"].to_numpy(dtype=float)) if len(out) else []
    return out


def cusum_arl(h: float = CUSUM_H, k: float = CUSUM_K) -> float:
    """In-control average run length of the two-sided CUSUM (Siegmund's approximation).

    One side: ``ARL = (exp(2 k b) - 2 k b - 1) / (2 k^2)`` with ``b = h + 1.166``; the two
    sides together alarm about twice as often (``1 / ARL = 1 / ARL+ + 1 / ARL-``).
    """
    b = h + 1.166
    one_side = (math.exp(2 * k * b) - 2 * k * b - 1) / (2 * k * k)
    return one_side / 2


def cusum(z: np.ndarray, *, h: float = CUSUM_H, k: float = CUSUM_K):
    """Two-sided CUSUM of series of standardized differences (time along the last axis).

    Returns
    -------
    (numpy.ndarray, int or numpy.ndarray)
        The larger of the two sums after each step (the shape of ``z``), and the first step
        at which it exceeds ``h`` (``-1``: no alarm; an array for several series). Missing
        values (NaN) leave the sums unchanged.
    """
    z = np.asarray(z, dtype=float)
    up = np.zeros(z.shape[:-1])
    down = np.zeros(z.shape[:-1])
    path = np.zeros(z.shape)
    for t in range(z.shape[-1]):
        step = np.nan_to_num(z[..., t], nan=0.0)
        missing = np.isnan(z[..., t])
        up = np.where(missing, up, np.maximum(0.0, up + step - k))
        down = np.where(missing, down, np.maximum(0.0, down - step - k))
        path[..., t] = np.maximum(up, down)
    over = path > h
    alarm = np.where(over.any(axis=-1), np.argmax(over, axis=-1), -1)
    return path, (int(alarm) if alarm.ndim == 0 else alarm)


def running_z(snaps: list[Snapshot]) -> pd.DataFrame:
    """Standardized differences of each window from all windows before it (self-starting).

    A rate: ``z = (p_t - P) / sqrt(q (1 - q) (1/n_t + 1/N))`` with ``P = X / N`` the pooled rate
    of the earlier windows and ``q`` the rate of both together; a disparity or ES:
    ``z = (v_t - m) / sqrt(se_t^2 + 1 / sum(1 / se_s^2))`` with ``m`` the inverse-variance mean
    of the earlier windows. Without a change these recursive residuals are close to
    independent standard normals, which is what the CUSUM's run length assumes (a fixed,
    estimated baseline would make them share its error).
    """
    rows: list[dict[str, Any]] = []
    counts: dict[tuple, list[float]] = {}
    means: dict[tuple, list[float]] = {}
    for t, snap in enumerate(snaps):
        since = snaps[0].label if t <= 1 else f"{snaps[0].label} to {snaps[t - 1].label}"
        for key, (value, x, n) in snap.rates.items():
            past = counts.get(key)
            if past is not None and past[1] > 0 and n > 0:
                pooled = (past[0] + x) / (past[1] + n)
                se = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / past[1]))
                before = past[0] / past[1]
                z = (x / n - before) / se if se > 0 else 0.0
                rows.append({"grouping": key[0], "group": key[1], "measure": key[2],
                             "before": before, "after": value, "z": z, "window": snap.label,
                             "window_index": t, "reference_label": since})
            if past is None:
                counts[key] = [x, n]
            else:
                past[0] += x
                past[1] += n
        for key, (value, se) in snap.measures.items():
            if math.isnan(value) or not se > 0:
                continue
            past = means.get(key)
            if past is not None:
                mean, precision = past[0] / past[1], past[1]
                z = (value - mean) / math.sqrt(se * se + 1 / precision)
                rows.append({"grouping": key[0], "group": None, "measure": key[1],
                             "before": mean, "after": value, "z": z, "window": snap.label,
                             "window_index": t, "reference_label": since})
            weight = 1 / (se * se)
            if past is None:
                means[key] = [value * weight, weight]
            else:
                past[0] += value * weight
                past[1] += weight
    return pd.DataFrame(rows)


def cusum_alarms(series: pd.DataFrame, *, h: float = CUSUM_H,
                 k: float = CUSUM_K) -> pd.DataFrame:
    """The first CUSUM alarm of each series of :func:`running_z` (one row per alarm)."""
    rows = []
    if series.empty:
        return pd.DataFrame(rows)
    keys = ["grouping", "group", "measure"]
    for _, one in series.fillna({"group": ""}).groupby(keys, sort=False):
        one = one.sort_values("window_index")
        path, alarm = cusum(one["z"].to_numpy(dtype=float), h=h, k=k)
        if alarm >= 0:
            row = one.iloc[alarm].to_dict()
            row.update(statistic=float(path[alarm]), reference="cusum")
            if row["group"] == "":
                row["group"] = None
            rows.append(row)
    return pd.DataFrame(rows)

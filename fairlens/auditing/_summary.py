"""Point estimates, confidence intervals, tests, disparities and ES/PSD from the statistics."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairlens.auditing._definitions import (
    BINARY_TESTED,
    MIN_COMPARED,
    UNDEFINED_REASONS,
    disparities,
    equity_metrics,
)
from fairlens.auditing._families import Family
from fairlens.auditing._intervals import (
    SMALL_GROUP_ROWS,
    choose_intervals,
    small_sample_intervals,
)
from fairlens.auditing._options import AuditOptions
from fairlens.auditing._statistics import OVERALL, ModelStatistics, Statistics
from fairlens.data import FairLensInputError
from fairlens.data import _errors as E
from fairlens.engine import Grouping
from fairlens.metrics._equity import equity_scaled, performance_scaled_disparity
from fairlens.metrics._harmony import harmony
from fairlens.metrics._intervals import (
    hanley_mcneil_interval,
    percentile_interval,
    poisson_counts,
    wilson_interval,
)
from fairlens.metrics._rates import PROPORTIONS, proportion_parts
from fairlens.metrics._significance import (
    benjamini_hochberg,
    two_proportion_test,
    two_proportion_tests,
    welch_test,
)

BOOTSTRAP_CELL_BUDGET = 8_000_000
MAX_BOOTSTRAP_BINS = 64
MIN_BOOTSTRAP_BINS = 16
_CHUNK_CELLS = 4_000_000


@dataclass
class GroupingResult:
    """Every number for one grouping (an attribute or the intersection) of one model."""

    name: str
    attributes: list[str]
    labels: list[tuple]
    n: np.ndarray
    include: np.ndarray
    reference: int
    metrics: dict[str, np.ndarray]
    ci: dict[str, tuple[np.ndarray, np.ndarray]]
    p_values: dict[str, np.ndarray]
    q_values: dict[str, np.ndarray]
    disparities: dict[str, float]
    disparity_ci: dict[str, tuple[float, float]]
    equity: dict[str, dict[str, Any]]
    ci_method: dict[str, np.ndarray] = field(default_factory=dict)
    """Per metric, the interval method of each group (``None`` where the value is undefined;
    see :mod:`fairlens.auditing._intervals`)."""
    reference_rule: str = "largest"
    """How the reference group was chosen: ``"chosen"``, ``"largest"``, ``"combined"`` (the
    cell of each attribute's reference) or ``"largest, combined too small"``."""
    null_reasons: dict[str, dict[str, str]] = field(default_factory=dict)
    """Why a disparity or an ES/PSD/harmony value is null: section -> name -> reason."""

    def label(self, i: int) -> str:
        """Display name of group ``i`` (values joined by ``" x "``)."""
        return " x ".join(str(v) for v in self.labels[i])


@dataclass
class ModelResult:
    """All groupings of one model plus its overall metrics."""

    name: str
    overall: dict[str, float]
    overall_ci: dict[str, tuple[float, float]]
    groupings: list[GroupingResult]
    notes: list[str] = field(default_factory=list)
    overall_ci_method: dict[str, str | None] = field(default_factory=dict)


def _label_text(value: Any) -> str:
    return " x ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _chosen_index(grouping: Grouping, reference: Any) -> int | None:
    """The group the user named for ``grouping``, or None when the choice does not apply."""
    if reference is None:
        return None
    wanted = reference.get(grouping.name) if isinstance(reference, dict) else reference
    if wanted is None:
        return None
    text = _label_text(wanted)
    for i, lab in enumerate(grouping.labels):
        if " x ".join(map(str, lab)) == text:
            return i
    return None


def _references(stats: Statistics, sizes: dict[str, np.ndarray], opts: AuditOptions
                ) -> tuple[dict[str, tuple[int, str]], list[str]]:
    """Reference group and rule of every grouping, and a warning where the rule fell back.

    An attribute's chosen reference applies to its intersections: the reference of
    ``race x sex`` is the cell of race's reference and sex's reference (each chosen or the
    largest) when the user chose one of them and the cell has at least ``min_group_size``
    rows (and at least one); otherwise the largest cell, and a warning says so.
    """
    out: dict[str, tuple[int, str]] = {}
    warnings: list[str] = []
    singles = {g.attributes[0]: g for g in stats.groupings if len(g.attributes) == 1}
    for g in stats.groupings:
        chosen = _chosen_index(g, opts.reference)
        if chosen is not None:
            out[g.name] = (chosen, "chosen")
    for g in stats.groupings:
        if g.name in out:
            continue
        n = sizes[g.name]
        largest = int(np.argmax(n))
        parts = [singles.get(a) for a in g.attributes]
        if len(g.attributes) < 2 or any(p is None for p in parts) or not any(
                out.get(p.name, (0, ""))[1] == "chosen" for p in parts):
            out[g.name] = (largest, "largest")
            continue
        cell = tuple(p.labels[out[p.name][0] if p.name in out
                              else int(np.argmax(sizes[p.name]))][0] for p in parts)
        text = " x ".join(map(str, cell))
        index = next((i for i, lab in enumerate(g.labels)
                      if " x ".join(map(str, lab)) == text), None)
        rows = int(n[index]) if index is not None else 0
        if index is not None and rows >= max(opts.min_group_size, 1):
            out[g.name] = (index, "combined")
            continue
        out[g.name] = (largest, "largest, combined too small")
        largest_text = " x ".join(map(str, g.labels[largest]))
        warnings.append(
            f"{g.name}: the cell of each attribute's reference, {text}, has {rows} rows "
            f"(fewer than the minimum group size {max(opts.min_group_size, 1)}); the largest "
            f"cell, {largest_text} (n={int(n[largest])}), is the reference instead.")
    return out, warnings


def _check_reference(stats: Statistics, reference: Any) -> None:
    """Raise when a requested reference group exists in none of the groupings it names."""
    if reference is None:
        return
    wanted = (reference if isinstance(reference, dict)
              else {g.name: reference for g in stats.groupings})
    found = False
    for g in stats.groupings:
        if g.name not in wanted or wanted[g.name] is None:
            continue
        value = wanted[g.name]
        text = " x ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        labels = [" x ".join(map(str, lab)) for lab in g.labels]
        if text in labels:
            found = True
        elif isinstance(reference, dict):
            raise FairLensInputError(
                E.REFERENCE_NOT_FOUND.format(ref=value, grouping=g.name, groups=labels[:30]))
    if isinstance(reference, dict):
        unknown = [k for k in reference if k not in {g.name for g in stats.groupings}]
        if unknown:
            raise FairLensInputError(
                f"Reference given for unknown grouping(s) {unknown}; groupings are "
                f"{[g.name for g in stats.groupings]}.")
    elif not found:
        groups = sorted({str(lab[0]) for g in stats.groupings if len(g.attributes) == 1
                         for lab in g.labels})
        names = ", ".join(g.name for g in stats.groupings)
        raise FairLensInputError(
            E.REFERENCE_NOT_FOUND.format(ref=reference, grouping=names, groups=groups[:30]))


@dataclass
class Replicates:
    """Bootstrap replicates of every metric: per grouping ``(R, G)`` and overall ``(R,)``."""

    groups: dict[str, dict[str, np.ndarray]]
    overall: dict[str, dict[str, np.ndarray]]
    notes: dict[str, list[str]] = field(default_factory=dict)


def _resample(fam: Family, groupings: list[Grouping], rng: np.random.Generator, r_total: int,
              groups: dict, overall: dict) -> None:
    """Poisson-resample ``fam`` and compute every metric of every grouping per replicate."""
    chunk = max(1, min(r_total, _CHUNK_CELLS // max(fam.n.size, 1)))
    parts: dict[str, dict[str, list]] = {g.name: {} for g in groupings}
    overall_parts: dict[str, list] = {}
    done = 0
    while done < r_total:
        rc = min(chunk, r_total - done)
        arrays = fam.scaled(poisson_counts(rng, fam.n, rc))
        for g in groupings:
            for k, v in fam.group_metrics(g, arrays).items():
                parts[g.name].setdefault(k, []).append(v)
        for k, v in fam.overall_metrics(arrays).items():
            overall_parts.setdefault(k, []).append(v)
        done += rc
    merged_overall = {k: np.concatenate(v) for k, v in overall_parts.items()}
    for g in groupings:
        groups[g.name].update({k: np.concatenate(v) for k, v in parts[g.name].items()})
        overall[g.name].update(merged_overall)


def _shift(groups: dict, overall: dict, exact: Family, merged: Family, grouping: Grouping,
           merged_grouping: Grouping) -> None:
    """Move replicates computed on merged bins by the exact-minus-merged point difference."""
    fine, coarse = exact.group_metrics(grouping), merged.group_metrics(merged_grouping)
    for k in groups:
        groups[k] = groups[k] + (fine[k] - coarse[k])
    fine, coarse = exact.overall_metrics(), merged.overall_metrics()
    for k in overall:
        overall[k] = overall[k] + (fine[k] - coarse[k])


def _identity(g: Grouping) -> Grouping:
    return Grouping(g.name, g.attributes, g.labels, np.arange(g.n_groups))


def _bootstrap(model: ModelStatistics, stats: Statistics, opts: AuditOptions,
               notes: list[str], reuse: Replicates | None = None) -> Replicates:
    """Replicates of every metric by resampling the count tables (never the rows).

    Per family, the cheapest exact plan that fits :data:`BOOTSTRAP_CELL_BUDGET`:
    1. resample the finest table once and sum it into every grouping (consistent replicates);
    2. otherwise resample each grouping's own table, merging score bins to at most
       :data:`MAX_BOOTSTRAP_BINS` when needed (replicates shifted by the exact-minus-merged
       point difference);
    3. otherwise (a grouping with very many groups) draw normal replicates from analytic
       standard errors (DeLong for AUC, the sample variance for per-sample means).
    """
    r = opts.bootstrap
    groups: dict[str, dict[str, np.ndarray]] = {g.name: {} for g in stats.groupings}
    overall: dict[str, dict[str, np.ndarray]] = {g.name: {} for g in stats.groupings}
    family_notes: dict[str, list[str]] = {}
    for family in model.families:
        if reuse is not None and family.name != "rates":
            # Only the rates depend on the threshold; the other families' replicates are the
            # same as a fresh audit would draw (independent random streams per family).
            for g in stats.groupings:
                for k in family.overall_metrics():
                    groups[g.name][k] = reuse.groups[g.name][k]
                    overall[g.name][k] = reuse.overall[g.name][k]
            family_notes[family.name] = reuse.notes.get(family.name, [])
            notes.extend(family_notes[family.name])
            continue
        before = len(notes)
        # An independent stream per family: a family's replicates do not depend on how many
        # draws another family used (e.g. the rates table at another threshold).
        family_rng = np.random.default_rng([opts.seed, zlib.crc32(family.name.encode())])
        _bootstrap_family(family, stats, r, family_rng, groups, overall, notes)
        family_notes[family.name] = notes[before:]
    return Replicates(groups, overall, family_notes)


def _bootstrap_family(family: Family, stats: Statistics, r: int, rng: np.random.Generator,
                      groups: dict, overall: dict, notes: list[str]) -> None:
    """Replicates of one family's metrics for every grouping (see :func:`_bootstrap`)."""
    if family.n.size * r <= BOOTSTRAP_CELL_BUDGET:
        _resample(family, stats.groupings, rng, r, groups, overall)
        return
    for g in stats.groupings:
        fam = family.restrict(g)
        ident = _identity(g)
        if fam.binned and fam.n.size * r > BOOTSTRAP_CELL_BUDGET:
            per_bin = fam.n.size // fam.n.shape[-1]
            bins = min(MAX_BOOTSTRAP_BINS, BOOTSTRAP_CELL_BUDGET // (r * per_bin))
            merged = fam.coarsen(max(bins, MIN_BOOTSTRAP_BINS))
        else:
            merged = fam
        if merged.n.size * r <= BOOTSTRAP_CELL_BUDGET:
            g_groups, g_overall = {g.name: {}}, {g.name: {}}
            _resample(merged, [ident], rng, r, g_groups, g_overall)
            if merged is not fam:
                _shift(g_groups[g.name], g_overall[g.name], fam, merged, ident, ident)
                notes.append(
                    f"Bootstrap of {family.name} metrics for {g.name}: score bins merged to "
                    f"{merged.n.shape[-1]} per group; replicates shifted by the "
                    "exact-minus-merged difference (point estimates are exact).")
            groups[g.name].update(g_groups[g.name])
            overall[g.name].update(g_overall[g.name])
        elif fam.analytic is not None:
            groups[g.name].update(fam.analytic(fam.arrays, rng, r))
            total = family.restrict(_single(family)) if family.n.shape[0] > 1 else family
            overall[g.name].update({k: v[:, 0] for k, v in
                                    total.analytic(total.arrays, rng, r).items()})
            notes.append(
                f"{g.name} has {g.n_groups} groups, too many to resample the {family.name} "
                "table cheaply: its intervals use normal approximations with analytic "
                "standard errors (DeLong for AUC); Brier/ECE intervals are omitted there.")
        else:
            names = family.overall_metrics().keys()
            groups[g.name].update({k: np.full((r, g.n_groups), np.nan) for k in names})
            overall[g.name].update({k: np.full(r, np.nan) for k in names})
            notes.append(
                f"{g.name} has {g.n_groups} groups, too many to resample the {family.name} "
                f"table cheaply: no intervals for {', '.join(names)} there.")


def _move_to_exact_auc(boot: Replicates, model: ModelStatistics, stats: Statistics) -> None:
    """Shift AUC replicates from the binned table's point estimate to the exact one."""
    scores = next(f for f in model.families if f.name == "scores")
    overall_shift = model.exact_auc[OVERALL][0] - scores.overall_metrics()["auc"]
    for g in stats.groupings:
        shift = model.exact_auc[g.name] - scores.group_metrics(g)["auc"]
        boot.groups[g.name]["auc"] = boot.groups[g.name]["auc"] + shift
        boot.overall[g.name]["auc"] = boot.overall[g.name]["auc"] + overall_shift


def _single(family: Family) -> Grouping:
    return Grouping("all", [], [()], np.zeros(family.n.shape[0], dtype=np.int64))


def _wilson(model: ModelStatistics, g: Grouping, opts: AuditOptions,
            metrics: dict[str, np.ndarray]):
    ci = {}
    rates = next((f for f in model.families if f.name == "rates"), None)
    if rates is not None and rates.n.ndim == 3 and rates.n.shape[1:] == (2, 2):
        table = g.marginalize(rates.n, 0)
        for m in PROPORTIONS:
            ci[m] = wilson_interval(*proportion_parts(table, m), opts.level)
    scores = next((f for f in model.families if f.name == "scores"), None)
    if scores is not None and "auc" in metrics and scores.n.ndim == 3:
        table = g.marginalize(scores.n, 0)
        ci["auc"] = hanley_mcneil_interval(
            metrics["auc"], table[:, 1, :].sum(-1), table[:, 0, :].sum(-1), opts.level)
    return ci


def _tests(model: ModelStatistics, stats: Statistics, g: Grouping, ref: int,
           include: np.ndarray) -> dict[str, np.ndarray]:
    p: dict[str, np.ndarray] = {}
    if stats.task == "binary":
        table = g.marginalize(model.families[0].n, 0)
        for m in BINARY_TESTED:
            p[m] = np.where(include, two_proportion_tests(*proportion_parts(table, m), ref), np.nan)
    elif stats.task == "multiclass":
        table = g.marginalize(model.families[0].n, 0)
        correct = np.trace(table, axis1=1, axis2=2)
        total = table.sum(axis=(1, 2))
        p["accuracy"] = np.array([
            np.nan if (i == ref or not include[i])
            else two_proportion_test(correct[i], total[i], correct[ref], total[ref])
            for i in range(g.n_groups)
        ])
    else:
        for fam in model.families:
            n = g.marginalize(fam.arrays["w"], 0).sum(-1)
            s = g.marginalize(fam.arrays["sum"], 0).sum(-1)
            ss = g.marginalize(fam.arrays["sq"], 0).sum(-1)
            mean = np.where(n > 0, s / np.maximum(n, 1), np.nan)
            var = np.where(n > 1, (ss - n * mean**2) / np.maximum(n - 1, 1), np.nan)
            p[fam.name] = np.array([
                np.nan if (i == ref or not include[i])
                else welch_test(n[i], mean[i], var[i], n[ref], mean[ref], var[ref])
                for i in range(g.n_groups)
            ])
    return p


def _undefined_warnings(name: str, labels: list[str], metrics: dict[str, np.ndarray]) -> list[str]:
    out = []
    for i, label in enumerate(labels):
        missing = [m for m, v in metrics.items() if np.isnan(v[i])]
        if not missing:
            continue
        reasons = sorted({UNDEFINED_REASONS.get(m.split("_")[0], UNDEFINED_REASONS.get(m, "no rows "
                          "to compute it from")) for m in missing})
        out.append(f"{name}={label}: {', '.join(missing)} undefined ({'; '.join(reasons)}); "
                   "reported as null.")
    return out


def summarize(
    stats: Statistics, opts: AuditOptions, reuse: dict[str, Replicates] | None = None
) -> tuple[dict[str, ModelResult], list[str], dict[str, Replicates]]:
    """Compute every reported number from the statistics.

    Parameters
    ----------
    stats : Statistics
    opts : AuditOptions
    reuse : dict of str to Replicates, optional
        Replicates of an audit of the same statistics at another threshold: the families that
        do not depend on the threshold (AUC, calibration) are not resampled again.

    Returns
    -------
    (dict of str to ModelResult, list of str, dict of str to Replicates)
        Results per model, the warnings raised while computing them, and the replicates.
    """
    _check_reference(stats, opts.reference)
    warnings: list[str] = []
    results: dict[str, ModelResult] = {}
    replicates: dict[str, Replicates] = {}
    classes = [str(c) for c in stats.classes]
    for model in stats.models.values():
        notes = list(model.notes)
        use_bootstrap = opts.ci == "bootstrap" and opts.bootstrap > 0
        previous = (reuse or {}).get(model.name)
        boot = _bootstrap(model, stats, opts, notes, previous) if use_bootstrap else None
        if boot is not None:
            replicates[model.name] = boot
        overall: dict[str, float] = {}
        for fam in model.families:
            overall.update({k: float(v) for k, v in fam.overall_metrics().items()})
        if model.exact_auc and boot is not None and previous is None:
            _move_to_exact_auc(boot, model, stats)
        if model.exact_auc:
            overall["auc"] = float(model.exact_auc[OVERALL][0])
        first = stats.groupings[0].name
        overall_ci: dict[str, tuple[float, float]] = {}
        overall_method: dict[str, str | None] = {}
        if boot is not None:
            overall_ci, overall_method = _overall_intervals(model, stats, opts, overall,
                                                            boot.overall[first])
        sizes = {g.name: np.rint(g.marginalize(stats.fine_counts.astype(float), 0)
                                 ).astype(np.int64) for g in stats.groupings}
        references, reference_notes = _references(stats, sizes, opts)
        primary = model is next(iter(stats.models.values()))
        if primary:
            warnings.extend(reference_notes)
        groupings = []
        for g in stats.groupings:
            n = sizes[g.name]
            include = n >= opts.min_group_size
            ref, ref_rule = references[g.name]
            metrics: dict[str, np.ndarray] = {}
            for fam in model.families:
                metrics.update(fam.group_metrics(g))
            if model.exact_auc:
                metrics["auc"] = model.exact_auc[g.name]
            labels = [" x ".join(map(str, lab)) for lab in g.labels]
            if primary:
                warnings.extend(_undefined_warnings(g.name, labels, metrics))
                small = [f"{labels[i]} (n={n[i]})" for i in np.flatnonzero(~include)]
                if small:
                    warnings.append(
                        f"{g.name}: {len(small)} group(s) below the minimum group size "
                        f"{opts.min_group_size} are flagged and left out of disparities, ES and "
                        f"PSD: {', '.join(small[:10])}{' ...' if len(small) > 10 else ''}.")
            if use_bootstrap:
                base = {k: percentile_interval(v, opts.level, metrics[k])
                        for k, v in boot.groups[g.name].items()}
                base_method = dict.fromkeys(base, "bootstrap")
            else:
                base = _wilson(model, g, opts, metrics)
                base_method = {k: ("hanley_mcneil" if k == "auc" else "wilson") for k in base}
            ci, ci_method, _ = choose_intervals(
                metrics, n, base, base_method,
                small_sample_intervals(model.families, g, metrics, opts.level))
            if primary:
                warnings.extend(_interval_notes(g.name, labels, n, ci_method, base_method))
            p = _tests(model, stats, g, ref, include)
            flat = np.concatenate([v for v in p.values()]) if p else np.array([])
            q_flat = benjamini_hochberg(flat)
            q, start = {}, 0
            for k, v in p.items():
                q[k] = q_flat[start:start + len(v)]
                start += len(v)
            disp = {k: float(v) for k, v in
                    disparities(stats.task, metrics, include, classes).items()}
            disp_ci = {}
            if use_bootstrap:
                disp_reps = disparities(stats.task, boot.groups[g.name], include, classes)
                disp_ci = {k: tuple(float(x) for x in percentile_interval(v, opts.level, disp[k]))
                           for k, v in disp_reps.items()}
            reasons: dict[str, dict[str, str]] = {}
            null_disp = [k for k, v in disp.items() if np.isnan(v)]
            if null_disp:
                why = _too_few_reason(int(include.sum()), opts.min_group_size)
                reasons["disparities"] = dict.fromkeys(null_disp, why)
                if primary:
                    what = ("every disparity is" if len(null_disp) == len(disp) > 1 else
                            f"{_listed(null_disp)} {'is' if len(null_disp) == 1 else 'are'}")
                    warnings.append(f"{g.name}: {what} null: {why}.")
            equity = _equity(stats, model, g, metrics, overall, include, labels, boot, opts,
                             warnings, reasons)
            groupings.append(GroupingResult(
                name=g.name, attributes=g.attributes, labels=g.labels, n=n, include=include,
                reference=ref, metrics=metrics, ci=ci, p_values=p, q_values=q,
                disparities=disp, disparity_ci=disp_ci, equity=equity, ci_method=ci_method,
                reference_rule=ref_rule, null_reasons=reasons))
        if primary and not use_bootstrap and any(gr.disparities for gr in groupings):
            warnings.append(NO_BOOTSTRAP_NOTE)
        results[model.name] = ModelResult(model.name, overall, overall_ci, groupings, notes,
                                          overall_method)
        warnings.extend(notes)
    return results, warnings, replicates


def _equity(stats, model, g, metrics, overall, include, labels, boot: Replicates | None, opts,
            warnings, reasons: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    per_sample = [f.name for f in model.families] if stats.task == "per_sample" else []
    primary = model is next(iter(stats.models.values()))
    out = {}
    null: list[str] = []
    for m in equity_metrics(stats.task, list(metrics), per_sample):
        values = metrics[m]
        used = include & ~np.isnan(values)
        left_out = [labels[i] for i in np.flatnonzero(include & np.isnan(values))]
        if left_out and primary:
            warnings.append(f"ES/PSD of {m} for {g.name} leave out {', '.join(left_out)}: "
                            f"{m} is undefined there.")
        if used.sum() < MIN_COMPARED:
            # Nothing to compare: undefined, never the overall metric (perfect equity).
            nan = float("nan")
            out[m] = {"es": nan, "psd_std": nan, "psd_max": nan, "harmony": nan,
                      "overall": overall[m], "groups_used": int(used.sum())}
            if boot is not None:
                out[m].update({f"{k}_ci": (nan, nan)
                               for k in ("es", "psd_std", "psd_max", "harmony")})
            why = _too_few_reason(int(include.sum()), opts.min_group_size, m)
            for section in ("equity_scaled", "performance_scaled_disparity", "harmony"):
                reasons.setdefault(section, {})[m] = why
            null.append(m)
            continue
        es = float(equity_scaled(np.array(overall[m]), values, used))
        psd_std, psd_max = (float(x) for x in performance_scaled_disparity(
            np.array(overall[m]), values, used))
        entry: dict[str, Any] = {"es": es, "psd_std": psd_std, "psd_max": psd_max,
                                 "harmony": float(harmony(values, used)),
                                 "overall": overall[m], "groups_used": int(used.sum())}
        if boot is not None:
            rep_groups, rep_overall = boot.groups[g.name][m], boot.overall[g.name][m]
            es_r = equity_scaled(rep_overall, rep_groups, used)
            std_r, max_r = performance_scaled_disparity(rep_overall, rep_groups, used)
            for key, r in (("es", es_r), ("psd_std", std_r), ("psd_max", max_r),
                           ("harmony", harmony(rep_groups, used))):
                entry[f"{key}_ci"] = tuple(
                    float(x) for x in percentile_interval(r, opts.level, entry[key]))
        out[m] = entry
    if null and primary:
        warnings.append(f"{g.name}: ES, PSD and harmony of {_listed(null)} are null: "
                        f"{_too_few_reason(int(include.sum()), opts.min_group_size)}.")
    return out


NO_BOOTSTRAP_NOTE = ("The bootstrap is off (bootstrap 0 or ci 'wilson'): disparities, ES, PSD "
                     "and harmony have no interval (null in the JSON).")


def _too_few_reason(eligible: int, min_group_size: int, metric: str | None = None) -> str:
    """Why a between-group value is null: too few groups count, or too few have the metric."""
    if eligible < MIN_COMPARED:
        return (f"fewer than two groups have at least {min_group_size} rows (the minimum "
                "group size), so there is nothing to compare")
    what = f"{metric} is" if metric else "the metric is"
    return (f"{what} defined in fewer than two of the groups with at least {min_group_size} "
            "rows")


def _listed(names: list[str]) -> str:
    """``a, b and c``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _interval_notes(name: str, labels: list[str], n: np.ndarray,
                    methods: dict[str, np.ndarray], base_method: dict[str, str]) -> list[str]:
    """Warnings for the intervals the small-sample rule replaced or left out."""
    swapped: set[int] = set()
    none: dict[str, list[int]] = {}
    for m, per_group in methods.items():
        for i, method in enumerate(per_group):
            if method is None or method == base_method[m]:
                continue
            if method == "none":
                none.setdefault(m, []).append(i)
            else:
                swapped.add(i)
    out = []
    if swapped:
        tiny = sum(1 for i in swapped if n[i] < SMALL_GROUP_ROWS)
        wide = len(swapped) - tiny
        who = (f"{tiny} group(s) under {SMALL_GROUP_ROWS} rows" if not wide else
               f"{wide} group(s) with an interval of zero width" if not tiny else
               f"{len(swapped)} group(s) ({tiny} under {SMALL_GROUP_ROWS} rows, {wide} with an "
               "interval of zero width)")
        out.append(
            f"{name}: {who} get small-sample intervals: Wilson for rates, a conservative "
            "maximum-variance interval for AUC (interval_method in the JSON).")
    for m, idx in none.items():
        shown = ", ".join(f"{labels[i]} (n={n[i]})" for i in idx[:6])
        out.append(f"{name}: no interval for {m} of {shown}{' ...' if len(idx) > 6 else ''}: "
                   "its bootstrap collapsed to one value and it has no small-sample interval.")
    return out


def _overall_intervals(model: ModelStatistics, stats: Statistics, opts: AuditOptions,
                       overall: dict[str, float], reps: dict[str, np.ndarray]
                       ) -> tuple[dict[str, tuple[float, float]], dict[str, str | None]]:
    """Overall bootstrap intervals, with the small-sample rule of a one-group grouping."""
    everyone = Grouping("(overall)", [], [()], np.zeros(len(stats.fine_counts), dtype=np.int64))
    metrics = {k: np.array([overall[k]]) for k in reps}
    base = {k: tuple(np.atleast_1d(x) for x in percentile_interval(v, opts.level, overall[k]))
            for k, v in reps.items()}
    ci, methods, _ = choose_intervals(
        metrics, np.array([stats.n_rows]), base, dict.fromkeys(base, "bootstrap"),
        small_sample_intervals(model.families, everyone, metrics, opts.level))
    return ({k: (float(lo[0]), float(hi[0])) for k, (lo, hi) in ci.items()},
            {k: v[0] for k, v in methods.items()})

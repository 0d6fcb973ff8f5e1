"""The report's sections, in order: the one content model both renderers draw."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.auditing import Audit
from fairlens.report._analysis_sections import ANALYSIS_SECTIONS
from fairlens.report._content import MAX_TABLE_ROWS, Figure, Section, Table, frame_table
from fairlens.report._gate import GateResult
from fairlens.report._report import ANALYSES, Report
from fairlens.report._tables import (
    disparities_frame,
    four_fifths_frame,
    overall_frame,
    tests_frame,
)
from fairlens.wording import (
    MEASURE_LABELS,
    disparity_sentences,
    equity_sentences,
    error_rate_priority,
    fmt,
    fmt_ci,
    fmt_int,
    is_missing,
    measure_label,
    outcome_words,
    table_metrics,
)
from fairlens.wording.audit import priority_spreads
from fairlens.wording.report import NOT_RUN_ON_PAGES, PAGE_NAMES, settings_origin

CHART_METRICS = ("selection_rate", "tpr", "fpr", "ppv")
"""The per-group chart's metrics (binary tasks)."""
KEY_MEASURES = tuple(MEASURE_LABELS)
ROLE_NAMES = {"label": "label column", "sensitive": "sensitive attributes",
              "score": "score column(s)", "pred": "predicted-label column(s)",
              "proba_prefix": "class-probability columns (prefix)",
              "metric": "per-sample metric column(s)", "features": "features",
              "threshold": "decision threshold", "score_kind": "kind of score",
              "favorable": "favorable prediction", "positive_label": "positive label",
              "time": "time column", "weight": "row weight column"}
"""The mapping's roles, for a person (the table "Audit spec (column roles)")."""
PAGE_FLAGS = "(see the Flags column)"
REPORT_FLAGS = "(marked * in the table below)"
"""The report's tables mark a significant difference with *; the pages have a Flags column."""
ANALYSIS_WORDS = {"labels": "label errors", "slices": "error slices",
                  "explain": "explanations", "remedy": "remedy", "over_time": "over time"}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if is_missing(v) else v) if not isinstance(v, (str, bool)) else v
             for k, v in row.items()} for row in frame.to_dict("records")]


def _kv(title: str, pairs: list[tuple[str, Any]]) -> Table:
    return Table(title, ["item", "value"], [[k, "-" if v is None else str(v)]
                                              for k, v in pairs])


def about_section(report: Report) -> Section:
    """Data fingerprint, mapping, settings, versions and date."""
    fp, audit = report.fingerprint, report.audit
    sha = fp.get("sha256") or (f"{fp['sha256_prefix']} (first 32 hex digits)"
                               if fp.get("sha256_prefix") else "not available")
    if fp.get("source") == "sample" and fp.get("sha256"):
        sha += " (the packaged sample file)"
    fingerprint = _kv("Data fingerprint", [
        ("data", fp.get("name")), ("source", fp.get("source")), ("SHA-256 of the file", sha),
        ("SHA-256 of the content", fp.get("content_sha256")),
        ("rows", fmt_int(fp.get("rows"))), ("columns", fmt_int(fp.get("columns"))),
        ("column names", ", ".join(fp.get("column_names") or [])[:400])])
    spec = audit.spec.to_dict()
    mapping = _kv("Audit spec (column roles)", [
        (ROLE_NAMES.get(k, k.replace("_", " ")), ", ".join(map(str, v)) if isinstance(v, list)
         else v) for k, v in spec.items() if v not in (None, [], "")])
    opts = audit.options
    settings = _kv("Settings", [
        ("reference group", opts.reference if opts.reference is not None else "largest group"),
        ("minimum group size", opts.min_group_size),
        ("intervals", f"{opts.ci}" + (f", {opts.bootstrap:,} replicates"
                                      if opts.ci == "bootstrap" and opts.bootstrap else "")),
        ("confidence level", f"{opts.level:.0%}"), ("seed", opts.seed),
        ("significance", f"Benjamini-Hochberg q < {opts.alpha:g}"),
        ("analyses", analyses_words(report) or "audit only"),
        ("created (UTC)", report.created)])
    versions = _kv("Versions", list(report.versions.items()))
    return Section("about", "What was audited, and how", [report.what()],
                     tables=[fingerprint, mapping, settings, versions])


def analyses_words(report: Report) -> str:
    """The analyses of the report and where their settings come from, in words."""
    parts = []
    for name, params in report.config.analyses.items():
        what = ANALYSIS_WORDS.get(name, name.replace("_", " "))
        if "method" in params:
            what += f" ({params['method']})"
        origin = report.config.origins.get(name)
        if origin == "page":
            what += f", as run on the {PAGE_NAMES.get(name, name)} page"
        elif origin == "defaults":
            what += f", {NOT_RUN_ON_PAGES[0].lower()}{NOT_RUN_ON_PAGES[1:]}"
        parts.append(what)
    return "; ".join(parts)


def analysis_section(report: Report, name: str, document: dict[str, Any]) -> Section:
    """An analysis' section, opened by where its settings come from and what they are."""
    section = ANALYSIS_SECTIONS[name](document)
    if name in report.config.analyses and name != "over_time":
        section.paragraphs.insert(0, settings_origin(
            name, report.config.origins.get(name), report.config.analyses[name], document))
    return section


def group_display(audit: Audit, grouping: str) -> Table:
    """One grouping's per-group table: value [CI] per metric, * where significant."""
    bg = audit.by_group
    rows = bg[bg["grouping"] == grouping]
    metrics = table_metrics(bg)
    cells, classes = [], []
    for _, r in rows.iterrows():
        flag = " (reference)" if r["reference"] else " (small)" if r["small"] else ""
        line = [f"{r['group']}{flag}", fmt_int(r["n"])]
        for m in metrics:
            text = fmt_ci(r[m], r.get(f"{m}_low"), r.get(f"{m}_high"))
            if bool(r.get(f"{m}_significant", False)):
                text += " *"
            line.append(text)
        cells.append(line)
        classes.append("small" if r["small"] else "reference" if r["reference"] else "")
    note = ("Value [95% interval]; * = differs from the reference group (Benjamini-Hochberg "
            "q < 0.05)" + (f"; small = fewer than {audit.options.min_group_size} rows, left out "
                           "of the disparities, ES and PSD." if rows["small"].any() else "."))
    table = Table(f"{grouping}: metrics by group", ["group", "n", *map(measure_label, metrics)],
                  cells[:MAX_TABLE_ROWS], classes[:MAX_TABLE_ROWS], note,
                  max(0, len(cells) - MAX_TABLE_ROWS))
    return table


def grouping_section(report: Report, grouping: str) -> Section:
    """One attribute (or the intersection): sentences, chart and per-group table."""
    audit, doc = report.audit, report.audit.to_dict()
    rows = audit.by_group[audit.by_group["grouping"] == grouping]
    metrics = [m for m in CHART_METRICS if m in rows] or table_metrics(audit.by_group)[:4]
    cols = ["group", "n", "small", "reference"] + [
        c for m in metrics for c in (m, f"{m}_low", f"{m}_high") if c in rows]
    figures = []
    if len(rows) <= 40:
        figures.append(Figure("group_bars", f"{grouping}: rates by group with 95% intervals",
                                {"rows": _records(rows[cols]), "metrics": metrics}))
    words = outcome_words(report.config.sample, audit.threshold, audit.primary.name)
    sentences = [s.replace(PAGE_FLAGS, REPORT_FLAGS) for s in disparity_sentences(
        doc, audit.by_group, grouping, escape=str, min_group_size=audit.options.min_group_size,
        words=words)]
    return Section(f"grouping-{grouping}", f"Fairness by {grouping}", sentences,
                     tables=[group_display(audit, grouping)], figures=figures)


def four_fifths_table(ff: pd.DataFrame) -> Table:
    """The four-fifths rule per group (EEOC, 29 CFR 1607.4(D)): favorable rate, ratio, verdict."""
    def verdict(passes: Any, tested: bool, eligible: bool) -> str:
        if not eligible:
            return "too small to count"
        if not tested:
            return "not tested"
        return "no rate" if passes is None else "passes" if passes else "FAILS"

    fails = [p is not None and not p for p in ff["passes"]]
    view = pd.DataFrame({
        "grouping": ff["grouping"], "group": ff["group"].astype(str),
        "favorable rate": [fmt(v) for v in ff["favorable_rate"]],
        "highest (comparison)": ["-" if c is None else str(c) for c in ff["comparison_group"]],
        "ratio": [fmt(v) for v in ff["ratio"]],
        "verdict": [verdict(p, t, e) for p, t, e in zip(
            ff["passes"], ff["tested"], ff["eligible"], strict=True)]})
    good = "predicted negative" if (ff["favorable"] == "negative").all() else "predicted positive"
    return frame_table(
        view, f"Four-fifths rule (rate of the favorable outcome, {good}, vs the highest rate)",
        classes=["fail" if f else "" for f in fails],
        note="EEOC Uniform Guidelines, 29 CFR 1607.4(D): a group whose rate of the favorable "
             "outcome is below four-fifths (0.80) of the highest rate among the groups large "
             "enough to count fails; smaller groups get a ratio but no verdict.")


def disparities_section(report: Report) -> Section:
    """Between-group disparities with intervals, and the per-group tests."""
    audit = report.audit
    d = disparities_frame(audit)
    paragraphs = [
        "Between-group disparities compare the groups that are large enough (max - min for "
        "differences, min / max for ratios), with 95% bootstrap intervals. Whether a group "
        "really differs from the reference group is tested per group and metric below "
        "(Benjamini-Hochberg corrected)."]
    if audit.statistics.task == "binary":
        paragraphs.append(error_rate_priority(audit.spec.favorable, audit.to_dict()["overall"]))
        paragraphs += priority_spreads(audit.by_group, audit.spec.favorable, escape=str)
    tables, figures = [], []
    if len(d):
        shown = d[d["measure"].isin(KEY_MEASURES) | ~d["measure"].str.startswith(
            ("fpr_", "fnr_", "ppv_"))]
        table = pd.DataFrame({
            "grouping": shown["grouping"], "measure": [measure_label(m) for m in shown["measure"]],
            "value [95% CI]": [fmt_ci(v, lo, hi) for v, lo, hi in zip(
                shown["value"], shown["low"], shown["high"], strict=True)],
            "reference": shown["reference"].astype(str)})
        tables.append(frame_table(table, "Disparities by grouping", note=(
            "Every measure with its interval is in disparities.csv.")))
        key = d[d["measure"].isin(["demographic_parity_difference",
                                   "equalized_odds_difference"])]
        if not len(key):
            key = d[d["measure"].str.endswith("_difference")]
        figures.append(Figure("disparities", "Key disparities with 95% intervals", {
            "rows": [{"label": f"{g}: {measure_label(m)}", "value": v, "low": lo, "high": hi}
                     for g, m, v, lo, hi in zip(key["grouping"], key["measure"], key["value"],
                                                key["low"], key["high"], strict=True)
                     if not is_missing(v)]}))
    tests = tests_frame(audit)
    if len(tests):
        tests = tests[~tests["grouping"].astype(str).str.contains(" x ", regex=False)]
    if len(tests):
        sig = tests[tests["significant"]]
        view = pd.DataFrame({
            "grouping": sig["grouping"], "group": sig["group"].astype(str),
            "metric": [measure_label(m) for m in sig["metric"]],
            "difference": [fmt(v) for v in sig["difference"]],
            "p-value": [f"{p:.2g}" for p in sig["p_value"]],
            "q-value": [f"{q:.2g}" for q in sig["q_value"]]})
        tables.append(frame_table(
            view, f"Significant differences from the reference group ({len(sig)} of "
                  f"{len(tests)} tests of single attributes)",
            note="Two-proportion z-test or Fisher's exact test against the reference group, "
                 "Benjamini-Hochberg corrected within each grouping; all tests are in "
                 "tests_vs_reference.csv."))
    ff = four_fifths_frame(audit.to_dict())
    if len(ff):
        tables.append(four_fifths_table(ff))
    return Section("disparities", "Disparities and significance", paragraphs,
                     tables=tables, figures=figures)


def equity_section(report: Report) -> Section:
    """ES and PSD with the small-group caveat."""
    eq = report.audit.equity
    paragraphs = [
        "The equity-scaled metric ES-M = M_overall / (1 + sum over groups of |M_g - M_overall|) "
        "shrinks the overall metric by the groups' gaps; the performance-scaled disparity PSD "
        "is the spread of the group metrics relative to the overall one (std and max - min).",
        "Harmony (The Flaw of Averages, Uzunoglu et al. 2025) is the normalized entropy of the "
        "metric over the K groups, H = -sum p_g ln p_g / ln K with p_g = M_g / sum_h M_h: 1 when "
        "every group performs the same, lower as the performance concentrates in fewer groups.",
        f"Caveat: every group counts equally in the sum and in the max - min, so small groups "
        f"(whose metrics are noisy) can dominate ES and PSD. Groups smaller than "
        f"{report.audit.options.min_group_size} are left out; the number of groups used and the "
        f"intervals are shown next to every value.",
        *equity_sentences(report.audit)]
    tables, figures = [], []
    if len(eq):
        view = pd.DataFrame({
            "grouping": eq["grouping"], "metric": [measure_label(m) for m in eq["metric"]],
            "overall": [fmt(v) for v in eq["overall"]],
            "groups used": [str(int(v)) for v in eq["groups_used"]],
            "ES [95% CI]": [fmt_ci(v, lo, hi) for v, lo, hi in zip(
                eq["es"], eq["es_low"], eq["es_high"], strict=True)],
            "PSD std [95% CI]": [fmt_ci(v, lo, hi) for v, lo, hi in zip(
                eq["psd_std"], eq["psd_std_low"], eq["psd_std_high"], strict=True)],
            "PSD max-min [95% CI]": [fmt_ci(v, lo, hi) for v, lo, hi in zip(
                eq["psd_max"], eq["psd_max_low"], eq["psd_max_high"], strict=True)],
            "harmony [95% CI]": [fmt_ci(v, lo, hi) for v, lo, hi in zip(
                eq["harmony"], eq["harmony_low"], eq["harmony_high"], strict=True)]})
        tables.append(frame_table(view, "Equity-scaled metrics, performance-scaled "
                                          "disparities and harmony"))
        first = eq["metric"].iloc[0]
        part = eq[eq["metric"] == first]
        figures.append(Figure("bars", f"ES-{measure_label(first)} by grouping (dashed: overall "
                                        f"{measure_label(first)})", {
            "labels": [str(g) for g in part["grouping"]], "values": list(part["es"]),
            "low": list(part["es_low"]), "high": list(part["es_high"]),
            "line": float(part["overall"].iloc[0]), "xlabel": f"ES-{measure_label(first)}"}))
    return Section("equity", "Equity-scaled metrics (ES) and PSD", paragraphs,
                     tables=tables, figures=figures)


def gate_section(gate: GateResult) -> Section:
    """The CI rules and their outcome."""
    rows = [[r.rule.text, "pass" if r.passed else "FAIL",
             "; ".join(f"{g} = {fmt(v, 4)}" for g, v in r.values.items())]
            for r in gate.results]
    table = Table("Rules (a rule states when the check fails)", ["rule", "result", "values"],
                    rows, ["" if r.passed else "fail" for r in gate.results])
    verdict = "All rules pass." if gate.passed else \
        f"**{len(gate.failed)} rule(s) failed**: `fairlens audit --config` exits with code 1."
    return Section("gate", "CI fairness gate", [verdict], tables=[table])


def build_sections(report: Report) -> list[Section]:
    """Every section of ``report``, in reading order."""
    audit = report.audit
    out = [Section("summary", "Executive summary", bullets=report.summary())]
    out.append(about_section(report))
    overall = overall_frame(audit)
    view = pd.DataFrame({"metric": [measure_label(m) for m in overall["metric"]],
                         "value [95% CI]": [fmt_int(v) if m == "n" else fmt_ci(v, lo, hi)
                                            for m, v, lo, hi in zip(
                                                overall["metric"], overall["value"],
                                                overall["low"], overall["high"], strict=True)]})
    out.append(Section("overall", "Overall performance", tables=[
        frame_table(view, "Overall metrics")]))
    for grouping in dict.fromkeys(audit.by_group["grouping"]):
        out.append(grouping_section(report, grouping))
    out.append(disparities_section(report))
    out.append(equity_section(report))
    documents = report.documents()
    for name in ANALYSES:
        if name in documents:
            out.append(analysis_section(report, name, documents[name]))
        elif name in report.errors:
            paragraphs = [f"The {name} analysis was asked for but could not run: "
                          f"{report.errors[name]}"]
            if name in report.config.analyses and name != "over_time":
                paragraphs.insert(0, settings_origin(name, report.config.origins.get(name),
                                                     report.config.analyses[name], None))
            out.append(Section(name, f"{name.replace('_', ' ').capitalize()} (not available)",
                               paragraphs))
    if report.gate:
        out.append(gate_section(report.gate))
    warnings = list(dict.fromkeys([*report.warnings, *audit.warnings]))
    out.append(Section("limitations", "Limitations", bullets=report.limitations()
                         + [f"Warning: {w}" for w in warnings[:12]]))
    out.append(Section(
        "reproduce", "Reproduce this report",
        ["Run this command with the configuration below saved under the name it gives "
         "(and the data file next to it):"],
        code=report.command + "\n\n" + report.config.to_toml()))
    return out

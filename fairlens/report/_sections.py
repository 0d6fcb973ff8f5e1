"""The report's sections, in order: the one content model both renderers draw."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.auditing import Audit
from fairlens.report._content import MAX_TABLE_ROWS, Figure, Section, Table, frame_table
from fairlens.report._gate import GateResult
from fairlens.report._report import ANALYSES, Report
from fairlens.report._tables import (
    disparities_frame,
    explain_frames,
    four_fifths_frame,
    labels_frames,
    overall_frame,
    remedy_frame,
    slices_frame,
    tests_frame,
)
from fairlens.wording import (
    MEASURE_LABELS,
    disparity_sentences,
    equity_sentences,
    fmt,
    fmt_ci,
    fmt_int,
    is_missing,
    measure_label,
    table_metrics,
)
from fairlens.wording.report import fidelity_words

CHART_METRICS = ("selection_rate", "tpr", "fpr", "ppv")
"""The per-group chart's metrics (binary tasks)."""
KEY_MEASURES = tuple(MEASURE_LABELS)
Document = dict[str, Any]


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
        (k, ", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in spec.items()
        if v not in (None, [], "")])
    opts = audit.options
    settings = _kv("Settings", [
        ("reference group", opts.reference if opts.reference is not None else "largest group"),
        ("minimum group size", opts.min_group_size),
        ("intervals", f"{opts.ci}" + (f", {opts.bootstrap:,} replicates"
                                      if opts.ci == "bootstrap" and opts.bootstrap else "")),
        ("confidence level", f"{opts.level:.0%}"), ("seed", opts.seed),
        ("significance", f"Benjamini-Hochberg q < {opts.alpha:g}"),
        ("analyses", ", ".join(f"{name} {params['method']}" if "method" in params else name
                               for name, params in report.config.analyses.items())
         or "audit only"),
        ("created (UTC)", report.created)])
    versions = _kv("Versions", list(report.versions.items()))
    return Section("about", "What was audited, and how", [report.what()],
                     tables=[fingerprint, mapping, settings, versions])


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
            f"q < 0.05); small = fewer than {audit.options.min_group_size} rows, left out of "
            "the disparities, ES and PSD.")
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
    return Section(f"grouping-{grouping}", f"Fairness by {grouping}",
                     disparity_sentences(doc, audit.by_group, grouping, escape=str,
                                         min_group_size=audit.options.min_group_size),
                     tables=[group_display(audit, grouping)], figures=figures)


def disparities_section(report: Report) -> Section:
    """Between-group disparities with intervals, and the per-group tests."""
    audit = report.audit
    d = disparities_frame(audit)
    paragraphs = [
        "Between-group disparities compare the groups that are large enough (max - min for "
        "differences, min / max for ratios), with 95% bootstrap intervals. Whether a group "
        "really differs from the reference group is tested per group and metric below "
        "(Benjamini-Hochberg corrected)."]
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
        view = pd.DataFrame({"grouping": ff["grouping"], "group": ff["group"].astype(str),
                             "reference": ff["reference"].astype(str),
                             "selection-rate ratio": [fmt(v) for v in
                                                      ff["selection_rate_ratio"]],
                             "below 0.8": ["yes" if f else "no" for f in ff["fails"]]})
        tables.append(frame_table(view, "Four-fifths rule (selection rate vs reference)",
                                    classes=["fail" if f else "" for f in ff["fails"]]))
    return Section("disparities", "Disparities and significance", paragraphs,
                     tables=tables, figures=figures)


def equity_section(report: Report) -> Section:
    """ES and PSD with the small-group caveat."""
    eq = report.audit.equity
    paragraphs = [
        "The equity-scaled metric ES-M = M_overall / (1 + sum over groups of |M_g - M_overall|) "
        "shrinks the overall metric by the groups' gaps; the performance-scaled disparity PSD "
        "is the spread of the group metrics relative to the overall one (std and max - min).",
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
                eq["psd_max"], eq["psd_max_low"], eq["psd_max_high"], strict=True)]})
        tables.append(frame_table(view, "Equity-scaled metrics and performance-scaled "
                                          "disparities"))
        first = eq["metric"].iloc[0]
        part = eq[eq["metric"] == first]
        figures.append(Figure("bars", f"ES-{measure_label(first)} by grouping (dashed: overall "
                                        f"{measure_label(first)})", {
            "labels": [str(g) for g in part["grouping"]], "values": list(part["es"]),
            "low": list(part["es_low"]), "high": list(part["es_high"]),
            "line": float(part["overall"].iloc[0]), "xlabel": f"ES-{measure_label(first)}"}))
    return Section("equity", "Equity-scaled metrics (ES) and PSD", paragraphs,
                     tables=tables, figures=figures)


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("detector") or value.get("name") or "cleanlab")
    return str(value or "cleanlab")


def labels_section(doc: Document) -> Section:
    """Label errors: how many, where, and whether the disparities survive them."""
    paragraphs = []
    if doc.get("n_issues") is not None and doc.get("n_rows"):
        lo, hi = (doc.get("issue_rate_ci") or [None, None])[:2]
        paragraphs.append(
            f"Confident learning ({_name(doc.get('detector'))}, probabilities from "
            f"{doc.get('source', '?')}) flags **{int(doc['n_issues']):,}** of "
            f"{int(doc['n_rows']):,} labels as probably wrong "
            f"({fmt_ci(doc.get('issue_rate'), lo, hi)}).")
    paragraphs.extend(str(s) for s in doc.get("fairness_verdict") or [])
    frames = labels_frames(doc)
    tables = []
    rates = frames.get("label_issue_rates")
    if rates is not None and len(rates):
        view = pd.DataFrame({
            "grouping": rates["grouping"].astype(str), "group": rates["group"].astype(str),
            "n": [fmt_int(v) for v in rates["n"]],
            "issues": [fmt_int(v) for v in rates["n_issues"]],
            "rate [95% CI]": [fmt_ci(v, lo, hi) for v, lo, hi in zip(
                rates["rate"], rates["low"], rates["high"], strict=True)],
            "q-value": [fmt(v) for v in rates["q_value"]],
            "significant": ["yes" if s else "" for s in rates["significant"]]})
        tables.append(frame_table(view, "Label-issue rate by group", classes=[
            "small" if s else "reference" if r else "" for s, r in zip(
                rates["small"], rates["reference"], strict=True)]))
    fair = frames.get("label_fairness")
    if fair is not None and len(fair):
        view = fair.copy()
        if "measure" in view:
            view["measure"] = [measure_label(str(m)) for m in view["measure"]]
        tables.append(frame_table(view, "Disparities with the original labels, the suspected "
                                          "errors excluded, and relabelled"))
    return Section("labels", "Label errors", paragraphs, tables=tables)


def slices_section(doc: Document) -> Section:
    """The slices where the model errs most."""
    paragraphs = []
    if doc.get("overall_error") is not None:
        paragraphs.append(
            f"Overall {doc.get('error', 'error')} rate {fmt(doc['overall_error'])}; "
            f"{fmt_int(doc.get('n_examined'))} slices examined, significance controlled by "
            f"Benjamini-Hochberg (FDR {doc.get('fdr', 0.05)}).")
    frame = slices_frame(doc)
    bullets = [str(s.get("description", "")) for s in (doc.get("slices") or [])[:5]]
    tables = []
    if len(frame):
        view = pd.DataFrame({
            "slice": frame["description"].astype(str).str.split(":").str[0],
            "n": [fmt_int(v) for v in frame["n"]],
            "error rate [95% CI]": [fmt_ci(v, lo, hi) for v, lo, hi in zip(
                frame["error_rate"], frame["low"], frame["high"], strict=True)],
            "lift": [fmt(v, 2) for v in frame["lift"]],
            "q-value": [f"{q:.2g}" if not is_missing(q) else "-" for q in frame["q_value"]]})
        tables.append(frame_table(view, "Error slices (best first)"))
    return Section("slices", "Where the model fails: error slices", paragraphs, bullets,
                     tables=tables)


def explain_section(doc: Document) -> Section:
    """Feature importance and the decomposition of the score gap between two groups."""
    model = doc.get("model") or {}
    paragraphs = []
    if model:
        fid = model.get("fidelity")
        fid_text = (f"; fidelity to the audited predictions: {fidelity_words(fid)}"
                    if fid is not None else "")
        paragraphs.append(f"Explained model: {model.get('kind', '?')} "
                          f"({model.get('source', '?')}){fid_text}; "
                          f"{doc.get('sample_size', '?')} rows explained.")
    gap = doc.get("gap") or {}
    if gap:
        paragraphs.append(
            f"Mean score of {gap.get('group_a', '?')} ({gap.get('attribute', '')}) "
            f"{fmt(gap.get('mean_a'))} vs {gap.get('group_b', '?')} {fmt(gap.get('mean_b'))}: "
            f"gap {fmt(gap.get('gap'))}, decomposed over the features below.")
    for key, title in (("flip", "Attribute-flip test"), ("proxy", "Proxy check")):
        part = doc.get(key)
        if isinstance(part, dict) and part:
            text = part.get("sentence") or "; ".join(
                f"{k} {fmt(v) if isinstance(v, float) else v}" for k, v in part.items()
                if not isinstance(v, (dict, list)))
            paragraphs.append(f"{title}: {text}")
    frames = explain_frames(doc)
    tables, figures = [], []
    imp = frames.get("explain_importance")
    if imp is not None and len(imp):
        tables.append(frame_table(imp.head(20), "Feature importance (overall)"))
        top = imp.head(12)
        figures.append(Figure("bars", "Feature importance (overall)", {
            "labels": [str(f) for f in top["feature"]], "values": list(top["importance"]),
            "xlabel": "importance"}))
    gap_frame = frames.get("explain_gap")
    if gap_frame is not None and len(gap_frame):
        tables.append(frame_table(gap_frame.head(20), "Contribution of each feature to the gap"))
    by_group = frames.get("explain_by_group")
    if by_group is not None and len(by_group):
        wide = by_group.pivot_table(index="feature", columns=["attribute", "group"],
                                    values="importance", aggfunc="first")
        wide.columns = [f"{a}={g}" for a, g in wide.columns]
        wide = wide.reset_index().iloc[:20, :9]
        tables.append(frame_table(wide, "Feature importance by group"))
    return Section("explain", "Why: explanations", paragraphs,
                     [str(w) for w in doc.get("warnings") or []], tables=tables,
                     figures=figures)


def remedy_section(doc: Document) -> Section:
    """The remedy's effect: metrics before and after, on the held-out split."""
    paragraphs = [f"Method **{doc.get('method', '?')}**, constraint "
                  f"{doc.get('constraint', '?')}, tolerance {doc.get('tolerance', '?')}"
                  + (f", attribute {doc['attribute']}" if doc.get("attribute") else "") + "."]
    split = doc.get("split")
    if isinstance(split, dict) and split:
        paragraphs.append(
            "Evaluated on " + str(split.get("evaluated_on", "a held-out split")) + ": "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in split.items()
                        if k not in ("evaluated_on",) and not isinstance(v, (dict, list)))
            + ".")
    if doc.get("sentence"):
        paragraphs.append(str(doc["sentence"]))
    frame = remedy_frame(doc)
    tables = []
    if len(frame):
        key = ("n_rows", "accuracy", "selection_rate", "tpr", "fpr", "auc",
               "demographic_parity_difference", "equalized_odds_difference",
               "equal_opportunity_difference", "accuracy_difference")
        names = frame["measure"].astype(str)
        shown = frame[names.str.split(".").str[-1].isin(key) | names.str.startswith(
            "equity_scaled.")]
        tables.append(frame_table(
            shown if len(shown) else frame, "Before and after the remedy (held-out split)",
            note="Key measures; every number before and after is in remedy.csv."))
    artefacts = doc.get("artefacts")
    bullets = [str(w) for w in doc.get("warnings") or []]
    if isinstance(artefacts, dict) and artefacts:
        text = "; ".join(f"{k}: {v}" for k, v in artefacts.items()
                         if not isinstance(v, (dict, list)))
        bullets.append("Artefacts (full detail in the JSON file): " + text[:600])
    return Section("remedy", "What would reduce the disparity: remedy", paragraphs, bullets,
                     tables=tables)


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


ANALYSIS_SECTIONS = {"labels": labels_section, "slices": slices_section,
                     "explain": explain_section, "remedy": remedy_section}
"""The section builder of each analysis, from its JSON document."""


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
            out.append(ANALYSIS_SECTIONS[name](documents[name]))
        elif name in report.errors:
            out.append(Section(name, f"{name.capitalize()} (not available)", [
                f"The {name} analysis was asked for but could not run: {report.errors[name]}"]))
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

"""The sections of the analyses run with the audit (labels, slices, explain, remedy), each
drawn from the analysis' JSON document.

The documents are read defensively: a key that is missing leaves out what it would show.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.report._content import Figure, Section, frame_table
from fairlens.report._tables import explain_frames, labels_frames, remedy_frame, slices_frame
from fairlens.wording import fmt, fmt_ci, fmt_int, is_missing, measure_label, names
from fairlens.wording.report import fidelity_words

MAX_GROUP_COLUMNS = 8
"""Groups shown side by side in the table of feature importance by group."""
Document = dict[str, Any]
"""An analysis' JSON document (``fairlens.labels/1``, ``fairlens.slices/1`` ...)."""


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("detector") or value.get("name") or "cleanlab")
    return str(value or "cleanlab")


def labels_section(doc: Document) -> Section:
    """Label errors: how many, where, and whether the disparities survive them."""
    from fairlens.wording.labels import headline_of

    paragraphs = []
    if doc.get("n_issues") is not None and doc.get("n_rows"):
        paragraphs.append(headline_of(doc))
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


FLIP_KEYS = ("attribute", "share", "threshold", "n")
PROXY_KEYS = ("attribute", "auc", "n_holdout", "verdict")


def _check_words(key: str, part: dict[str, Any], who: str) -> str:
    """The flip test's or the proxy check's finding in words (the Explain page's sentences),
    from its JSON object; the numbers it has, named, when a key is missing."""
    from types import SimpleNamespace

    from fairlens.wording.explain import flip_sentence, proxy_sentence

    if part.get("sentence"):
        return str(part["sentence"])
    if key == "flip" and all(part.get(k) is not None for k in FLIP_KEYS):
        return flip_sentence(SimpleNamespace(**part), who)
    if key == "proxy" and all(part.get(k) is not None for k in PROXY_KEYS):
        text = proxy_sentence(SimpleNamespace(**part), who)
        features = part.get("features")
        if isinstance(features, dict) and features:
            top = sorted(features, key=lambda f: -(features[f] or 0))[:3]
            text += (f" The inputs that carry most of it (the largest AUC drop when "
                     f"shuffled): {names([str(f) for f in top])}.")
        return text
    return "; ".join(f"{k.replace('_', ' ')} {fmt(v) if isinstance(v, float) else v}"
                     for k, v in part.items() if not isinstance(v, (dict, list)))


def explain_section(doc: Document) -> Section:
    """Feature importance and the decomposition of the score gap between two groups."""
    model = doc.get("model") or {}
    paragraphs = []
    if model:
        fid = model.get("fidelity")
        fid_text = (f"; fidelity to the audited predictions: {fidelity_words(fid)}"
                    if fid is not None else "")
        what = "a surrogate of the scores" if model.get("kind") == "surrogate" else "the model"
        paragraphs.append(f"Explained: {what} ({model.get('source', '?')}){fid_text}; "
                          f"{fmt_int(doc.get('sample_size'))} rows explained.")
    gap = doc.get("gap") or {}
    if gap:
        paragraphs.append(
            f"Mean score of {gap.get('group_a', '?')} ({gap.get('attribute', '')}) "
            f"{fmt(gap.get('mean_a'))} vs {gap.get('group_b', '?')} {fmt(gap.get('mean_b'))}: "
            f"gap {fmt(gap.get('gap'))}, decomposed over the features below.")
    who = "the surrogate" if model.get("kind") == "surrogate" else "the model"
    for key, title in (("flip", "Attribute-flip test"), ("proxy", "Proxy check")):
        part = doc.get(key)
        if isinstance(part, dict) and part:
            paragraphs.append(f"{title}: {_check_words(key, part, who)}")
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
        for attribute in dict.fromkeys(by_group["attribute"]):
            part = by_group[by_group["attribute"] == attribute]
            wide = part.pivot_table(index="feature", columns="group", values="importance",
                                    aggfunc="first", sort=False)
            wide.columns = [str(g) for g in wide.columns]
            wide = wide.reset_index().iloc[:20, :MAX_GROUP_COLUMNS + 1]
            more = part["group"].nunique() - MAX_GROUP_COLUMNS
            tables.append(frame_table(
                wide, f"Feature importance by {attribute} (mean |SHAP| in each group)",
                note=f"{more} more group(s) in explain_by_group.csv." if more > 0 else "",
                keep=tuple(wide.columns[1:])))
    return Section("explain", "Why: explanations", paragraphs,
                     [str(w) for w in doc.get("warnings") or []], tables=tables,
                     figures=figures)


def remedy_section(doc: Document) -> Section:
    """The remedy's effect on the held-out split: the headline (what the fairness method added
    beyond retraining, for a remedy that retrains), what it aimed at (a constraint only for a
    remedy that takes one), the key measures before, after and for the same learner retrained
    without fairness, and the notes computed from those numbers."""
    from fairlens import registry
    from fairlens.wording import metric_label
    from fairlens.wording.remedies import change_words, constraint_line, fit_notes

    method = str(doc.get("method", "?"))
    try:
        title = registry.get("remedy", method).title
    except Exception:  # noqa: BLE001 - an unknown remedy keeps its name
        title = method
    attribute = doc.get("attribute")
    disparities = (doc.get("before") or {}).get("disparities") or {}
    shown_attribute = attribute or next(iter(disparities), None)
    paragraphs = []
    if doc.get("sentence"):
        paragraphs.append(str(doc["sentence"]))
    paragraphs.append(f"Method **{title}**" + (f" on {attribute}" if attribute else "") + ". "
                      + constraint_line(doc))
    split = doc.get("split")
    if isinstance(split, dict) and split.get("n_fit") is not None:
        strata = " and ".join(str(c) for c in split.get("stratified_by") or [])
        paragraphs.append(
            f"Fitted on {fmt_int(split['n_fit'])} rows, evaluated on "
            f"{fmt_int(split.get('n_test'))} held-out rows ({split.get('method', 'split')}"
            + (f" by {strata}" if strata else "") + f", seed {split.get('seed', '-')}).")
    tables = []
    parts = {k: doc.get(k) or {} for k in ("before", "after", "baseline")}
    base = bool(doc.get("baseline"))

    def value(part: str, kind: str, key: str) -> Any:
        block = parts[part].get(kind) or {}
        if kind == "disparities":
            block = block.get(str(shown_attribute)) or {}
        return block.get(key)

    rows = []
    keys = [("overall", k, metric_label(k)) for k in
            ("accuracy", "balanced_accuracy", "selection_rate", "tpr", "fpr", "auc")]
    keys += [("disparities", k, f"{measure_label(k)} ({shown_attribute})") for k in
             ("equalized_odds_difference", "equal_opportunity_difference",
              "demographic_parity_difference")]
    for kind, key, label in keys:
        b, a = value("before", kind, key), value("after", kind, key)
        if is_missing(b) and is_missing(a):
            continue
        row = {"Measure (held-out rows)": label, "Before": fmt(b), "After": fmt(a),
               "Change": change_words(None if is_missing(a) or is_missing(b)
                                      else float(a) - float(b), "-")}
        if base:
            r = value("baseline", kind, key)
            row["Retrained without fairness"] = fmt(r)
            row["Beyond retraining"] = change_words(
                None if is_missing(a) or is_missing(r) else float(a) - float(r), "-")
        rows.append(row)
    if rows:
        tables.append(frame_table(
            pd.DataFrame(rows), "Before and after the remedy (held-out split)",
            note="Key measures" + ("; 'Beyond retraining' is what the fairness method added "
                                   "to the same learner retrained without it" if base else "")
                 + f". Every number before and after ({fmt_int(len(remedy_frame(doc)))} "
                   "measures) is in remedy.csv."))
    bullets = list(fit_notes(doc))
    bullets += [str(w) for w in doc.get("warnings") or []]
    artefacts = doc.get("artefacts")
    if isinstance(artefacts, dict) and artefacts:
        text = "; ".join(f"{k}: {v}" for k, v in artefacts.items()
                         if not isinstance(v, (dict, list)) and v is not None)
        bullets.append("Artefacts (full detail in the JSON file): " + text[:600])
    return Section("remedy", "What would reduce the disparity: remedy", paragraphs, bullets,
                   tables=tables)


def over_time_section(doc: Document) -> Section:
    """Fairness over time (:mod:`fairlens.drift`, imported when a report has it)."""
    from fairlens.drift._section import over_time_section as build

    return build(doc)


ANALYSIS_SECTIONS = {"labels": labels_section, "slices": slices_section,
                     "explain": explain_section, "remedy": remedy_section,
                     "over_time": over_time_section}
"""The section builder of each analysis, from its JSON document."""

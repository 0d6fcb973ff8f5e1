"""The audit report's own prose: what was audited, the executive summary, the limitations.

The sentences take the audit and the JSON documents of the analyses run with it (schemas
``fairlens.labels/1``, ``fairlens.slices/1``, ``fairlens.explain/1``, ``fairlens.remedy/1``),
so they read only what those documents promise. Text may carry ``**bold**`` markers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fairlens.auditing import Audit
from fairlens.wording._numbers import fmt, fmt_ci, fmt_int, is_missing
from fairlens.wording._text import could_not_run
from fairlens.wording.audit import headline
from fairlens.wording.metrics import measure_label

Documents = Mapping[str, Mapping[str, Any]]
"""Analysis name (``labels``, ``slices``, ``explain``, ``remedy``) -> its JSON document."""

OVERALL_SHOWN = ("accuracy", "auc", "selection_rate", "dice", "iou")
"""The overall metrics the summary names (those the task has)."""
MAX_SMALL_LISTED = 8


def audited_what(audit: Audit, data_name: str) -> str:
    """One sentence: which data, model, decision rule and attributes were audited."""
    spec = audit.spec
    rule = spec.decision_rule(audit.threshold)
    label = f" against the true label {spec.label}" if spec.label else ""
    return (f"FairLens audited **{audit.n_rows:,} rows** of {data_name} ({rule}){label}, by "
            f"{', '.join(spec.sensitive)}"
            + (" and their intersection." if len(spec.sensitive) > 1 else "."))


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


def _audit_findings(audit: Audit) -> list[str]:
    """Overall metrics, each grouping's headline, the intersections and ES."""
    doc = audit.to_dict()
    out = []
    overall = audit.overall
    shown = [m for m in OVERALL_SHOWN if m in overall and not is_missing(overall[m])]
    if shown:
        ci = audit.primary.overall_ci
        parts = [f"{measure_label(m)} {fmt_ci(overall[m], *ci.get(m, (None, None)), digits=2)}"
                 for m in shown]
        out.append("Overall: " + "; ".join(parts) + ".")
    for grouping in doc["disparities"]:
        sentence = None if " x " in grouping else headline(doc, audit.by_group, grouping)
        if sentence:
            out.append(sentence)
    for grouping in (g for g in doc["disparities"] if " x " in g):
        disp = doc["disparities"][grouping]
        candidates = ["equalized_odds_difference", "demographic_parity_difference",
                      *(k for k in disp if k.endswith("_difference"))]
        key = next((k for k in candidates if not is_missing(disp.get(k))), None)
        rows = audit.by_group[audit.by_group["grouping"] == grouping]
        if key:
            out.append(f"Across the {len(rows)} intersectional groups of **{grouping}** "
                       f"({int(rows['small'].sum())} too small to compare), the "
                       f"{_lower_first(measure_label(key))} is **{fmt(disp[key], 2)}**.")
    eq = audit.equity
    if len(eq):
        first = eq["metric"].iloc[0]
        part = eq[(eq["metric"] == first) & ~eq["grouping"].astype(str).str.contains(
            " x ", regex=False)]
        if len(part):
            name = measure_label(first)
            values = ", ".join(f"{g} **{fmt(v, 2)}**" for g, v in zip(
                part["grouping"], part["es"], strict=True))
            out.append(f"Equity-scaled {name} (ES-{name}, lower when groups differ): {values}, "
                       f"against an overall {name} of {fmt(part['overall'].iloc[0], 2)}.")
    return out


def _analysis_findings(documents: Documents) -> list[str]:
    """One or two sentences per analysis that ran."""
    out = []
    labels = documents.get("labels")
    if labels:
        verdict = labels.get("fairness_verdict") or []
        n_issues, n_rows = labels.get("n_issues"), labels.get("n_rows")
        if n_issues is not None and n_rows:
            from fairlens.wording.labels import headline_of

            doc = dict(labels)
            doc.setdefault("issue_rate", n_issues / n_rows)
            out.append(f"Label errors: {headline_of(doc)}")
        if verdict:
            out.append(str(verdict[-1]))
    slices = (documents.get("slices") or {}).get("slices") or []
    if slices:
        out.append(f"Where the model errs most: {slices[0].get('description', '')}.")
    gap = (documents.get("explain") or {}).get("gap") or {}
    contributions = gap.get("contributions") or {}
    if contributions:
        top = max(contributions, key=lambda f: abs(contributions[f] or 0))
        out.append(f"Explanation: of the score gap between {gap.get('group_a')} and "
                   f"{gap.get('group_b')} ({fmt(gap.get('gap'), 3)}), the feature **{top}** "
                   f"accounts for the largest part ({fmt(contributions[top], 3)}).")
    remedy = documents.get("remedy") or {}
    if remedy.get("sentence"):
        out.append(f"Remedy ({remedy.get('method', '')}): {remedy['sentence']}")
    return out


def summary_sentences(audit: Audit, *, data_name: str, documents: Documents,
                      gate: Any = None, errors: Mapping[str, str] | None = None) -> list[str]:
    """The executive summary: key findings in plain language.

    Parameters
    ----------
    audit : Audit
    data_name : str
        What the data is called (the fingerprint's name).
    documents : mapping
        The JSON documents of the analyses that ran (see :data:`Documents`).
    gate : GateResult, optional
        The CI rules' outcome (``passed`` and the ``failed`` rule results).
    errors : mapping, optional
        Analysis name -> message, for analyses that were asked for but failed.
    """
    out = [audited_what(audit, data_name), *_audit_findings(audit),
           *_analysis_findings(documents)]
    if gate is not None:
        out.append("CI gate: " + ("**all rules pass**." if gate.passed else
                                  "**failed**: " + "; ".join(
                                      r.rule.text for r in gate.failed) + "."))
    for name, message in (errors or {}).items():
        out.append(could_not_run(name, message))
    return out


def fidelity_words(fidelity: Any) -> str:
    """A surrogate's fidelity in words: a number, or the parts of a fidelity dict."""
    if isinstance(fidelity, dict):
        parts = []
        for key, word in (("r2", "R²"), ("agreement", "decision agreement"),
                          ("accuracy", "accuracy"), ("auc", "AUC")):
            if isinstance(fidelity.get(key), (int, float)):
                parts.append(f"{word} {fmt(fidelity[key], 2)}")
        if fidelity.get("n_holdout"):
            parts.append(f"on {fmt_int(fidelity['n_holdout'])} held-out rows")
        return ", ".join(parts) or "not reported"
    if isinstance(fidelity, (int, float)):
        return fmt(fidelity, 2)
    return "not reported" if fidelity is None else str(fidelity)


def split_words(split: Any) -> str:
    """A remedy's held-out split in words (``test_size 0.3, seed 0, ...``)."""
    if isinstance(split, dict):
        return ", ".join(f"{k} {v}" for k, v in split.items() if not isinstance(v, (dict, list)))
    return str(split)


def _audit_limitations(audit: Audit) -> list[str]:
    options = audit.options
    out = []
    small = audit.by_group[audit.by_group["small"].astype(bool)]
    if len(small):
        listed = ", ".join(f"{g} (n = {n})" for g, n in zip(
            small["group"][:MAX_SMALL_LISTED], small["n"][:MAX_SMALL_LISTED], strict=True))
        more = (f" and {len(small) - MAX_SMALL_LISTED} more"
                if len(small) > MAX_SMALL_LISTED else "")
        out.append(
            f"Small groups: {len(small)} group(s) have fewer than {options.min_group_size} rows "
            f"and are left out of the disparities, the four-fifths rule, ES and PSD: "
            f"{listed}{more}. Their own rates have wide intervals.")
    out.append(
        "ES and PSD sum or span the gaps of every group, so a few small, noisy groups can "
        "dominate them; read them with the group sizes and intervals, and compare audits "
        "only at the same minimum group size.")
    if options.ci == "bootstrap" and options.bootstrap:
        out.append(f"Intervals are {options.bootstrap:,}-replicate bootstrap percentile "
                   f"intervals (seed {options.seed}) at {options.level:.0%}; significance uses "
                   "Benjamini-Hochberg correction within each grouping.")
    else:
        out.append("Intervals are analytic (Wilson, Hanley-McNeil); disparities, ES and PSD "
                   "have no intervals in this mode.")
    if audit.spec.score:
        out.append(f"Every rate depends on the decision threshold ({audit.threshold:g}); "
                   "another threshold gives other disparities (AUC does not depend on it).")
    out.append("The audit describes this data only: it measures differences in outcomes, "
               "not their causes, and groups not recorded in the data cannot be audited.")
    return out


def limitation_sentences(audit: Audit, *, documents: Documents) -> list[str]:
    """What the numbers cannot say, for this audit and the analyses run with it."""
    out = _audit_limitations(audit)
    labels = documents.get("labels")
    if labels:
        notes = [str(n) for n in (labels.get("notes") or [])]
        out.append("Label errors are suspects found by confident learning from the model's "
                   "own probabilities, not verified mistakes"
                   + (": " + " ".join(notes) if notes else "."))
    explain = documents.get("explain")
    if explain:
        model = explain.get("model") or {}
        fid = model.get("fidelity")
        if model.get("kind") == "surrogate" or fid is not None:
            out.append(
                f"Explanations describe a {model.get('kind', 'model')} "
                f"({model.get('source', '')})"
                + (f" whose fidelity to the audited predictions is {fidelity_words(fid)}"
                   if fid is not None else "")
                + f", on a sample of {explain.get('sample_size', '?')} rows; a surrogate "
                "explains the scores only as far as it reproduces them.")
        out.extend(str(w) for w in (explain.get("warnings") or [])[:3])
    remedy = documents.get("remedy")
    if remedy:
        split = remedy.get("split") or {}
        out.append("The remedy is evaluated on a held-out split of this data "
                   f"({split if isinstance(split, str) else split_words(split)}); its "
                   "effect on new data can differ.")
        out.extend(str(w) for w in (remedy.get("warnings") or [])[:3])
    return out


# --- where each analysis' settings come from --------------------------------------------------

PAGE_NAMES = {"labels": "Label errors", "slices": "Slices", "explain": "Explain",
              "remedy": "Remedies"}
"""The app page of each analysis of the report."""
NOT_RUN_ON_PAGES = "Not run on the pages: defaults"
"""The label of an analysis the report ran with its defaults because no page ran it."""
_HIDDEN_SETTINGS = {"base", "model_file", "model_sha256", "progress", "origin",
                    "model_object"}
_MAX_SETTING_TEXT = 400


def _setting_value(value: Any) -> str:
    from fairlens.wording._text import names

    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return names([str(v) for v in value]) if value else "none"
    if isinstance(value, dict):
        return "; ".join(f"{k} {_setting_value(v)}" for k, v in value.items())
    return "-" if value is None else str(value)


MAX_NAMED = 6
"""Longest list of values a settings line names in full (longer ones: the count and the first
few)."""


def _list_words(key: str, values: Any) -> str:
    """``features age and sex``, or for a long list ``12 features (age, sex, ...)``."""
    from fairlens.wording._text import names

    values = [str(v) for v in values]
    if len(values) <= MAX_NAMED:
        return f"{key} {names(values) if values else 'none'}"
    return f"{len(values)} {key} ({', '.join(values[:MAX_NAMED - 2])} ...)"


SETTING_NAMES = {
    "fis_coef": "group share c", "fis_temperature": "temperature T", "febs_gamma": "gamma",
    "test_size": "held-out share", "n_splits": "folds", "max_depth": "most conditions per slice",
    "min_support": "minimum rows per slice", "top_k": "slices shown", "n_bins": "bins",
    "fdr": "false discovery rate", "sample_size": "rows explained", "group_a": "group A",
    "group_b": "group B", "model_name": "model file", "trust_pickle": "pickle trusted",
}
"""Section settings named as on the pages (others: their name with spaces)."""
_CHOICES = {"objective", "architecture", "learner", "constraint"}
"""Remedy settings whose values are choices named in snake_case (``equalized_odds``)."""


def _method_title(method: Any) -> Any:
    """A remedy method by its registered title (``fis`` -> ``Fair identity scaling ...``)."""
    from fairlens import registry

    try:
        return registry.get("remedy", str(method)).title
    except Exception:  # noqa: BLE001 - an unknown method keeps its name
        return method


def _words(value: Any) -> Any:
    """A choice named in snake_case, for a person (``prune_by_noise_rate`` ->
    ``prune by noise rate``); other values unchanged."""
    return value.replace("_", " ") if isinstance(value, str) else value


def _document_settings(name: str, doc: Mapping[str, Any]
                       ) -> tuple[dict[str, Any], set[str]]:
    """The settings an analysis' JSON document records (what actually ran), and the section
    keywords they cover."""
    out: dict[str, Any] = {}
    covered: set[str] = set()
    if name == "labels":
        from fairlens.wording.labels import source_short

        detector = doc.get("detector")
        options = (detector.get("options") or {}) if isinstance(detector, Mapping) else {}
        if doc.get("source"):
            out["probabilities from"] = source_short(str(doc["source"]),
                                                     options.get("n_splits", "?"))
        from fairlens.wording.labels import model_name

        covered |= {"source", "detector", "n_splits"}
        if doc.get("source") == "features" and options.get("model") is not None:
            out["probabilities from"] = (f"a {options.get('n_splits', '?')}-fold "
                                         f"cross-validated {model_name(options['model'])}")
            covered.add("model")
        for key in ("filter_by", "rank_by"):
            if key in options:
                out[key.replace("_", " ")] = _words(options[key])
                covered.add(key)
    elif name == "slices":
        out["error signal"] = _words(doc.get("error"))
        params = doc.get("params") or {}
        for key in ("features", "max_depth", "min_support", "top_k", "n_bins", "fdr"):
            if key in params:
                out[SETTING_NAMES.get(key, key)] = params[key]
        covered |= {"error", *params}
    elif name == "explain":
        model = doc.get("model") or {}
        out["explained"] = model.get("source") or model.get("kind")
        gap = doc.get("gap") or {}
        out["attribute"] = doc.get("attribute") or gap.get("attribute")
        if gap.get("group_a") is not None:
            out["groups compared"] = f"{gap.get('group_a')} and {gap.get('group_b')}"
        out["rows explained"] = doc.get("sample_size")
        covered |= {"model", "sample", "trust_pickle", "trusted_types",
                    "features", "attribute", "group_a", "group_b", "sample_size"}
    elif name == "remedy":
        out["method"] = _method_title(doc.get("method"))
        out["attribute"] = doc.get("attribute")
        constraint = str(doc.get("constraint") or "").replace("_", " ") or None
        if doc.get("tolerance") is not None:
            out["constraint"] = constraint
            out["tolerance"] = doc.get("tolerance")
        else:
            out["disparity measured"] = constraint
        settings = doc.get("settings") or {}
        for key, value in settings.items():
            if key not in ("attribute", "bootstrap", "min_group_size"):
                out[SETTING_NAMES.get(key, key.replace("_", " "))] = (
                    _words(value) if key in _CHOICES else value)
        covered |= {"method", "attribute", "constraint", "tolerance", *settings}
    return {k: v for k, v in out.items() if v is not None}, covered


def settings_text(name: str, params: Mapping[str, Any], doc: Mapping[str, Any] | None) -> str:
    """The settings an analysis ran with, in words: what its document records, and the
    settings given (a page's or the config's) that the document does not name."""
    shown, covered = _document_settings(name, doc or {})
    for key, value in params.items():
        if key in _HIDDEN_SETTINGS or key in covered or value is None:
            continue
        shown[SETTING_NAMES.get(key, key.replace("_", " "))] = (
            _words(value) if key in _CHOICES else value)
    parts = [_list_words(k, v) if isinstance(v, (list, tuple)) else f"{k} {_setting_value(v)}"
             for k, v in shown.items()]
    text = "; ".join(parts)
    return text if len(text) <= _MAX_SETTING_TEXT else text[:_MAX_SETTING_TEXT - 3] + "..."


def settings_origin(name: str, origin: str | None, params: Mapping[str, Any],
                    doc: Mapping[str, Any] | None) -> str:
    """Where an analysis' settings come from, and what they are (the first paragraph of its
    section in the report).

    ``origin`` is ``"page"`` (run so on an app page), ``"defaults"`` (not run on the pages)
    or None (a config written by hand or on the command line).
    """
    text = settings_text(name, params, doc)
    tail = f": {text}." if text else "."
    if origin == "page":
        return f"As run on the {PAGE_NAMES.get(name, name)} page, with its settings{tail}"
    if origin == "defaults":
        return f"{NOT_RUN_ON_PAGES}{f' ({text})' if text else ''}."
    given = {k for k in params if k not in _HIDDEN_SETTINGS and k not in ("sample",)}
    if name == "remedy":
        given.discard("method")
    return (f"Settings from the configuration{tail}" if given
            else f"Default settings{tail}")

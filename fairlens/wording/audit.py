"""An audit's findings in words and display tables: per-group tables, disparity sentences,
ES and PSD, the report's headline per grouping.

Nothing here computes a metric: every number comes from the :class:`fairlens.Audit` (its
frames and its JSON document); these functions only choose, order, format and word them. The
app's pages and the audit report share them, so a finding is worded in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from fairlens.auditing import Audit
from fairlens.wording._numbers import fmt, fmt_ci, fmt_int, is_missing
from fairlens.wording._text import md
from fairlens.wording.harm import (
    NEUTRAL,
    OutcomeWords,
    four_fifths_phrase,
    four_fifths_sentences,
    priority_metrics,
)
from fairlens.wording.metrics import measure_label, metric_label

SIGNIFICANCE_MARK = " *"
MAX_LISTED = 6
"""Longest list of groups written out in one sentence."""


def group_rows(by_group: pd.DataFrame, grouping: str) -> pd.DataFrame:
    """Rows of one grouping, in the audit's order."""
    return by_group[by_group["grouping"] == grouping].reset_index(drop=True)


def group_table(by_group: pd.DataFrame, grouping: str, metrics: list[str], *,
                min_group_size: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-group table as shown, and a mask of cells that differ significantly.

    Parameters
    ----------
    by_group : DataFrame
        :attr:`fairlens.Audit.by_group`.
    grouping : str
    metrics : list of str
    min_group_size : int
        For the small-group flag's wording.

    Returns
    -------
    (DataFrame, DataFrame)
        Display table (strings: value and 95% interval, ``*`` where the group differs from the
        reference after correction) and a boolean frame of the same shape marking those cells.
    """
    rows = group_rows(by_group, grouping)
    shown: dict[str, list[Any]] = {"Group": [], "n": []}
    for m in metrics:
        shown[metric_label(m)] = []
    shown["Flags"] = []
    mask: dict[str, list[bool]] = {k: [] for k in shown}
    for _, r in rows.iterrows():
        shown["Group"].append(str(r["group"]))
        shown["n"].append(fmt_int(r["n"]))
        differs = []
        for m in metrics:
            sig = bool(r.get(f"{m}_significant", False))
            text = fmt_ci(r.get(m), r.get(f"{m}_low"), r.get(f"{m}_high"))
            shown[metric_label(m)].append(text + (SIGNIFICANCE_MARK if sig else ""))
            mask[metric_label(m)].append(sig)
            if sig:
                differs.append(metric_label(m))
        flags = []
        if bool(r["reference"]):
            flags.append("reference group")
        if bool(r["small"]):
            flags.append(f"small group (n < {min_group_size})")
        if differs:
            flags.append("differs from reference: " + ", ".join(differs))
        shown["Flags"].append("; ".join(flags))
        for k in ("Group", "n", "Flags"):
            mask[k].append(False)
    return pd.DataFrame(shown), pd.DataFrame(mask)


def spread_phrase(rows: pd.DataFrame, metric: str, *, plural: bool = False,
                  escape: Callable[[Any], str] = md) -> str | None:
    """``"range(s) from 0.21 (Asian) to 0.59 (Other)"`` among the included groups.

    ``"are/is 0.46 in every group"`` when the lowest and highest agree to two decimals; None
    with fewer than two groups that have a value.
    """
    used = rows[~rows["small"]].dropna(subset=[metric]) if metric in rows else rows.iloc[0:0]
    if len(used) < 2:
        return None
    lo = used.loc[used[metric].idxmin()]
    hi = used.loc[used[metric].idxmax()]
    if fmt(lo[metric], 2) == fmt(hi[metric], 2):
        return f"{'are' if plural else 'is'} **{fmt(lo[metric], 2)}** in every group"
    return (f"range{'' if plural else 's'} from **{fmt(lo[metric], 2)}** "
            f"({escape(lo['group'])}) to **{fmt(hi[metric], 2)}** ({escape(hi['group'])})")


def ci_phrase(disp: dict[str, Any], measure: str) -> str:
    """``", 95% CI 0.12-0.20"`` for a measure of ``disp`` (empty when undefined)."""
    ci = (disp.get("ci") or {}).get(measure)
    if not ci or is_missing(ci[0]) or is_missing(ci[1]):
        return ""
    return f", 95% CI {fmt(ci[0], 2)}-{fmt(ci[1], 2)}"


def disparity_sentences(doc: dict[str, Any], by_group: pd.DataFrame, grouping: str, *,
                        min_group_size: int, escape: Callable[[Any], str] = md,
                        words: OutcomeWords = NEUTRAL) -> list[str]:
    """The disparity summary of one grouping in plain words (Markdown, one item per sentence).

    Parameters
    ----------
    doc : dict
        :meth:`fairlens.Audit.to_dict` (the ratios and the four-fifths verdict come from it;
        the rule is worded by :func:`fairlens.wording.harm.four_fifths_sentences`).
    by_group : DataFrame
        :attr:`fairlens.Audit.by_group`.
    grouping : str
    min_group_size : int
    escape : callable, default :func:`md`
        How group names are made safe in the output (Markdown escaping for Streamlit; the report
        escapes its text itself and passes ``str``).
    words : OutcomeWords, default neutral
        How the four-fifths sentences name people and predictions
        (:func:`fairlens.wording.harm.outcome_words`).
    """
    disp = doc["disparities"].get(grouping, {})
    rows = group_rows(by_group, grouping)
    ref = escape(disp.get("reference", ""))
    out: list[str] = []
    rule = disp.get("four_fifths_rule")
    out += four_fifths_sentences(disp, words=words, escape=escape)
    if "demographic_parity_difference" in disp:
        span = spread_phrase(rows, "selection_rate", plural=True, escape=escape)
        if span:
            out.append(
                f"Selection rates {span}: demographic parity "
                f"difference **{fmt(disp['demographic_parity_difference'], 2)}**"
                f"{ci_phrase(disp, 'demographic_parity_difference')}.")
    if "equal_opportunity_difference" in disp:
        span = spread_phrase(rows, "tpr", escape=escape)
        if span:
            out.append(
                f"Among rows with a positive label, the share predicted positive (TPR) "
                f"{span}: equal opportunity difference "
                f"**{fmt(disp['equal_opportunity_difference'], 2)}**"
                f"{ci_phrase(disp, 'equal_opportunity_difference')}.")
    if "equalized_odds_difference" in disp:
        span = spread_phrase(rows, "fpr", escape=escape)
        fpr_part = (f"Among rows with a negative label, the share wrongly predicted positive "
                    f"(FPR) {span}. " if span else "")
        out.append(
            f"{fpr_part}The larger of the TPR and FPR gaps, the equalized odds difference, is "
            f"**{fmt(disp['equalized_odds_difference'], 2)}**"
            f"{ci_phrase(disp, 'equalized_odds_difference')}.")
    if rule is None:
        for key, value in disp.items():
            if key.endswith("_difference") and not key.startswith(("demographic", "equal")):
                metric = key[: -len("_difference")]
                span = spread_phrase(rows, metric, escape=escape) if metric in rows else None
                lead = f"{metric_label(metric)} {span}: " if span else f"{metric_label(metric)}: "
                out.append(f"{lead}difference **{fmt(value, 2)}**{ci_phrase(disp, key)}.")
    sig_cols = [c for c in rows.columns if c.endswith("_significant")]
    differing = []
    for _, r in rows.iterrows():
        which = [metric_label(c[: -len("_significant")]) for c in sig_cols if bool(r[c])]
        if which:
            differing.append(f"{escape(r['group'])} ({', '.join(which)})")
    if sig_cols:
        if differing:
            shown = "; ".join(differing[:MAX_LISTED])
            more = (f"; and {len(differing) - MAX_LISTED} more (see the Flags column)"
                    if len(differing) > MAX_LISTED else "")
            out.append(f"Groups that differ from **{ref}** after correcting for multiple "
                       f"comparisons (Benjamini-Hochberg, q < 0.05): {shown}{more}.")
        else:
            out.append(f"No group differs significantly from **{ref}** after correcting for "
                       "multiple comparisons (q < 0.05).")
    small = rows[rows["small"]]
    if len(small):
        listed = ", ".join(f"{escape(g)} (n = {fmt_int(n)})" for g, n in zip(
            small["group"][:MAX_LISTED], small["n"][:MAX_LISTED], strict=True))
        if len(small) > MAX_LISTED:
            listed += f" and {len(small) - MAX_LISTED} more"
        out.append(f"Left out of these comparisons as smaller than {min_group_size}: {listed}.")
    return out


def priority_spreads(by_group: pd.DataFrame, favorable: str, *,
                     escape: Callable[[Any], str] = md) -> list[str]:
    """The error rates that matter for this direction (:func:`~fairlens.wording.harm.
    priority_metrics`), lowest and highest group per single-attribute grouping.

    ``"By **race**: FPR ranges from **0.09** (Asian) to **0.45** (African-American); FDR ..."``
    """
    out = []
    for grouping in dict.fromkeys(by_group["grouping"]):
        if " x " in str(grouping):
            continue
        rows = group_rows(by_group, grouping)
        parts = [f"{metric_label(m)} {span}" for m in priority_metrics(favorable)
                 if (span := spread_phrase(rows, m, escape=escape))]
        if parts:
            out.append(f"By **{escape(grouping)}**: " + "; ".join(parts) + ".")
    return out


def equity_table(equity: pd.DataFrame, grouping: str) -> pd.DataFrame:
    """ES, PSD and harmony of one grouping, one row per metric, formatted with 95% intervals."""
    rows = equity[equity["grouping"] == grouping]
    out = []
    for _, r in rows.iterrows():
        m = str(r["metric"])
        out.append({
            "Metric": metric_label(m),
            "Overall": fmt(r["overall"]),
            "Equity-scaled (ES)": fmt_ci(r["es"], r.get("es_low"), r.get("es_high")),
            "PSD (std)": fmt_ci(r["psd_std"], r.get("psd_std_low"), r.get("psd_std_high")),
            "PSD (max - min)": fmt_ci(r["psd_max"], r.get("psd_max_low"),
                                      r.get("psd_max_high")),
            "Harmony": fmt_ci(r.get("harmony"), r.get("harmony_low"), r.get("harmony_high")),
            "Groups used": int(r["groups_used"]),
        })
    return pd.DataFrame(out)


def ranking_table(compare: pd.DataFrame, column: str, label: str) -> pd.DataFrame:
    """Models ranked by one column of :meth:`fairlens.Audit.compare_models` (best first)."""
    ranked = compare[["model", column]].sort_values(column, ascending=False, na_position="last")
    return pd.DataFrame({
        "Rank": range(1, len(ranked) + 1),
        "Model": ranked["model"].astype(str).to_list(),
        label: [fmt(v) for v in ranked[column]],
    })


def headline(doc: dict[str, Any], by_group: pd.DataFrame, grouping: str) -> str | None:
    """One sentence for the executive summary: the key disparities of one grouping."""
    disp = doc["disparities"].get(grouping, {})
    rows = by_group[by_group["grouping"] == grouping]
    parts = []
    why = ((doc.get("null_reasons") or {}).get("disparities") or {}).get(grouping) or {}
    if why and all(is_missing(v) for k, v in disp.items() if k.endswith(("_difference",
                                                                       "_ratio"))):
        # Nothing was compared: say why instead of printing "-" for every measure.
        parts.append(f"no disparity is measured ({next(iter(why.values()))})")
    elif "demographic_parity_difference" in disp:
        span = spread_phrase(rows, "selection_rate", plural=True, escape=str)
        dp = (f"demographic parity difference **{fmt(disp['demographic_parity_difference'], 2)}**"
              + ci_phrase(disp, "demographic_parity_difference"))
        parts.append(f"selection rates {span} ({dp})" if span else dp)
    if "equalized_odds_difference" in disp and not is_missing(
            disp["equalized_odds_difference"]):
        parts.append(f"equalized odds difference **{fmt(disp['equalized_odds_difference'], 2)}**"
                     + ci_phrase(disp, "equalized_odds_difference"))
    if not parts:
        for key, value in disp.items():
            if key.endswith("_difference") and not is_missing(value):
                metric = key[: -len("_difference")]
                span = spread_phrase(rows, metric, escape=str) if metric in rows else None
                diff = f"difference **{fmt(value, 2)}**{ci_phrase(disp, key)}"
                parts.append(f"{measure_label(metric)} {span}, {diff}" if span else
                             f"{measure_label(metric)} {diff}")
                break
    rule = four_fifths_phrase(disp)
    if rule:
        parts.append(rule)
    if not parts:
        return None
    text = "; ".join(parts)
    return f"By **{grouping}**: {text}."


def equity_sentences(audit: Audit) -> list[str]:
    """ES and PSD in words, per single-attribute grouping, with their small-group caveat."""
    out = []
    eq = audit.equity
    seen: set[str] = set()
    for _, r in eq.iterrows():
        if " x " in str(r["grouping"]) or r["grouping"] in seen:
            continue
        if is_missing(r["es"]):
            reasons = next((g.null_reasons for g in audit.primary.groupings
                            if g.name == r["grouping"]), {})
            why = reasons.get("equity_scaled", {}).get(str(r["metric"]))
            if why:
                seen.add(r["grouping"])
                out.append(f"ES and PSD by **{r['grouping']}** are not defined: {why}.")
            continue
        seen.add(r["grouping"])
        loss = 1 - r["es"] / r["overall"] if r["overall"] else float("nan")
        interval = ("" if is_missing(r["es_low"]) else
                    f" (95% CI {fmt(r['es_low'], 2)} to {fmt(r['es_high'], 2)})")
        name = metric_label(str(r["metric"]))
        out.append(
            f"ES-{name} by **{r['grouping']}** is **{fmt(r['es'], 2)}**{interval} against an "
            f"overall {name} of {fmt(r['overall'], 2)}: the gaps between "
            f"{int(r['groups_used'])} groups cost {fmt(100 * loss, 0)}% of it; PSD (max-min) "
            f"{fmt(r['psd_max'], 2)}.")
    return out

"""The words of explanations: fidelity, the gap, the flip test, the proxy check, one row.

Nothing here explains a model; :mod:`fairlens.explain` computes, these functions word what it
found. The Explain page, the report and ``fairlens explain`` share them. The arguments are the
result objects of :mod:`fairlens.explain`, read by attribute (this module does not import
that package, which imports this one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fairlens.wording import fmt, fmt_int

Esc = Callable[[Any], str]
"""How a sentence renders a user value (a group, feature or column name): ``str`` for plain
text, :func:`fairlens.wording.md` on a page (the page escapes at render time)."""

PAGE_INTRO = (
    "Why does the model treat groups differently? SHAP values split every prediction into "
    "per-feature contributions; averaged over a group they split the gap between two groups' "
    "mean scores exactly. Pick a row to see its SHAP values next to a LIME explanation, and "
    "check whether decisions change when only the sensitive attribute changes.")
"""What the Explain page shows, under its title."""

METHOD_NAMES = {"tree": "TreeExplainer", "permutation": "Permutation"}
"""SHAP's explainers by the name an :class:`~fairlens.explain.Explanation` records."""

PROXY_VERDICTS = ((0.8, "strongly"), (0.65, "moderately"), (0.55, "weakly"))
"""How strongly the features carry an attribute, by the AUC that predicts it from them."""


def proxy_verdict(auc: float) -> str:
    """The proxy check's AUC in words: ``"strongly"`` ... ``"hardly"``."""
    for low, word in PROXY_VERDICTS:
        if auc >= low:
            return word
    return "hardly"


def subject(kind: str) -> str:
    """``"the model"`` or ``"the surrogate"``, for sentences."""
    return "the surrogate" if kind == "surrogate" else "the model"


def explaining(kind: str) -> str:
    """What is explained, as the page's headline says it."""
    return "a surrogate" if kind == "surrogate" else "the model"


def surrogate_warning(fidelity: Any) -> str:
    """The warning every explanation of a surrogate carries (its fidelity, in its words)."""
    return (f"No model was given: these are explanations of a surrogate (gradient boosting "
            f"trained to reproduce {fidelity.target!r}; held-out R^2 {fidelity.r2:.3f}, "
            f"decision agreement {fidelity.agreement:.1%}), not of the model that made the "
            "scores.")


def fidelity_note(fidelity: Any, *, esc: Esc = str) -> str | None:
    """The sentence shown beside every explanation of a surrogate (None for a model)."""
    if fidelity is None:
        return None
    return (f"Of a **surrogate** of **{esc(fidelity.target)}**, not of the model that made it: on "
            f"{fmt_int(fidelity.n_holdout)} held-out rows it reproduces the scores with R\u00b2 "
            f"**{fmt(fidelity.r2, 3)}** and the decisions with **{fidelity.agreement:.1%}** "
            "agreement.")


def largest_contributions(gap: Any, k: int | None = None) -> list[tuple[str, float]]:
    """The gap's ``(feature, contribution)`` pairs, largest magnitude first."""
    items = sorted(gap.contributions.items(), key=lambda kv: -abs(kv[1]))
    return items if k is None else items[:k]


def gap_sentence(gap: Any, who: str, *, esc: Esc = str) -> str:
    """The gap between two groups' mean output in words, with its two largest drivers."""
    drivers = " and ".join(f"**{esc(f)}** ({v:+.3f})" for f, v in largest_contributions(gap, 2))
    return (f"Mean {gap.output} of {who}: **{esc(gap.group_a)}** {fmt(gap.mean_a, 3)} vs "
            f"**{esc(gap.group_b)}** {fmt(gap.mean_b, 3)}, a gap of **{gap.gap:+.3f}** over "
            f"{fmt_int(gap.n_a)} + {fmt_int(gap.n_b)} explained rows. It splits exactly into "
            f"the features' contributions (they sum to the gap); the largest: {drivers}.")


def flip_values_caption(flip: Any, *, esc: Esc = str) -> str:
    """Which values the rows were flipped to."""
    return ("Rows are flipped to " + ", ".join(f"**{esc(v)}**" for v in flip.values)
            + " (values with at least 30 explained rows).")


def flip_sentence(flip: Any, who: str, *, esc: Esc = str) -> str:
    """The flip test's finding in words."""
    return (f"Changing only **{esc(flip.attribute)}** (every other input kept) changes "
            f"**{flip.share:.1%}** of the decisions (score \u2265 {flip.threshold:g}) of "
            f"{who}, over {fmt_int(flip.n)} rows.")


def proxy_sentence(proxy: Any, who: str, *, esc: Esc = str) -> str:
    """The proxy check's finding in words."""
    return (f"**{esc(proxy.attribute)}** is not an input of {who}, so it cannot be flipped. The "
            f"inputs predict it with AUC **{fmt(proxy.auc, 3)}** on {fmt_int(proxy.n_holdout)} "
            f"held-out rows: they carry it **{proxy.verdict}** (0.5 = not at all).")


def row_sentence(row: Any, output: str, *, who: str = "the model",
                 file_score: float | None = None, score_column: str | None = None,
                 esc: Esc = str) -> str:
    """One row's output as the base value plus its SHAP values, and LIME's fit.

    ``who`` says whose output it is (``"the surrogate"``: FairLens's reproduction of the file's
    score, not the score itself); ``file_score`` is the file's own score of the row, said
    beside it when given.
    """
    text = (f"Row **{esc(row.row)}**: {who}'s {output} **{row.output:.4f}** = base value "
            f"{row.base_value:.4f} + the SHAP values below.")
    if file_score is not None:
        column = f" ({esc(score_column)})" if score_column else ""
        text += (f" The file's score{column} of this row is **{fmt(file_score, 4)}**; the "
                 f"{fmt(row.output, 4)} is {who}'s {output}, not the file's.")
    return text + (f" LIME's local linear model (seed {row.seed}) fits with R\u00b2 "
                   f"{row.lime_r2:.2f}.")


# --- the plain-text summary of ``fairlens explain`` ---------------------------------------------


def fidelity_line(fidelity: Any) -> str:
    """``surrogate fidelity on N held-out rows: R^2 ..., decision agreement ...``."""
    return (f"surrogate fidelity on {fidelity.n_holdout:,} held-out rows: R^2 {fidelity.r2:.3f}, "
            f"decision agreement {fidelity.agreement:.1%}")


def gap_lines(gap: Any) -> list[str]:
    """The gap decomposition, one feature a line."""
    lines = [f"gap in mean {gap.output}: {gap.group_a} {gap.mean_a:.4f} - {gap.group_b} "
             f"{gap.mean_b:.4f} = {gap.gap:+.4f}, by feature:"]
    lines.extend(f"  {feat:<28} {v:+.4f}" for feat, v in largest_contributions(gap))
    return lines


def flip_lines(flip: Any) -> list[str]:
    """The flip test, overall and one group a line."""
    lines = [f"attribute-flip test on {flip.attribute!r}: {flip.share:.1%} of decisions "
             "change when only the attribute changes"]
    for _, r in flip.by_group.iterrows():
        lines.append(f"  {str(r['group']):<28} {int(r['flipped']):>6} of {int(r['n']):>6} "
                     f"({r['share']:.1%})")
    return lines


def proxy_lines(proxy: Any, most: int = 8) -> list[str]:
    """The proxy check and the features that carry the attribute most."""
    lines = [f"proxy check: the features predict {proxy.attribute!r} with AUC "
             f"{proxy.auc:.3f} ({proxy.verdict}); carried by:"]
    lines.extend(f"  {feat:<28} {v:+.4f}" for feat, v in list(proxy.features.items())[:most])
    return lines


def row_lines(row: Any) -> list[str]:
    """One row: its output and each feature's SHAP value and LIME weight."""
    lines = [f"row {row.row}: output {row.output:.4f} = base value {row.base_value:.4f} + SHAP "
             f"values; LIME (seed {row.seed}) R^2 {row.lime_r2:.2f}"]
    lines.extend(f"  {feat:<28} {v:+.4f}  LIME {row.lime.get(feat, 0.0):+.4f}"
                 for feat, v in row.shap.items())
    return lines


def summary_lines(result: Any) -> list[str]:
    """The plain-text summary of an explanation (``fairlens explain``), one line each."""
    m = result.model
    lines = [f"FairLens explain: {m.source} ({m.kind}), {result.sample_size:,} of "
             f"{result.n_rows:,} rows explained, SHAP {result.method}, output {m.output}"]
    if result.fidelity is not None:
        lines.append(fidelity_line(result.fidelity))
    lines.append("")
    lines.append("global importance (mean |SHAP|):")
    lines.extend(f"  {feat:<28} {v:.4f}" for feat, v in result.importance.items())
    for part, words in ((result.gap, gap_lines), (result.flip, flip_lines),
                        (result.proxy, proxy_lines)):
        if part is not None:
            lines.append("")
            lines.extend(words(part))
    if result.warnings:
        lines.append("")
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in result.warnings)
    return lines

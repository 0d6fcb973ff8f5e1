"""The CI fairness gate: rules such as ``equalized_odds_difference>0.1`` checked on an audit.

A rule names the condition that *fails* the build: ``NAME OP NUMBER`` with ``OP`` one of
``>``, ``>=``, ``<``, ``<=``, optionally restricted to one grouping with ``NAME[grouping]``.
``NAME`` is a disparity of the audit (``demographic_parity_difference``,
``equalized_odds_difference``, ``equal_opportunity_ratio``, ``auc_difference`` ...), an
equity-scaled metric ``es_<metric>`` (``es_auc``, ``es_accuracy``, ``es_dice``), a
performance-scaled disparity ``psd_std_<metric>`` / ``psd_max_min_<metric>``, or an overall
metric ``overall_<metric>`` (``overall_auc``). Without a grouping the rule is checked on every
attribute and the intersection and fails if any of them violates it. A value can be undefined
(null: e.g. ES, PSD and every disparity of a grouping where fewer than two groups reach the
minimum group size). A rule with no defined value fails ("no defined value", with the reason):
a gate never passes on nothing. A rule with some defined values is decided on them and names
the undefined ones as not checked.

In ``fairlens drift`` a rule may name the window it checks: ``latest:NAME OP NUMBER`` checks
the latest window only (``latest:equalized_odds_difference>0.1``); a rule without a window is
checked on every window and fails if any of them violates it.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from fairlens.data import FairLensInputError

GATE_SCHEMA = "fairlens.gate/1"
_RULE = re.compile(
    r"^\s*(?:(?P<window>[A-Za-z]+)\s*:)?\s*(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?:\[(?P<grouping>[^\]]+)\])?\s*"
    r"(?P<op>>=|<=|>|<)\s*(?P<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
RULE_HELP = ('Write a rule as NAME OP NUMBER, e.g. "equalized_odds_difference>0.1" or '
             '"es_auc<0.6" (OP is >, >=, < or <=; NAME[race] checks one grouping only); the '
             'rule says when the check fails; in fairlens drift, "latest:" before the name '
             'checks the latest window only.')
WINDOWS = ("latest",)


@dataclass(frozen=True)
class GateRule:
    """One parsed rule: fail when ``metric op threshold`` (in ``grouping`` or any grouping)."""

    text: str
    metric: str
    op: str
    threshold: float
    grouping: str | None = None
    window: str | None = None

    def violated(self, value: float) -> bool:
        """Whether ``value`` breaks the rule."""
        return _OPS[self.op](value, self.threshold)


def parse_rule(text: str) -> GateRule:
    """Parse ``"equalized_odds_difference>0.1"`` into a :class:`GateRule`.

    Raises
    ------
    FairLensInputError
        When the rule is not ``NAME OP NUMBER``.
    """
    match = _RULE.match(str(text))
    if not match:
        raise FairLensInputError(f"Cannot read the rule {text!r}. {RULE_HELP}")
    grouping = match["grouping"].strip() if match["grouping"] else None
    window = match["window"].lower() if match["window"] else None
    if window is not None and window not in WINDOWS:
        raise FairLensInputError(
            f"Unknown window {match['window']!r} in the rule {text!r}; a rule may name the "
            "latest window (latest:NAME OP NUMBER) or none (every window).")
    return GateRule(text=str(text).strip(), metric=match["name"], op=match["op"],
                    threshold=float(match["value"]), grouping=grouping, window=window)


def parse_rules(texts: list[str] | None) -> list[GateRule]:
    """Parse every rule (the first bad one raises :class:`FairLensInputError`)."""
    return [parse_rule(t) for t in texts or []]


def gate_values(doc: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Every value a rule can name, from an audit document (``Audit.to_dict()``).

    Returns ``{name: {grouping: value}}``; overall metrics use the grouping ``"overall"``.
    """
    out: dict[str, dict[str, float | None]] = {}
    for grouping, disp in (doc.get("disparities") or {}).items():
        for name, value in disp.items():
            if name in ("ci", "reference", "four_fifths_rule") or isinstance(value, dict):
                continue
            if value is None or isinstance(value, (int, float)):
                out.setdefault(name, {})[grouping] = value
    for grouping, es in (doc.get("equity_scaled") or {}).items():
        for metric, value in es.items():
            if metric != "ci":
                out.setdefault(f"es_{metric}", {})[grouping] = value
    for grouping, psd in (doc.get("performance_scaled_disparity") or {}).items():
        for metric, entry in psd.items():
            out.setdefault(f"psd_std_{metric}", {})[grouping] = entry.get("std")
            out.setdefault(f"psd_max_min_{metric}", {})[grouping] = entry.get("max_min")
    for metric, value in (doc.get("overall") or {}).items():
        if metric != "n" and (value is None or isinstance(value, (int, float))):
            out.setdefault(f"overall_{metric}", {})["overall"] = value
    return out


def gate_reasons(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Why a value a rule can name is null, from the audit's ``null_reasons``.

    Returns ``{name: {grouping: reason}}`` (names as in :func:`gate_values`).
    """
    reasons = doc.get("null_reasons") or {}
    out: dict[str, dict[str, str]] = {}
    for grouping, measures in (reasons.get("disparities") or {}).items():
        for name, why in measures.items():
            out.setdefault(name, {})[grouping] = why
    for grouping, metrics in (reasons.get("equity_scaled") or {}).items():
        for metric, why in metrics.items():
            out.setdefault(f"es_{metric}", {})[grouping] = why
    for grouping, metrics in (reasons.get("performance_scaled_disparity") or {}).items():
        for metric, why in metrics.items():
            out.setdefault(f"psd_std_{metric}", {})[grouping] = why
            out.setdefault(f"psd_max_min_{metric}", {})[grouping] = why
    return out


@dataclass
class RuleResult:
    """The outcome of one rule: the values it saw and the groupings that broke it."""

    rule: GateRule
    values: dict[str, float | None]
    failing: list[str] = field(default_factory=list)
    undefined: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    """Why an undefined value is undefined, where the audit says."""

    @property
    def passed(self) -> bool:
        """True when no grouping breaks the rule and at least one value was defined."""
        return not self.failing and len(self.undefined) < len(self.values)

    def message(self) -> str:
        """One line for the log: ``FAIL rule: grouping value, ...``."""
        def fmt(g: str) -> str:
            v = self.values.get(g)
            return f"{g} = {'undefined' if v is None else f'{v:.4g}'}"

        if self.failing:
            return f"FAIL {self.rule.text}: " + ", ".join(fmt(g) for g in self.failing)
        if not self.passed:
            why = list(dict.fromkeys(self.reasons[g] for g in self.undefined
                                     if g in self.reasons))
            return (f"FAIL {self.rule.text}: no defined value (" + ", ".join(
                fmt(g) for g in self.values) + ")" + (f": {'; '.join(why)}" if why else ""))
        shown = ", ".join(fmt(g) for g in self.values)
        note = f" (not checked: {', '.join(self.undefined)})" if self.undefined else ""
        return f"pass {self.rule.text}: {shown}{note}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"rule": self.rule.text, "metric": self.rule.metric, "op": self.rule.op,
                "threshold": self.rule.threshold, "grouping": self.rule.grouping,
                "window": self.rule.window,
                "values": dict(self.values), "failing": list(self.failing),
                "undefined": list(self.undefined), "reasons": dict(self.reasons),
                "passed": self.passed}


@dataclass
class GateResult:
    """All rules checked on one audit."""

    results: list[RuleResult]

    @property
    def passed(self) -> bool:
        """True when every rule passed."""
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[RuleResult]:
        """The rules that failed."""
        return [r for r in self.results if not r.passed]

    def summary(self) -> str:
        """One line per rule and a verdict line."""
        lines = [r.message() for r in self.results]
        n_fail = len(self.failed)
        lines.append(f"fairness gate: {n_fail} of {len(self.results)} rule(s) failed"
                     if n_fail else f"fairness gate: all {len(self.results)} rule(s) passed")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (schema ``fairlens.gate/1``)."""
        return {"schema": GATE_SCHEMA, "passed": self.passed,
                "rules": [r.to_dict() for r in self.results]}


def evaluate_gate(doc: dict[str, Any], rules: list[GateRule]) -> GateResult:
    """Check ``rules`` on an audit document (``Audit.to_dict()``).

    Raises
    ------
    FairLensInputError
        When a rule names a metric or grouping this audit does not have (the message lists
        the names it has).
    """
    windowed = [r.text for r in rules if r.window is not None]
    if windowed:
        raise FairLensInputError(
            f"The rule {windowed[0]!r} names a window; windows exist in fairlens drift "
            "(a time column), not in a single audit.")
    return _evaluate(gate_values(doc), rules, gate_reasons(doc))


def evaluate_drift_gate(doc: dict[str, Any], rules: list[GateRule]) -> GateResult:
    """Check ``rules`` on a drift document (``Drift.to_dict()``, schema ``fairlens.drift/1``).

    ``latest:`` rules are checked on the latest window; rules without a window on every
    window (values are named ``"<window> / <grouping>"``). A rule with no defined value in
    the windows it checks fails and says so.

    Raises
    ------
    FairLensInputError
        When a rule names a metric or grouping the windows do not have.
    """
    windows = doc.get("windows") or []
    if not windows:
        raise FairLensInputError("The drift document has no windows to check the rules on.")
    latest = gate_values(windows[-1])
    every: dict[str, dict[str, float | None]] = {}
    for w in windows:
        for name, values in gate_values(w).items():
            for grouping, value in values.items():
                every.setdefault(name, {})[f"{w['label']} / {grouping}"] = value
    results = []
    for rule in rules:
        if rule.window == "latest":
            results.extend(_evaluate(latest, [rule]).results)
            continue
        if rule.grouping is not None:
            known = {g for w in windows for values in gate_values(w).values() for g in values}
            if rule.grouping not in known:
                raise FairLensInputError(
                    f"Unknown grouping {rule.grouping!r} in the rule {rule.text!r}; "
                    f"choose one of {sorted(known)}.")
            picked = {k: v for k, v in every.get(rule.metric, {}).items()
                      if k.endswith(f" / {rule.grouping}")}
            results.extend(_evaluate({rule.metric: picked}, [replace(rule, grouping=None)])
                           .results)
            results[-1].rule = rule
            continue
        results.extend(_evaluate(every, [rule]).results)
    return GateResult(results)


def _evaluate(available: dict[str, dict[str, float | None]], rules: list[GateRule],
              reasons: dict[str, dict[str, str]] | None = None) -> GateResult:
    """Check ``rules`` against the values a document offers (and why some are null)."""
    results = []
    for rule in rules:
        if rule.metric not in available:
            raise FairLensInputError(
                f"Unknown metric {rule.metric!r} in the rule {rule.text!r}. This audit has: "
                + ", ".join(sorted(available)) + ".")
        values = available[rule.metric]
        if rule.grouping is not None:
            if rule.grouping not in values:
                raise FairLensInputError(
                    f"Unknown grouping {rule.grouping!r} in the rule {rule.text!r}; "
                    f"choose one of {sorted(values)}.")
            values = {rule.grouping: values[rule.grouping]}
        result = RuleResult(rule, dict(values))
        for g, v in values.items():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                result.undefined.append(g)
                why = (reasons or {}).get(rule.metric, {}).get(g)
                if why:
                    result.reasons[g] = why
            elif rule.violated(float(v)):
                result.failing.append(g)
        results.append(result)
    return GateResult(results)

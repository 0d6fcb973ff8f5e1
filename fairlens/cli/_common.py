"""What every ``fairlens`` command shares: exit codes, the option groups, the error wrapper.

Each option that plays the same role in several commands (``--features``, ``--sensitive``,
``--min-group-size`` ...) is defined once in :data:`OPTIONS`; a command picks the roles it
uses with :func:`add_options`. Bad input prints one line on stderr and exits with code 2
(:func:`guarded`); an internal error exits with 3, also in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fairlens.auditing import AuditOptions
from fairlens.data import FairLensInputError

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_INVALID = 2
EXIT_INTERNAL = 3

#: The one definition of each shared option: role -> (flags, add_argument keywords).
OPTIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    # data and mapping
    "data": (("data",), {"nargs": "?", "help": "CSV, TSV or Parquet file (omit with --sample)"}),
    "sample": (("--sample",), {
        "metavar": "NAME",
        "help": "use a built-in sample instead of a file: compas, adult or segmentation"}),
    "label": (("--label",), {"metavar": "COL", "help": "true-label column"}),
    "score": (("--score",), {
        "action": "append", "metavar": "COL",
        "help": "score column (probability of the positive class); repeat for models"}),
    "pred": (("--pred",), {"action": "append", "metavar": "COL",
                           "help": "predicted-label column; repeat for models"}),
    "proba_prefix": (("--proba-prefix",), {
        "metavar": "P", "help": "multiclass probability columns P<class>"}),
    "metric": (("--metric",), {
        "action": "append", "metavar": "COL",
        "help": "per-sample metric column (e.g. per-image Dice); repeat for several"}),
    "sensitive": (("--sensitive",), {
        "action": "append", "metavar": "COL[,COL...]",
        "help": "sensitive attribute; repeat or give a comma list for several (the first is "
                "the one a remedy or an explanation acts on)"}),
    "features": (("--features",), {
        "action": "append", "metavar": "COL[,COL...]",
        "help": "feature columns; repeat or give a comma list"}),
    "weight": (("--weight",), {"metavar": "COL", "help": "sample-weight column"}),
    "threshold": (("--threshold",), {
        "type": float, "metavar": "T", "help": "y_hat = 1 when score >= threshold (0.5)"}),
    "score_kind": (("--score-kind",), {
        "choices": ["probability", "raw"],
        "help": "'raw' for scores on another scale, e.g. a 1-10 decile"}),
    "positive_label": (("--positive-label",), {"help": "positive value of the label column"}),
    "favorable": (("--favorable",), {
        "choices": ["positive", "negative"],
        "help": "is a positive prediction good for the person ('positive', e.g. a loan "
                "approved; the default) or harmful ('negative', e.g. 'high risk')?"}),
    "time": (("--time",), {
        "metavar": "COL", "help": "time column (a date, a timestamp or a batch id)"}),
    "bucket_rare": (("--bucket-rare",), {
        "type": int, "metavar": "N",
        "help": "keep the N most frequent values of each text sensitive attribute with more "
                "than N values and group the others as 'other' (an attribute may have at "
                "most 1,000 groups)"}),
    # audit settings (they become one AuditOptions)
    "reference": (("--reference",), {
        "help": "reference group value (default: largest group)"}),
    "min_group_size": (("--min-group-size",), {
        "type": int, "metavar": "N",
        "help": "groups with fewer rows are flagged and left out of disparities (30)"}),
    "bootstrap": (("--bootstrap",), {"type": int, "metavar": "N",
                                     "help": "bootstrap replicates (0: off)"}),
    "ci": (("--ci",), {"choices": ["bootstrap", "wilson"],
                       "help": "interval method (bootstrap)"}),
    "seed": (("--seed",), {"type": int, "metavar": "S", "help": "seed of every random step (0)"}),
    "engine": (("--engine",), {
        "choices": ["auto", "numpy", "duckdb", "spark"],
        "help": "what builds the count tables (the numbers are the same): numpy in memory, "
                "duckdb for files larger than memory, spark for a cluster; auto (default) "
                "picks duckdb for files above 200 MB"}),
    # output
    "json": (("--json",), {"metavar": "OUT",
                           "help": "write the JSON result here ('-' for stdout)"}),
    "quiet": (("--quiet",), {"action": "store_true", "help": "no summary on stdout"}),
    # the CI gate of audit and report
    "fail_on": (("--fail-on",), {
        "action": "append", "metavar": "RULE", "default": [],
        "help": 'fail (exit code 1) when a rule holds, e.g. "equalized_odds_difference>0.1" '
                'or "es_auc<0.6"; repeat for several'}),
    "config": (("--config",), {
        "metavar": "FILE",
        "help": "read data, mapping, settings and rules from a TOML config (written by the "
                "app or fairlens report --write-config)"}),
}

#: Old spellings that keep working without showing in ``--help``: alias -> role.
HIDDEN_ALIASES = {"--feature": "features"}

PREDICTIONS = ("score", "pred", "proba_prefix", "metric")
DATA_ROLES = ("data", "sample", "label", *PREDICTIONS, "sensitive", "features", "weight",
              "threshold", "score_kind", "positive_label", "favorable", "bucket_rare")
SETTINGS = ("reference", "min_group_size", "bootstrap", "ci", "seed")
OUTPUT = ("json", "quiet")
GATE = ("fail_on", "config")


def add_options(parser: argparse.ArgumentParser, *roles: str,
                exclusive: Iterable[str] = (), aliases: Iterable[str] = ()) -> None:
    """Add the shared options ``roles`` to ``parser``, each from its one definition.

    Parameters
    ----------
    parser : ArgumentParser
        A command's parser.
    *roles : str
        Keys of :data:`OPTIONS`, in the order they should appear in ``--help``; ``"output"``
        stands for ``--json`` and ``--quiet``.
    exclusive : iterable of str
        Roles that exclude each other (at most one may be given).
    aliases : iterable of str
        Hidden old spellings (keys of :data:`HIDDEN_ALIASES`) to accept as well.
    """
    roles = tuple(r for role in roles for r in (OUTPUT if role == "output" else (role,)))
    exclusive = [r for r in roles if r in set(exclusive)]
    group = parser.add_mutually_exclusive_group() if exclusive else None
    for role in roles:
        flags, keywords = OPTIONS[role]
        target = group if role in exclusive else parser
        if flags[0].startswith("-"):
            target.add_argument(*flags, dest=role, **keywords)
        else:
            target.add_argument(*flags, **keywords)
    for alias in aliases:
        role = HIDDEN_ALIASES[alias]
        keywords = {**OPTIONS[role][1], "help": argparse.SUPPRESS}
        parser.add_argument(alias, dest=role, **keywords)


def columns(values: list[str] | None) -> list[str]:
    """Column names from repeated options that may hold comma lists (``A,B --x C``)."""
    out: list[str] = []
    for v in values or []:
        out.extend(c.strip() for c in v.split(",") if c.strip())
    return out


def parse_value(text: str | None) -> Any:
    """A command-line value as int, float or bool when it reads as one, else the text."""
    if text is None:
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def audit_options(args: argparse.Namespace, base: AuditOptions | None = None) -> AuditOptions:
    """The one :class:`~fairlens.auditing.AuditOptions` that the audit-settings group gives.

    Settings a command does not have, or that were not given, keep ``base``'s value (the
    defaults of :class:`~fairlens.auditing.AuditOptions` when ``base`` is None).
    """
    reference = getattr(args, "reference", None)
    return AuditOptions.resolve(
        base, reference=parse_value(reference) if reference else None,
        min_group_size=getattr(args, "min_group_size", None),
        bootstrap=getattr(args, "bootstrap", None), ci=getattr(args, "ci", None),
        seed=getattr(args, "seed", None), engine=getattr(args, "engine", None))


def summary_text(result: Any) -> str:
    """The plain-text summary of a result: its ``summary_lines()`` (one generic printer)."""
    return "\n".join(result.summary_lines())


def write_result(doc: dict[str, Any], json_out: str | None, quiet: bool,
                 summary: Callable[[], str]) -> None:
    """Write a result document as JSON (``-`` for stdout) and/or print its text summary."""
    if json_out == "-":
        json.dump(doc, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return
    if json_out:
        Path(json_out).write_text(json.dumps(doc, indent=2, allow_nan=False))
    if not quiet:
        print(summary())


def print_summary(result: Any, args: argparse.Namespace,
                  doc: dict[str, Any] | None = None) -> None:
    """Write ``result`` as ``--json`` asks and print its summary unless ``--quiet``."""
    write_result(result.to_dict() if doc is None else doc, args.json, args.quiet,
                 lambda: summary_text(result))


def guarded(prog: str, action: Callable[[], int]) -> int:
    """Run a command: bad input is one line on stderr and exit code 2, never a traceback."""
    try:
        return action()
    except (FairLensInputError, OSError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - last resort: one line, no traceback
        print(f"{prog}: internal error ({type(exc).__name__}: {exc}). Please report it.",
              file=sys.stderr)
        return EXIT_INTERNAL


def finish(result: Any, args: argparse.Namespace,
           doc: dict[str, Any] | None = None) -> int:
    """:func:`print_summary` of a command's result; the exit code of a run that worked."""
    print_summary(result, args, doc)
    return EXIT_OK


def finish_gated(result: Any, args: argparse.Namespace, doc: dict[str, Any],
                 gate: Any | None) -> int:
    """:func:`finish` for a command with a CI gate: the gate's verdict is added to the JSON
    (``doc["gate"]``) and printed after the summary (on stderr when stdout holds the JSON or
    is quiet); exit code 1 when a rule failed."""
    if gate is not None:
        doc["gate"] = gate.to_dict()
    print_summary(result, args, doc=doc)
    if gate is None:
        return EXIT_OK
    print(gate.summary(), file=sys.stderr if args.json == "-" or args.quiet else sys.stdout)
    return EXIT_OK if gate.passed else EXIT_GATE_FAILED


def progress_for(args: argparse.Namespace, *, counted: bool = True) -> Callable[..., None] | None:
    """A progress callback printing on stderr, or None under ``--quiet`` / ``--json -``.

    ``counted``: the callback gets ``(done, total, message)`` and prints ``[done/total]``;
    else it gets ``message`` alone (or ignores the counts).
    """
    if args.quiet or args.json == "-":
        return None
    template = "  [{done}/{total}] {message}" if counted else "  {message}"

    def progress(*parts: Any) -> None:
        done, total, message = (None, None, *parts)[-3:]
        print(template.format(done=done, total=total, message=message), file=sys.stderr)

    return progress

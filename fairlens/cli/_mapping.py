"""From the data-and-mapping options to a frame and an :class:`~fairlens.data.AuditSpec`."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

import pandas as pd

from fairlens.cli._common import columns, parse_value
from fairlens.data import (
    AuditSpec,
    FairLensInputError,
    guess_roles,
    infer_spec,
    read_table,
    screen_columns,
)
from fairlens.data import _errors as E
from fairlens.data._prepare import bucket_sensitive

#: Problems of :meth:`AuditSpec.problems` that a command may not care about.
NO_LABEL, NO_PREDICTION, NO_SENSITIVE = E.NO_LABEL, E.NO_PREDICTION, E.NO_SENSITIVE
TOO_MANY_PREDICTIONS = E.TOO_MANY_PREDICTION_KINDS.split("{")[0]


def load_input(args: argparse.Namespace, command: str, *,
               infer: bool = True) -> tuple[pd.DataFrame, AuditSpec]:
    """The frame that ``DATA`` / ``--sample`` name, and its proposed spec.

    A sample comes with its own mapping; a file's mapping is guessed from its columns
    (``infer=True``) or starts empty.
    """
    if getattr(args, "sample", None):
        from fairlens.datasets import load_sample

        return load_sample(args.sample)
    if args.data:
        frame = read_table(args.data)
        return frame, infer_spec(frame) if infer else AuditSpec()
    raise FairLensInputError(
        f"Name a data file (fairlens {command} FILE ...) or use --sample compas.")


def apply_mapping(args: argparse.Namespace, spec: AuditSpec, *,
                  features_exclude_roles: bool = True) -> AuditSpec:
    """``spec`` overridden by every data-and-mapping option given on the command line.

    Naming any prediction replaces every guessed one (a probability score at 0.5 unless
    ``--score-kind`` / ``--threshold`` say otherwise). With ``features_exclude_roles`` the
    label, sensitive and prediction columns are taken out of the features.
    """
    given = {k: getattr(args, k, None) for k in ("score", "pred", "proba_prefix", "metric")}
    if any(given.values()):
        spec.score, spec.pred = given["score"] or [], given["pred"] or []
        spec.metric, spec.proba_prefix = given["metric"] or [], given["proba_prefix"]
        spec.score_kind, spec.threshold = "probability", 0.5
    if getattr(args, "label", None):
        spec.label = args.label
    sensitive = columns(getattr(args, "sensitive", None))
    if sensitive:
        spec.sensitive = sensitive
    features = columns(getattr(args, "features", None))
    if features:
        spec.features = features
    if features_exclude_roles:
        spec.features = [f for f in spec.features
                         if f not in {spec.label, *spec.sensitive, *spec.score, *spec.pred}]
    if getattr(args, "weight", None):
        spec.weight = args.weight
    if getattr(args, "score_kind", None):
        spec.score_kind = args.score_kind
    if getattr(args, "threshold", None) is not None:
        spec.threshold = args.threshold
    if getattr(args, "positive_label", None) is not None:
        spec.positive_label = parse_value(args.positive_label)
    if getattr(args, "favorable", None):
        spec.favorable = args.favorable
    if getattr(args, "time", None):
        spec.time = args.time
    return spec


#: The options that change which columns the screening leaves out (a new label changes
#: what leaks; a new score, what copies it).
ROLE_OPTIONS = ("label", "score", "pred", "proba_prefix", "metric", "sensitive", "weight", "time")


def screened_features(frame: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """The features of the column screening for ``spec`` (the mapping after the command-line
    options): the roles ``spec`` leaves empty are guessed, and every column that plays a role,
    is an identifier, a date, a copy of the label or of the score ... is left out (with the
    screening's fixed seed, so ``--seed`` does not change the features)."""
    roles = guess_roles(frame)
    for name in ("label", "proba_prefix", "weight", "time"):
        if getattr(spec, name):
            setattr(roles, name, getattr(spec, name))
    if spec.prediction_kinds:
        roles.score, roles.pred, roles.metric = spec.score, spec.pred, spec.metric
        roles.proba_prefix = spec.proba_prefix
    if spec.sensitive:
        roles.sensitive = spec.sensitive
    roles.positive_label = spec.positive_label
    return screen_columns(frame, roles).features


def fill_features(args: argparse.Namespace, frame: pd.DataFrame, spec: AuditSpec, *,
                  inferred: bool = True) -> AuditSpec:
    """``spec`` with the screened features when the command takes ``--features`` and none
    were given.

    ``fairlens labels`` uses them with ``--source features`` only (in its ``auto`` mode,
    a file without a score still asks for ``--features`` or ``--source features``).

    ``inferred``: ``spec`` is the proposal of :func:`load_input` (:func:`infer_spec`'s, whose
    features are already screened, or a built-in sample's own); it is screened again only
    when a role was given on the command line.
    """
    if not hasattr(args, "features") or columns(args.features):
        return spec
    if getattr(args, "source", "features") != "features":  # labels: only --source features
        return spec
    if inferred and not any(getattr(args, name, None) for name in ROLE_OPTIONS):
        return spec
    spec.features = screened_features(frame, spec)
    return spec


def check_mapping(spec: AuditSpec, frame: pd.DataFrame, *, ignore: Iterable[str] = ()) -> None:
    """Raise the problems :meth:`AuditSpec.problems` finds (but ``ignore``), in one line.

    When the label or the sensitive attribute is missing, the message lists the columns.
    """
    skip = tuple(ignore)
    problems = [p for p in spec.problems(frame) if not p.startswith(skip or ("\0",))]
    if not problems:
        return
    message = " ".join(problems)
    if any(p in (NO_LABEL, NO_SENSITIVE) for p in problems):
        message += " Columns: " + ", ".join(map(str, frame.columns[:40]))
    raise FairLensInputError(message)


def mapped_input(args: argparse.Namespace, command: str, *, infer: bool = True,
                 features_exclude_roles: bool = True,
                 ignore: Iterable[str] = (),
                 one_prediction: bool = False) -> tuple[pd.DataFrame, AuditSpec]:
    """:func:`load_input`, :func:`apply_mapping`, :func:`check_mapping` and
    :func:`fill_features` in one call.

    Without ``--features``, a command that takes them gets the column screening's
    features, screened for the mapping that the command line gives (so a ``--label``
    changes which columns leak).

    ``one_prediction``: the command reads one ``--score`` or ``--pred`` column.
    """
    for flag in ("score", "pred") if one_prediction else ():
        if len(getattr(args, flag, None) or []) > 1:
            raise FairLensInputError(f"Give one --{flag} column, not {len(getattr(args, flag))}.")
    frame, spec = load_input(args, command, infer=infer)
    spec = apply_mapping(args, spec, features_exclude_roles=features_exclude_roles)
    if getattr(args, "bucket_rare", None) is not None:
        frame = bucket_sensitive(frame, spec.sensitive, args.bucket_rare)
    check_mapping(spec, frame, ignore=ignore)
    spec = fill_features(args, frame, spec, inferred=infer)
    return frame, spec


def first(values: list[Any]) -> Any:
    """The first value of a list, or None."""
    return values[0] if values else None

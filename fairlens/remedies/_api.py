"""Entry points: :func:`remedy_spec` (one remedy) and :func:`split_of` (its split).

Every remedy is fitted on one part of the rows and audited, with
:func:`fairlens.auditing.audit_spec` and exactly the options given, on the held-out part: the
numbers before and after come from the same audit code as everywhere else in FairLens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from fairlens import registry
from fairlens._validation import check_choice
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.data._features import encoder_notes, leak_warnings
from fairlens.remedies._base import Remedy, audit_settings, evaluate
from fairlens.remedies._common import (
    CONSTRAINTS,
    DEFAULT_CONSTRAINT,
    DEFAULT_TEST_SIZE,
    DEFAULT_TOLERANCE,
    Constraint,
    Progress,
    Split,
    check_tolerance,
    make_split,
)
from fairlens.remedies._result import RemedyResult
from fairlens.wording import names

Method = str | Remedy
"""A remedy's registered name, or a configured remedy object."""
AUDIT_KEYWORDS = ("bootstrap", "min_group_size", "reference")
"""The audit options that the old keyword form of :func:`remedy_spec` accepts."""


def _known_keywords() -> list[str]:
    names = {n for cls in registry.registered("remedy") if issubclass(cls, Remedy)
             for n in cls.param_names()}
    return sorted({*AUDIT_KEYWORDS, *names})


def resolve_method(method: Method, keywords: dict[str, Any]) -> Remedy:
    """A configured remedy from a name (or an object) and the old keywords.

    Keywords that no remedy and no audit takes are an error; those of other remedies are
    ignored (one set of keywords serves every remedy of a comparison).
    """
    unknown = sorted(set(keywords) - set(_known_keywords()))
    if unknown:
        raise FairLensInputError(f"Unknown remedy option(s) {names(unknown)}; known: "
                                 f"{names(_known_keywords())}.")
    if isinstance(method, Remedy):
        cls = type(method)
        return cls.from_keywords({**method.get_params(), **keywords})
    cls = registry.get("remedy", method)
    if not issubclass(cls, Remedy):  # pragma: no cover - the family holds remedies only
        raise FairLensInputError(f"{method!r} is not a remedy.")
    return cls.from_keywords(keywords)


def remedy_spec(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    method: Method,
    options: AuditOptions | None = None,
    constraint: Constraint = DEFAULT_CONSTRAINT,
    tolerance: float = DEFAULT_TOLERANCE,
    test_size: float = DEFAULT_TEST_SIZE,
    seed: int | None = None,
    attribute: str | None = None,
    output_dir: str | Path | None = None,
    progress: Progress | None = None,
    **keywords: Any,
) -> RemedyResult:
    """Fit one remedy on part of the rows and audit it, before and after, on the rest.

    Parameters
    ----------
    frame : DataFrame
        The predictions file (label, score or predicted label, sensitive attributes, and for
        the retraining remedies the feature columns ``spec.features``).
    spec : AuditSpec
        Column roles.
    method : str or Remedy
        A registered remedy's name (``fairlens.remedies.METHODS``: ``thresholds``,
        ``reweigh``, ``expgrad``, ``fis``, ``febs``) or a configured remedy object, e.g.
        ``FisScaling(epochs=20)``.
    options : AuditOptions, optional
        The options of the before/after audits (minimum group size, reference group,
        bootstrap, seed, level; a threshold set here is the original predictions'
        threshold). Default: ``AuditOptions()``.
    constraint : {"demographic_parity", "equal_opportunity", "equalized_odds"}
        The disparity to control (and to report in the sentence).
    tolerance : float, default 0.05
        Largest allowed between-group difference (thresholds, expgrad).
    test_size : float, default 0.3
        Share of the rows held out for the before/after audit (stratified by label and group).
    seed : int, optional
        Seeds the split, randomized decisions and training; default ``options.seed`` (0).
        Given, it is also the audits' seed.
    attribute : str, optional
        The sensitive attribute the remedy acts on (default ``spec.sensitive[0]``).
    output_dir : str or Path, optional
        Save the artefacts there (:meth:`RemedyResult.save`).
    progress : callable, optional
        ``progress(done, total, message)``.
    **keywords
        The older form: the audit options ``bootstrap``, ``min_group_size``, ``reference``
        (applied to ``options``) and the parameters of the named remedy (``objective``,
        ``learner``, ``eps``, ``max_iter``, ``architecture``, ``epochs`` ..., ``baseline``);
        they are recorded in the result's settings.

    Returns
    -------
    RemedyResult

    Raises
    ------
    FairLensInputError
        For unusable data or options; the message says what to change.
    """
    remedy = resolve_method(method, keywords)
    constraint = check_choice("constraint", constraint, CONSTRAINTS)
    tolerance = check_tolerance(tolerance)
    if seed is None:
        seed = options.seed if options is not None else 0
    given = {k: keywords[k] for k in AUDIT_KEYWORDS if k in keywords}
    audits = AuditOptions.resolve(options, seed=int(seed), **given)
    settings = audit_settings(audits) if options is not None else {}
    if isinstance(method, Remedy):
        settings.update(method.changed_params())
    settings.update(keywords)
    result = evaluate(frame, spec, remedy, options=audits, constraint=constraint,
                      tolerance=tolerance, test_size=test_size, seed=int(seed),
                      attribute=attribute, output_dir=None, progress=progress,
                      settings=settings)
    if "features" in remedy.needs:
        # what the encoder left out, and the features the column screening calls leaks
        result.warnings = list(dict.fromkeys([*result.warnings, *encoder_notes(result.model),
                                              *leak_warnings(frame, spec)]))
    if output_dir:
        result.save(output_dir)
    return result


def split_of(frame: pd.DataFrame, spec: AuditSpec, *, test_size: float = DEFAULT_TEST_SIZE,
             seed: int = 0, attribute: str | None = None) -> Split:
    """The split :func:`remedy_spec` uses for these arguments (to reproduce it elsewhere)."""
    return make_split(frame.reset_index(drop=True), spec, test_size=test_size, seed=seed,
                      attribute=attribute or spec.sensitive[0])


def needs_features(method: str) -> bool:
    """True for the remedies that retrain a model on the feature columns."""
    return "features" in registry.get("remedy", method).needs

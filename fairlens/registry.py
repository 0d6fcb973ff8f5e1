"""The one registry of interchangeable analyses, and the one isolating runner.

Every analysis that a page, the CLI or the report can choose between (a label detector, a
slice finder, an explainer, a remedy, a report section) is a subclass of :class:`Analysis`
registered with :func:`register`. It declares

- ``family``: which kind of analysis it is (:data:`FAMILIES`);
- ``name``: its identifier within the family (enforced: a concrete subclass without one is
  a ``TypeError`` when the class is defined);
- ``title``: what a person reads;
- ``needs``: what the mapping must provide (:data:`NEEDS`);

and implements ``run(frame, spec, *, options)``. Pages and the CLI list
:func:`available` for a spec instead of working out sources and methods themselves; the
report, ``compare_remedies`` and the label detectors run several analyses through
:func:`run_isolated`, which records a failure with its message and lets the others go on
(the pattern of cleanlab's ``IssueFinder.find_issues``).

The analysis packages register their classes when they are imported; :func:`registered`
imports them on first use (by name, so that this module stays below them).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from fairlens.data._errors import FairLensInputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from fairlens.auditing._options import AuditOptions
    from fairlens.data._spec import AuditSpec

FAMILIES = ("labels", "slices", "explain", "remedy", "section")
PROVIDERS = ("fairlens.labels", "fairlens.slices", "fairlens.explain", "fairlens.remedies",
             "fairlens.drift._section")

NEEDS: dict[str, str] = {
    "label": "a true-label column",
    "binary": "a binary task (a score or predicted-label column, not class probabilities or a "
              "per-sample metric)",
    "score": "a score column",
    "prediction": "a score or predicted-label column",
    "probabilities": "probabilities (class-probability columns or a probability score)",
    "features": "feature columns",
    "model": "a model",
}

MSG_UNKNOWN = "Unknown {family} {name!r}; choose one of {choices}."
MSG_FAMILY = "Unknown analysis family {family!r}; the families are {choices}."
MSG_DUPLICATE = "An analysis named {name!r} is already registered in the {family!r} family."

_REGISTRY: dict[str, dict[str, type[Analysis]]] = {f: {} for f in FAMILIES}
_loaded = False

A = TypeVar("A", bound="type[Analysis]")


class Analysis:
    """Base class of every registered analysis.

    Subclasses set the class attributes below and implement :meth:`run`. A subclass that
    only shares code with others sets ``abstract = True`` in its own body and needs no
    ``name``.
    """

    family: ClassVar[str]
    name: ClassVar[str]
    title: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    abstract: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        cls.abstract = False
        for attr in ("family", "name", "title"):
            value = getattr(cls, attr, None)
            if not isinstance(value, str) or not value:
                raise TypeError(f"{cls.__qualname__} must define a non-empty class attribute "
                                f"{attr!r} (or set abstract = True).")
        if cls.family not in FAMILIES:
            raise TypeError(MSG_FAMILY.format(family=cls.family, choices=", ".join(FAMILIES)))
        unknown = [n for n in cls.needs if n not in NEEDS]
        if unknown:
            raise TypeError(f"{cls.__qualname__}.needs names unknown needs {unknown}; "
                            f"known: {', '.join(NEEDS)}.")

    @classmethod
    def missing(cls, spec: AuditSpec, *, model: Any = None) -> list[str]:
        """What ``spec`` lacks for this analysis, in words (empty when it can run)."""
        have = {
            "label": spec.label is not None,
            "binary": spec.task == "binary",
            "score": bool(spec.score),
            "prediction": bool(spec.score or spec.pred),
            "probabilities": bool(spec.proba_prefix)
            or (bool(spec.score) and spec.score_kind == "probability"),
            "features": bool(spec.features),
            "model": model is not None,
        }
        return [NEEDS[n] for n in cls.needs if not have[n]]

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Name, title, family and needs (for listings and tests)."""
        return {"family": cls.family, "name": cls.name, "title": cls.title,
                "needs": list(cls.needs)}

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions) -> Any:
        """Run the analysis on ``frame`` mapped by ``spec`` with the audit's ``options``."""
        raise NotImplementedError


def register(cls: A) -> A:
    """Class decorator: add a concrete :class:`Analysis` subclass to the registry."""
    if not (isinstance(cls, type) and issubclass(cls, Analysis)) or cls.__dict__.get(
            "abstract", False):
        raise TypeError("register() takes a concrete subclass of fairlens.registry.Analysis.")
    family = _REGISTRY[cls.family]
    if cls.name in family and family[cls.name] is not cls:
        previous = family[cls.name]
        if (previous.__module__, previous.__qualname__) != (cls.__module__, cls.__qualname__):
            raise ValueError(MSG_DUPLICATE.format(name=cls.name, family=cls.family))
    family[cls.name] = cls
    return cls


def unregister(family: str, name: str) -> None:
    """Remove an analysis (tests that register a temporary one use it)."""
    _REGISTRY.get(family, {}).pop(name, None)


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in PROVIDERS:
            importlib.import_module(module)


def _family(family: str) -> dict[str, type[Analysis]]:
    if family not in _REGISTRY:
        raise FairLensInputError(MSG_FAMILY.format(family=family, choices=", ".join(FAMILIES)))
    _load()
    return _REGISTRY[family]


def registered(family: str | None = None) -> list[type[Analysis]]:
    """Every registered analysis (of one family), in registration order."""
    families = FAMILIES if family is None else (family,)
    return [cls for f in families for cls in _family(f).values()]


def names(family: str) -> tuple[str, ...]:
    """The names registered in ``family`` (the choices a page or the CLI offers)."""
    return tuple(_family(family))


def get(family: str, name: str) -> type[Analysis]:
    """The analysis class ``name`` of ``family``.

    Raises
    ------
    FairLensInputError
        ``Unknown <family> <name>; choose one of ...``.
    """
    members = _family(family)
    if name not in members:
        raise FairLensInputError(MSG_UNKNOWN.format(family=family, name=name,
                                                    choices=", ".join(members)))
    return members[name]


def create(family: str, name: str, **params: Any) -> Analysis:
    """An instance of :func:`get` ``(family, name)`` configured with ``params``."""
    cls = get(family, name)
    try:
        return cls(**params)
    except TypeError as exc:
        raise FairLensInputError(f"Invalid option for the {family} analysis {name!r}: "
                                 f"{exc}") from exc


def available(family: str, spec: AuditSpec, *, model: Any = None) -> list[type[Analysis]]:
    """The analyses of ``family`` that ``spec`` (and ``model``) can run."""
    return [cls for cls in registered(family) if not cls.missing(spec, model=model)]


def unavailable(family: str, spec: AuditSpec, *, model: Any = None) -> dict[str, list[str]]:
    """Name -> what is missing, for the analyses of ``family`` that cannot run."""
    return {cls.name: gaps for cls in registered(family)
            if (gaps := cls.missing(spec, model=model))}


def error_message(exc: BaseException) -> str:
    """How a failed analysis is reported: an input problem by its message, anything else
    with its type (it is a bug or an environment problem)."""
    if isinstance(exc, FairLensInputError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@dataclass
class Outcome:
    """What :func:`run_isolated` returns.

    Attributes
    ----------
    results : dict
        Name -> result, for the jobs that completed (in the order given).
    errors : dict
        Name -> message, for the jobs that failed.
    """

    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def run_isolated(jobs: Mapping[str, Callable[[], Any]] | Iterable[tuple[str, Callable[[], Any]]],
                 *, progress: Callable[[str], None] | None = None) -> Outcome:
    """Run each job; a failing one is recorded with its message and the others go on.

    Parameters
    ----------
    jobs : mapping or iterable of (name, callable)
        Zero-argument callables, each returning one analysis' result.
    progress : callable, optional
        Called with ``"running the <name> analysis"`` before each job.
    """
    outcome = Outcome()
    items = jobs.items() if isinstance(jobs, Mapping) else jobs
    for name, job in items:
        if progress:
            progress(f"running the {name} analysis")
        try:
            outcome.results[name] = job()
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - one failing analysis must not stop the rest
            outcome.errors[name] = error_message(exc)
    return outcome


__all__ = [
    "FAMILIES",
    "NEEDS",
    "Analysis",
    "Outcome",
    "available",
    "create",
    "error_message",
    "get",
    "names",
    "register",
    "registered",
    "run_isolated",
    "unavailable",
    "unregister",
]

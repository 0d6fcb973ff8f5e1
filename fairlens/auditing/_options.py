"""The one options object of every analysis: :class:`AuditOptions`."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from fairlens._validation import check_choice, check_int, check_interval
from fairlens.data import _errors as E
from fairlens.data._errors import FairLensInputError
from fairlens.engine import ENGINES, EngineName

CIMethod = Literal["bootstrap", "wilson"]
DEFAULT_MIN_GROUP_SIZE = 30
DEFAULT_BOOTSTRAP = 1000


@dataclass(frozen=True)
class AuditOptions:
    """How an audit is computed; passed as ``options=`` to every analysis.

    A remedy's before/after audits, a label-aware audit and the report's sections all use
    the options of the audit they belong to, so their numbers agree with the Fairness page.

    Attributes
    ----------
    threshold : float or None
        Decision threshold (``y_hat = 1`` when ``score >= threshold``); ``None`` keeps the
        spec's threshold.
    reference : value, tuple or dict, optional
        Reference group: a group value, or ``{grouping: value}``. ``None``: the largest group.
    min_group_size : int, default 30
        Groups with fewer rows are flagged and left out of disparities, ES and PSD.
    ci : {"bootstrap", "wilson"}
        Interval method.
    bootstrap : int, default 1000
        Bootstrap replicates (0: analytic intervals only).
    seed : int, default 0
        Seed of the bootstrap and of every randomized analysis.
    level : float, default 0.95
        Confidence level.
    alpha : float, default 0.05
        Significance level of the Benjamini-Hochberg corrected tests.
    engine : {"auto", "numpy", "duckdb", "spark"}
        What builds the count tables (the numbers are the same on every engine). ``"auto"``:
        numpy for a frame in memory, DuckDB for a large local file or a ``duckdb:`` URL, Spark
        for a Spark DataFrame or a lake path (see :func:`fairlens.engine.resolve_engine`).
    """

    threshold: float | None = None
    reference: Any = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    ci: CIMethod = "bootstrap"
    bootstrap: int = DEFAULT_BOOTSTRAP
    seed: int = 0
    level: float = 0.95
    alpha: float = 0.05
    engine: EngineName = "auto"

    def __post_init__(self) -> None:
        if isinstance(self.min_group_size, bool) or not _whole(self.min_group_size) or \
                int(self.min_group_size) < 0:
            raise FairLensInputError(E.MIN_GROUP_SIZE_RANGE.format(value=self.min_group_size))
        object.__setattr__(self, "min_group_size", int(self.min_group_size))
        if isinstance(self.bootstrap, bool) or not _whole(self.bootstrap) or \
                int(self.bootstrap) < 0 or 0 < int(self.bootstrap) < 50:
            raise FairLensInputError(E.BOOTSTRAP_RANGE.format(value=self.bootstrap))
        object.__setattr__(self, "bootstrap", int(self.bootstrap))
        object.__setattr__(self, "seed", check_int("seed", self.seed))
        object.__setattr__(self, "ci", check_choice("ci", self.ci, ("bootstrap", "wilson")))
        object.__setattr__(self, "level",
                           check_interval("level", self.level, low=0.0, high=1.0,
                                          closed="neither"))
        object.__setattr__(self, "alpha",
                           check_interval("alpha", self.alpha, low=0.0, high=1.0,
                                          closed="neither"))
        if self.threshold is not None:
            object.__setattr__(self, "threshold", float(self.threshold))
        object.__setattr__(self, "engine", check_choice("engine", self.engine, ENGINES))

    @classmethod
    def resolve(cls, options: AuditOptions | None = None, **given: Any) -> AuditOptions:
        """``options`` (or the defaults) with every keyword that is not ``None`` applied.

        The one place where the column-keyword conveniences (``bootstrap=``,
        ``min_group_size=`` ...) become an options object.
        """
        base = options if options is not None else cls()
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(given) - names)
        if unknown:
            raise TypeError(f"Unknown audit option(s) {', '.join(unknown)}; known: "
                            f"{', '.join(sorted(names))}.")
        changes = {k: v for k, v in given.items() if v is not None}
        return replace(base, **changes) if changes else base

    def to_dict(self) -> dict[str, Any]:
        """Plain form (for configs and caches)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _whole(value: Any) -> bool:
    try:
        return float(value) == int(float(value))
    except (TypeError, ValueError, OverflowError):
        return False

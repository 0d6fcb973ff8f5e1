"""The one-call entry point :func:`audit`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from fairlens.auditing._options import AuditOptions, CIMethod
from fairlens.auditing._result import Audit
from fairlens.auditing._statistics import Statistics, build_statistics, statistics_from_tables
from fairlens.data import AuditSpec, frame_and_spec, prepare, read_table
from fairlens.data._spec import ScoreKind
from fairlens.engine._source import open_tables, resolve_engine


def audit(
    data: Any,
    *,
    label: str | None = None,
    sensitive: str | list[str],
    score: str | list[str] | None = None,
    pred: str | list[str] | None = None,
    proba_prefix: str | None = None,
    metric: str | list[str] | None = None,
    threshold: float = 0.5,
    positive_label: Any = None,
    score_kind: ScoreKind = "probability",
    weight: str | None = None,
    features: list[str] | None = None,
    favorable: str = "positive",
    time: str | None = None,
    options: AuditOptions | None = None,
    **settings: Any,
) -> Audit:
    """Audit a predictions file for group fairness.

    Parameters
    ----------
    data : DataFrame, path, glob, bytes, ``duckdb:`` URL or Spark DataFrame
        The predictions: one row per case. Paths and bytes are read as CSV, TSV or Parquet
        (by pandas, or by DuckDB for large files and globs); ``duckdb:PATH?table=NAME`` (or
        ``?query=SELECT ...``) reads a DuckDB database; a Spark DataFrame, a lake path or a
        table name is audited by Spark (see ``engine``).
    label : str
        True-label column (optional for ``metric=``).
    sensitive : str or list of str
        Sensitive attributes; every attribute and their intersection are audited.
    score, pred, proba_prefix, metric
        Exactly one: probability-of-positive column(s) (several = several models), predicted
        label column(s), the prefix of multiclass probability columns, or per-sample metric
        column(s) such as per-image Dice/IoU.
    threshold : float, default 0.5
        ``y_hat = 1`` when ``score >= threshold``.
    positive_label : optional
        The positive value of ``label``; inferred when omitted (1, True, "yes", ...).
    score_kind : {"probability", "raw"}
        ``"raw"`` allows scores on any scale (threshold in score units; no Brier/ECE).
    weight : str, optional
        Sample-weight column.
    features : list of str, optional
        Feature columns (kept in the spec for later analyses).
    favorable : {"positive", "negative"}, default "positive"
        Whether a positive prediction is the good outcome for the person (``"positive"``) or
        harms them (``"negative"``, e.g. "high risk"); the four-fifths rule follows it.
    time : str, optional
        Time column (kept in the spec for the analyses over time).
    options : AuditOptions, optional
        The audit's settings in one object.
    **settings
        Single fields of :class:`AuditOptions` that override ``options`` (passed on to
        :func:`audit_spec`):

    reference : value, tuple or dict, optional
        Reference group: a group value (used wherever it occurs), or ``{grouping: value}``.
        Default: the largest group of each grouping.
    bootstrap : int, default 1000
        Bootstrap replicates (0 turns the bootstrap off and uses Wilson intervals).
    ci : {"bootstrap", "wilson"}
        Interval method: percentile bootstrap on the count tables, or the fast analytic option
        (Wilson for rates, Hanley-McNeil for AUC; no intervals for disparities and ES/PSD).
    seed : int
        Seed of the bootstrap.
    min_group_size : int, default 30
        Groups with fewer rows are flagged and left out of disparities, ES and PSD.
    level : float, default 0.95
        Confidence level.
    engine : {"auto", "numpy", "duckdb", "spark"}
        What builds the count tables; every engine gives the same numbers.

    Returns
    -------
    Audit

    Raises
    ------
    FairLensInputError
        When the data or the options cannot be used; the message says how to fix it.
    """
    engine = resolve_engine(data, settings.get("engine") or
                            (options.engine if options is not None else "auto"))
    frame, spec = frame_and_spec(
        data if engine == "numpy" else pd.DataFrame(), label=label, sensitive=sensitive,
        score=score, pred=pred,
        proba_prefix=proba_prefix, metric=metric, features=features, weight=weight,
        positive_label=positive_label, threshold=threshold, score_kind=score_kind,
        favorable=favorable, time=time)
    return audit_spec(frame if engine == "numpy" else data, spec, options=options, **settings)


def audit_spec(
    frame: Any,
    spec: AuditSpec,
    *,
    options: AuditOptions | None = None,
    reference: Any = None,
    bootstrap: int | None = None,
    ci: CIMethod | None = None,
    seed: int | None = None,
    min_group_size: int | None = None,
    level: float | None = None,
    engine: str | None = None,
) -> Audit:
    """:func:`audit` with the column roles given as an :class:`AuditSpec`.

    ``options`` holds every setting; the keywords override single fields of it (see
    :meth:`AuditOptions.resolve`). ``options.threshold``, when set, replaces the spec's.
    ``frame`` may be any source :func:`audit` takes (a path, a ``duckdb:`` URL, a Spark
    DataFrame ...); ``options.engine`` says what builds the tables.
    """
    options = AuditOptions.resolve(options, reference=reference, bootstrap=bootstrap, ci=ci,
                                   seed=seed, min_group_size=min_group_size, level=level,
                                   engine=engine)
    if options.threshold is not None and options.threshold != spec.threshold:
        spec = replace(spec, threshold=options.threshold)
    stats = source_statistics(frame, spec, options.engine)
    return Audit.from_statistics(spec, stats, options)


def source_statistics(source: Any, spec: AuditSpec, engine: str = "auto") -> Statistics:
    """The :class:`Statistics` of ``spec`` on ``source``, built by ``engine``.

    Parameters
    ----------
    source : DataFrame, path, glob, bytes, ``duckdb:`` URL or Spark DataFrame
    spec : AuditSpec
    engine : {"auto", "numpy", "duckdb", "spark"}
    """
    chosen = resolve_engine(source, engine)
    if chosen == "numpy":
        if not isinstance(source, pd.DataFrame):
            source = source.toPandas() if hasattr(source, "toPandas") else read_table(source)
        prepared = prepare(source, spec)
        return build_statistics(prepared, threshold=spec.threshold, score_kind=spec.score_kind)
    tables = open_tables(source, spec, chosen)
    try:
        return statistics_from_tables(tables, threshold=spec.threshold,
                                      score_kind=spec.score_kind)
    finally:
        tables.b.close()

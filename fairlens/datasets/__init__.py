"""Built-in samples: real COMPAS predictions, Adult with a model, a synthetic segmentation audit,
planted truths.

``SAMPLES`` maps a sample name to ``(loader, audit kwargs, description)``; the app's sample picker
and the CLI's ``--sample NAME`` use it::

    loader, kwargs, _ = SAMPLES["compas"]
    result = fairlens.audit(loader(), **kwargs)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd

from fairlens.data import AuditSpec, FairLensInputError
from fairlens.datasets._adult import (
    ADULT_AUDIT,
    ADULT_FEATURES,
    adult_model,
    load_adult,
    make_adult_pipeline,
)
from fairlens.datasets._compas import COMPAS_AUDIT, load_compas
from fairlens.datasets._drift import DRIFT_AUDIT, DriftLog, load_drift_log, make_drift_log
from fairlens.datasets._planted import PlantedData, make_planted
from fairlens.datasets._segmentation import SEGMENTATION_AUDIT, load_segmentation


class Sample(NamedTuple):
    """A built-in sample: how to load it, how to audit it, and what it is."""

    loader: Callable[[], pd.DataFrame]
    audit: dict[str, Any]
    description: str


SAMPLES: dict[str, Sample] = {
    "compas": Sample(
        load_compas, COMPAS_AUDIT,
        "COMPAS recidivism risk scores (ProPublica, 7,214 defendants): a deployed model's "
        "decile score vs two-year recidivism, by race, sex and age.",
    ),
    "segmentation": Sample(
        load_segmentation, SEGMENTATION_AUDIT,
        "Synthetic per-image Dice/IoU of a segmentation model (10,000 rows, FairSeg-style) with "
        "a planted Dice gap by race.",
    ),
    "adult": Sample(
        load_adult, ADULT_AUDIT,
        "UCI Adult census records (16,281 people of the test file) with the scores of a "
        "gradient-boosting pipeline FairLens trains on the training file on first use; the "
        "model reads sex and race (on purpose, for the attribute-flip test).",
    ),
    "drift": Sample(
        load_drift_log, DRIFT_AUDIT,
        "A generated monthly predictions log (36,000 rows, 2025) with a planted drift: group "
        "B's true-positive rate falls from 0.8 to 0.5 in September 2025.",
    ),
}

def load_sample(name: str) -> tuple[pd.DataFrame, AuditSpec]:
    """A built-in sample's rows and its default mapping (a fresh, mutable spec).

    Raises
    ------
    FairLensInputError
        When ``name`` is not a built-in sample; the message lists the names.
    """
    if name not in SAMPLES:
        raise FairLensInputError(f"Unknown sample {name!r}; choose one of {sorted(SAMPLES)}.")
    loader, defaults, _ = SAMPLES[name]
    return loader(), AuditSpec(**dict(defaults))


#: Built-in samples that come with the model behind their scores: sample name -> a function
#: returning the fitted model (used by :mod:`fairlens.explain` and the Explain page).
SAMPLE_MODELS: dict[str, Callable[[], Any]] = {"adult": adult_model}

__all__ = [
    "ADULT_AUDIT",
    "ADULT_FEATURES",
    "COMPAS_AUDIT",
    "DRIFT_AUDIT",
    "SAMPLES",
    "SAMPLE_MODELS",
    "SEGMENTATION_AUDIT",
    "DriftLog",
    "PlantedData",
    "Sample",
    "adult_model",
    "load_adult",
    "load_compas",
    "load_drift_log",
    "load_sample",
    "load_segmentation",
    "make_adult_pipeline",
    "make_drift_log",
    "make_planted",
]

"""The Adult sample: shipped copy matches the UCI files, the model trains fast and seeded."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from fairlens.data import AuditSpec
from fairlens.datasets import (
    ADULT_AUDIT,
    ADULT_FEATURES,
    SAMPLE_MODELS,
    SAMPLES,
    load_adult,
    make_adult_pipeline,
)
from tests.conftest import require_shared


def test_shipped_copy_matches_the_source(monkeypatch):
    import importlib.util
    from pathlib import Path

    source = require_shared("adult")
    script = Path(__file__).resolve().parents[2] / "assets" / "make_adult.py"
    monkeypatch.syspath_prepend(str(script.parent))  # it imports its neighbour _sample_file
    spec = importlib.util.spec_from_file_location("make_adult", script)
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    derived = make.derive(source)
    from importlib import resources

    with (resources.files("fairlens.datasets") / "data" / "adult.csv.gz").open("rb") as fh:
        shipped = pd.read_csv(fh, compression="gzip")
    assert len(shipped) == 48842 and list(shipped.columns) == make.COLUMNS
    pd.testing.assert_frame_equal(shipped, derived, check_dtype=False)
    raw = pd.read_csv(source / "adult.data", header=None, skipinitialspace=True)
    assert shipped["split"].eq("train").sum() == len(raw)
    assert shipped.loc[shipped["split"] == "train", "income"].sum() == (raw[14] == ">50K").sum()


def test_sample_is_registered_with_its_model():
    loader, audit, description = SAMPLES["adult"]
    assert audit is ADULT_AUDIT and "sex" in description
    frame = loader()
    assert len(frame) == 16281
    assert {"id", "income", "score", *ADULT_FEATURES} <= set(frame.columns)
    assert frame["score"].between(0, 1).all()
    model = SAMPLE_MODELS["adult"]()
    proba = model.predict_proba(frame[ADULT_FEATURES])[:, 1]
    np.testing.assert_allclose(frame["score"], np.round(proba, 6))
    from fairlens.auditing import audit_spec

    result = audit_spec(frame, AuditSpec(**ADULT_AUDIT), bootstrap=0)
    assert result.primary.overall["auc"] > 0.9  # a real model on held-out rows


def test_training_is_seeded_and_fast():
    from threadpoolctl import threadpool_limits

    frame = load_adult()
    from fairlens.datasets._adult import _raw

    train = _raw()[_raw()["split"] == "train"]
    t = time.perf_counter()
    with threadpool_limits(1):
        pipe = make_adult_pipeline().fit(train[ADULT_FEATURES], train["income"])
    elapsed = time.perf_counter() - t
    assert elapsed < 15
    proba = pipe.predict_proba(frame[ADULT_FEATURES])[:, 1]
    assert np.round(proba, 6) == pytest.approx(frame["score"].to_numpy())

"""Shared fixture of the slice tests: planted data with a known worst slice."""

from __future__ import annotations

import pytest

from fairlens.datasets import make_planted


@pytest.fixture(scope="session")
def planted():
    """10,000 rows whose planted slice (young, north) errs far more than the rest."""
    return make_planted(n=10_000, seed=3)

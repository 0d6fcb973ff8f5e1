"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest

from fairlens.datasets import PlantedData, make_planted


@pytest.fixture(scope="session")
def planted() -> PlantedData:
    """The default planted data: 20,000 rows, 5 % label noise, 80 % of it in group B."""
    return make_planted()

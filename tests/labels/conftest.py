"""Fixtures of the label-error tests: planted data and the label-errors files in ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fairlens.datasets import PlantedData, make_planted
from tests.conftest import require_shared

LABEL_ERRORS = ("label-errors",)


def confirmed_errors(mturk: list[dict]) -> np.ndarray:
    """Rows the crowd confirmed as label errors.

    The rule: a candidate is a confirmed error when fewer than 3 of the 5 workers chose the
    given label, i.e. ``mturk["given"] < 3`` (a strict majority did not choose it). Workers who
    answered "both" are not counted as choosing the given label. This reproduces the paper's
    counts of validated errors: 15 (MNIST), 54 (CIFAR-10), 82 (20 Newsgroups), 725 (IMDB). A
    few MNIST candidates carry 9 or 10 votes; all of them have ``given >= 4`` and are not errors
    under either reading.
    """
    return np.array(sorted(int(c["id"]) for c in mturk if c["mturk"]["given"] < 3),
                    dtype=np.int64)


def load_label_errors(name: str) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """(given labels, out-of-sample probabilities, mturk candidates) of one test set."""
    folder: Path = require_shared(*LABEL_ERRORS)
    pyx = require_shared(*LABEL_ERRORS, f"{name}_test_set_pyx.npy")
    labels = np.load(folder / f"{name}_test_set_original_labels.npy")
    mturk = json.loads((folder / f"{name}_mturk.json").read_text())
    return labels, np.load(pyx), mturk


@pytest.fixture(scope="session")
def planted() -> PlantedData:
    """The default planted data: 20,000 rows, 5 % label noise, 80 % of it in group B."""
    return make_planted()

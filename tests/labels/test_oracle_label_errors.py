"""Oracle: FairLens against cleanlab's own find_label_issues on real test-set label errors.

The probabilities are the out-of-sample ones published with "Pervasive Label Errors in Test Sets
Destabilize Machine Learning Benchmarks"; the truth is the crowd's verdict on the flagged
candidates (see :func:`tests.labels.conftest.confirmed_errors` for the exact rule).
"""

from __future__ import annotations

import numpy as np
import pytest
from cleanlab.filter import find_label_issues as cleanlab_find_label_issues

import fairlens.labels as fl

from .conftest import confirmed_errors, load_label_errors

PAPER_CONFIRMED = {"mnist": 15, "cifar10": 54, "20news": 82}


@pytest.mark.parametrize("name", ["mnist", "cifar10", "20news"])
def test_recall_of_confirmed_errors_is_at_least_cleanlabs(name):
    labels, pyx, mturk = load_label_errors(name)
    confirmed = confirmed_errors(mturk)
    assert len(confirmed) == PAPER_CONFIRMED[name]

    theirs = np.asarray(cleanlab_find_label_issues(labels.astype(np.int64), pyx), dtype=bool)
    ours = fl.find_label_issues(labels, pyx)

    recall_theirs = float(theirs[confirmed].mean())
    recall_ours = float(ours.mask[confirmed].mean())
    assert recall_ours >= recall_theirs
    assert recall_ours > 0.4
    # Same defaults, same cleanlab: the very same rows.
    np.testing.assert_array_equal(ours.mask, theirs)
    # The ranking puts flagged rows first, least likely label first, from cleanlab's scores.
    table = ours.issue_table()
    assert table["label_quality"].is_monotonic_increasing
    np.testing.assert_allclose(table["label_quality"],
                               pyx[table["row"], labels[table["row"]]])
    assert (table["suggested_label"] != table["given_label"]).all()
    assert not ours.warnings


def test_other_filter_methods_are_cleanlabs():
    labels, pyx, _ = load_label_errors("cifar10")
    for method in ("prune_by_class", "both", "confident_learning"):
        theirs = cleanlab_find_label_issues(labels.astype(np.int64), pyx, filter_by=method)
        ours = fl.find_label_issues(labels, pyx, filter_by=method)
        np.testing.assert_array_equal(ours.mask, theirs)


def test_imdb_runs_with_a_warning_instead_of_failing():
    labels, pyx, mturk = load_label_errors("imdb")
    assert pyx.max() > 1.0 and np.abs(pyx.sum(axis=1) - 1).max() > 1e-5
    result = fl.find_label_issues(labels, pyx)
    assert any("clipped to [0, 1] and renormalised" in w for w in result.warnings)
    assert 0 < result.n_issues < len(labels) // 5
    np.testing.assert_allclose(result.detection.proba.sum(axis=1), 1.0, atol=1e-12)
    assert result.detection.proba.max() <= 1.0
    assert len(mturk) == 1310  # IMDB candidates are named by file, not row: no recall here

"""The detector registry, cross-validated probabilities and the array entry point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairlens.labels as fl
from fairlens import FairLensInputError


def test_registry_lists_the_built_in_detectors():
    assert {"confident_learning", "binary_score", "cross_validated"} <= set(fl.DETECTORS)
    table = fl.detector_table().set_index("name")
    assert table.loc["binary_score", "needs"] == "score"
    assert table.loc["cross_validated", "needs"] == "features"
    assert isinstance(fl.get_detector("confident_learning", filter_by="both"),
                      fl.ConfidentLearning)


def test_a_failing_detector_does_not_stop_the_others():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    scores = np.clip(0.6 * y + 0.2 + rng.normal(0, 0.2, 200), 0, 1)
    data = fl.DetectorInput(labels=y, n_classes=2, scores=scores)
    out = fl.run_detectors(data, ["confident_learning", "binary_score",
                                  fl.BinaryScore(filter_by="predicted_neq_given")])
    assert isinstance(out["confident_learning"], fl.DetectorFailure)
    assert "class probabilities" in out["confident_learning"].error
    assert isinstance(out["binary_score"], fl.Detection)
    baseline = out["binary_score:predicted_neq_given"]
    assert baseline.n_issues >= out["binary_score"].n_issues


def test_register_a_custom_detector():
    @fl.register_detector
    class Everything(fl.Detector):
        name = "test_everything"
        needs = "proba"

        def detect(self, data):
            n = len(data.labels)
            return fl.Detection(self.name, np.ones(n, bool), np.zeros(n),
                                np.argmax(data.proba, axis=1), data.proba, {})

    try:
        proba = np.tile([0.7, 0.3], (50, 1))
        result = fl.find_label_issues(np.r_[np.zeros(25, int), np.ones(25, int)], proba,
                                      detector="test_everything")
        assert result.n_issues == 50
    finally:
        fl.DETECTORS.pop("test_everything")


def test_cross_validated_probabilities_are_out_of_fold():
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(0, 1, n)
    colour = rng.choice(["red", "blue", None], n)
    y = (x + rng.normal(0, 0.5, n) > 0).astype(int)
    features = pd.DataFrame({"x": x, "colour": colour})
    progress = []
    cv = fl.cross_val_proba(features, y, n_splits=4, seed=1,
                            progress=lambda d, t, m: progress.append((d, t, m)))
    assert cv.proba.shape == (n, 2) and cv.n_splits == 4
    np.testing.assert_allclose(cv.proba.sum(axis=1), 1.0)
    # between folds whole numbers; inside a fold (training stages, predicted rows) fractions
    assert [p[0] for p in progress if p[0] == int(p[0])] == [0, 1, 2, 3, 4]
    assert any(0 < p[0] < 1 for p in progress)
    assert 0.7 < cv.accuracy <= 1.0
    again = fl.cross_val_proba(features, y, n_splits=4, seed=1)
    np.testing.assert_array_equal(cv.proba, again.proba)  # seeded
    # An identifier column: a model cannot memorise held-out rows, so no row is certain.
    with_id = features.assign(row_id=np.arange(n))
    lr = fl.cross_val_proba(with_id, y, model="logistic_regression", n_splits=3)
    assert lr.model == "logistic_regression"
    with pytest.raises(FairLensInputError, match="Unknown model"):
        fl.cross_val_proba(features, y, model="xgboost")


def test_cross_validation_reduces_folds_for_rare_classes():
    rng = np.random.default_rng(4)
    y = np.r_[np.zeros(60, int), np.ones(60, int), np.full(3, 2)]
    features = pd.DataFrame({"x": rng.normal(0, 1, len(y)) + y})
    cv = fl.cross_val_proba(features, y, n_splits=5)
    assert cv.n_splits == 3
    assert any("folds were reduced to 3" in w for w in cv.warnings)


def test_sensitive_features_in_fairlearn_forms():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300)
    score = np.clip(0.6 * y + 0.2 + rng.normal(0, 0.2, 300), 0, 1)
    group = rng.choice(["p", "q"], 300)
    one = fl.find_label_issues(y, score, sensitive_features=group)
    assert set(one.by_group["grouping"]) == {"sensitive_feature_0"}
    two = fl.find_label_issues(y, score, sensitive_features=pd.DataFrame(
        {"g": group, "h": rng.choice(["x", "y"], 300)}))
    assert list(dict.fromkeys(two.by_group["grouping"])) == ["g", "h", "g x h"]
    named = fl.find_label_issues(y, score, sensitive_features=pd.Series(group, name="team"),
                                 reference="q")
    rates = named.by_group.set_index("group")
    assert rates.loc["q", "reference"]
    with pytest.raises(FairLensInputError, match="Reference group"):
        fl.find_label_issues(y, score, sensitive_features=group, reference="zzz")

"""Cross-validated probabilities on real files: no crash on any column, progress inside folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

import fairlens as fl
from fairlens.data._features import FeatureEncoder
from fairlens.labels import cross_val_proba
from tests._real_files import LOADERS, leak_sentences, raw_compas


def moderate_frame(n: int = 3000, seed: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n),
                          "colour": rng.choice(["red", "blue", None], n)})
    y = (frame["x"] + 0.5 * (frame["colour"] == "red") + rng.normal(0, 0.7, n) > 0)
    return frame, y.astype(int).to_numpy()


def test_progress_is_reported_inside_every_fold():
    frame, y = moderate_frame()
    calls: list[tuple[float, int, str]] = []
    cv = cross_val_proba(frame, y, n_splits=3, seed=0, n_threads=1,
                         progress=lambda done, total, msg: calls.append((done, total, msg)))
    done = [c[0] for c in calls]
    assert all(total == 3 for _, total, _ in calls)
    assert done == sorted(done)  # the bar never moves back
    assert [d for d in done if d == int(d)] == [0, 1, 2, 3]
    for fold in range(3):
        inside = [msg for d, _, msg in calls if fold < d < fold + 1]
        assert any("iterations trained on" in m for m in inside), inside
        assert any("held-out rows predicted" in m for m in inside), inside
        assert all(m.startswith(f"Fold {fold + 1} of 3 ") for m in inside)
    assert cv.accuracy > 0.7


def test_training_in_stages_gives_the_one_shot_model():
    frame, y = moderate_frame(800)
    cv = cross_val_proba(frame, y, n_splits=3, seed=2, progress=lambda *a: None, n_threads=1)
    with threadpool_limits(1):  # OpenMP threads spin on a busy machine
        expected = _one_shot(frame, y)
    np.testing.assert_allclose(cv.proba, expected, atol=1e-9)


def _one_shot(frame: pd.DataFrame, y: np.ndarray) -> np.ndarray:
    expected = np.zeros((len(y), 2))
    for train, test in StratifiedKFold(3, shuffle=True, random_state=2).split(frame, y):
        enc = FeatureEncoder("ordinal").fit(frame.iloc[train])
        model = HistGradientBoostingClassifier(categorical_features="from_dtype",
                                               random_state=2, early_stopping=False,
                                               max_iter=100)
        model.fit(enc.transform(frame.iloc[train]), y[train])
        expected[test] = model.predict_proba(enc.transform(frame.iloc[test]))
    return expected


def test_the_raw_propublica_file_with_all_53_columns_trains_without_the_old_crash():
    frame, spec = raw_compas()
    features = frame[spec.features]
    with pytest.raises(ValueError, match="window shape"):  # what the app used to show
        HistGradientBoostingClassifier(max_iter=2).fit(features.select_dtypes("number"),
                                                        frame[spec.label])
    cv = cross_val_proba(features, frame[spec.label].to_numpy(), n_splits=2, seed=0,
                         n_threads=1)
    assert cv.proba.shape == (len(frame), 2) and np.isfinite(cv.proba).all()
    assert any("violent_recid is empty" in w for w in cv.warnings)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_label_errors_with_every_column_run_and_warn_about_the_leaks(name):
    frame, spec = LOADERS[name]()
    if name == "raw_compas":
        frame = frame.iloc[:3000]
    issues = fl.labels.label_issues_spec(frame, spec, source="features", n_splits=2,
                                  model="logistic_regression")
    assert issues.detection.detector == "cross_validated"
    leaks = leak_sentences(issues.warnings)
    if name == "titanic":
        assert leaks == []
    else:
        named = {"raw_compas": ("is_recid", "decile_score.1", "c_case_number"),
                 "messy": ("outcome_copy", "score_decile", "row_id")}[name]
        for column in named:
            assert any(f"The feature {column} should be left out" in w for w in leaks), column

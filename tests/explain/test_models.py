"""Safe model loading: pickle refused by default, skops types accepted explicitly, ONNX runs."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from fairlens.data import FairLensInputError
from fairlens.explain import explain_spec, load_model, model_format, untrusted_types


class _CreatesFile:
    """Unpickling this object calls ``open(path, "w")``: code runs on load."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("name", ["model.pkl", "model.joblib", "model.bin"])
def test_malicious_pickle_rejected_and_never_run(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "pwned.txt"
    path = tmp_path / name
    path.write_bytes(pickle.dumps(_CreatesFile(str(marker)), protocol=4))
    assert model_format(path) == "pickle"
    with pytest.raises(FairLensInputError, match="runs whatever code"):
        load_model(path)
    with pytest.raises(FairLensInputError):
        load_model(path, trusted_types=["builtins.open"])  # skops trust is no pickle trust
    assert not marker.exists()


def test_malicious_pickle_runs_only_when_trusted(tmp_path: Path) -> None:
    """The trust switch is what loads a pickle (shown here with the crafted file)."""
    marker = tmp_path / "pwned.txt"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_CreatesFile(str(marker)), protocol=4))
    with pytest.raises(FairLensInputError):  # an open file is no model
        load_model(path, trust_pickle=True)
    assert marker.exists()
    os.remove(marker)


def test_trusted_pickle_loads_estimator(tmp_path: Path, adult) -> None:
    import joblib

    frame, _, model = adult
    path = tmp_path / "adult.joblib"
    joblib.dump(model, path)
    loaded = load_model(path, trust_pickle=True)
    head = frame.iloc[:200]
    np.testing.assert_allclose(loaded.predict_score(head), model.predict_proba(
        head[model.feature_names_in_])[:, 1])
    assert "trusted by the user" in loaded.source


def test_skops_requires_accepting_untrusted_types(tmp_path: Path, adult) -> None:
    import skops.io as sio

    frame, spec, model = adult
    path = tmp_path / "adult.skops"
    sio.dump(model, path)
    types = untrusted_types(path)
    assert types == ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]
    with pytest.raises(FairLensInputError, match="TreePredictor"):
        load_model(path)
    loaded = load_model(path, trusted_types=types)
    head = frame.iloc[:300]
    np.testing.assert_allclose(loaded.predict_score(head),
                               model.predict_proba(head[model.feature_names_in_])[:, 1])
    result = explain_spec(frame.iloc[:3000], spec, model=loaded, attribute="sex",
                          sample_size=400)
    assert result.method == "tree"
    assert result.additivity_error < 1e-6
    assert result.flip is not None


def test_onnx_model_loads_and_explains(tmp_path: Path, adult) -> None:
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingClassifier

    frame, spec, _ = adult
    feats = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
    train = frame.iloc[:4000]
    clf = GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0)
    clf.fit(train[feats].to_numpy(dtype=np.float32), train["income"])
    onx = to_onnx(clf, train[feats].to_numpy(dtype=np.float32)[:1],
                  options={id(clf): {"zipmap": False}})
    path = tmp_path / "adult.onnx"
    path.write_bytes(onx.SerializeToString())
    assert model_format(path) == "onnx"
    with pytest.raises(FairLensInputError, match="name its feature columns"):
        load_model(path)
    model = load_model(path, features=feats)
    test = frame.iloc[4000:4500]
    expected = clf.predict_proba(test[feats].to_numpy(dtype=np.float32))[:, 1]
    np.testing.assert_allclose(model.predict_score(test), expected, atol=1e-5)
    result = explain_spec(frame.iloc[4000:6000], spec, model=model, attribute="sex",
                          sample_size=80)
    assert result.method == "permutation"
    assert result.additivity_error < 1e-5  # float32 model outputs
    gap = result.gap
    assert sum(gap.contributions.values()) == pytest.approx(gap.gap, abs=1e-5)
    assert result.proxy is not None and result.flip is None  # sex is not an input
    assert set(result.importance.index) == set(feats)


def test_onnx_from_file_bytes_without_suffix(tmp_path: Path) -> None:
    from skl2onnx import to_onnx
    from sklearn.linear_model import LinearRegression

    X = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    reg = LinearRegression().fit(X, X[:, 0] * 2)
    path = tmp_path / "model"
    path.write_bytes(to_onnx(reg, X[:1]).SerializeToString())
    assert model_format(path) == "onnx"


def test_unknown_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "model.txt"
    junk.write_text("not a model")
    with pytest.raises(FairLensInputError, match="unknown model format"):
        load_model(junk)
    with pytest.raises(FairLensInputError, match="does not exist"):
        load_model(tmp_path / "nope.onnx")
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x01garbage")
    with pytest.raises(FairLensInputError, match="not a readable ONNX"):
        load_model(bad)

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


# --- budgets and per-file trust ------------------------------------------------------------------

BOMB_VALUES = 96 * 2**21
"""Values of the bomb's array: 1.5 GiB of float64 zeros (a 1.5 MB skops file)."""


def make_skops_bomb(path: Path) -> Path:
    """A real skops file of a logistic regression whose first array is 1.5 GiB of zeros.

    Deflate of zeros repeats: each 16 MiB chunk is compressed once (with a full flush, so the
    blocks stand alone) and the block is written again, so building it costs about a second
    and no memory, while loading it would take 1.5 GiB (3.5 GB peak before the budget).
    """
    import io
    import zipfile
    import zlib

    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    x = np.random.default_rng(0).normal(size=(40, 3))
    small = io.BytesIO()
    sio.dump(LogisticRegression().fit(x, (x[:, 0] > 0).astype(int)), small)
    chunk = bytes(2**24)
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "<f8", "fortran_order": False, "shape": (BOMB_VALUES,)})

    def deflated(data: bytes) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)

    blocks = {head.getvalue(): deflated(head.getvalue()), chunk: deflated(chunk)}

    class Repeat:
        def compress(self, data):
            return blocks[bytes(data)]

        def flush(self):
            return zlib.compressobj(9, zlib.DEFLATED, -15).flush()

    with zipfile.ZipFile(small) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        first = next(i.filename for i in zin.infolist() if i.filename.endswith(".npy"))
        for info in zin.infolist():
            if info.filename != first:
                zout.writestr(info.filename, zin.read(info.filename))
                continue
            with zout.open(info.filename, "w", force_zip64=True) as fh:
                fh._compressor = Repeat()
                fh.write(head.getvalue())
                for _ in range(BOMB_VALUES * 8 // len(chunk)):
                    fh.write(chunk)
    return path


@pytest.fixture(scope="session")
def skops_bomb(tmp_path_factory) -> Path:
    return make_skops_bomb(tmp_path_factory.mktemp("bomb") / "bomb.skops")


def test_skops_bomb_is_refused_before_loading(skops_bomb: Path) -> None:
    import time
    import tracemalloc

    from fairlens.explain import MODEL_BUDGET_BYTES, unpacked_size

    assert skops_bomb.stat().st_size < 3 * 2**20
    assert unpacked_size(skops_bomb) > BOMB_VALUES * 8 > MODEL_BUDGET_BYTES
    tracemalloc.start()
    start = time.perf_counter()
    try:
        for call in (lambda: load_model(skops_bomb, trusted_types=["x"]),
                     lambda: untrusted_types(skops_bomb)):
            with pytest.raises(FairLensInputError) as info:
                call()
            message = str(info.value)
            assert message.startswith("bomb.skops would take 1,536 MiB of memory once "
                                      "unpacked, more than the model budget of 512 MiB")
            assert "explain a surrogate of the scores" in message
            assert "FAIRLENS_MODEL_BUDGET_MB" in message
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 5
    assert peak < 50 * 2**20


def test_model_budget_can_be_raised_and_lowered(tmp_path: Path, adult, monkeypatch) -> None:
    import skops.io as sio

    from fairlens.explain import check_model_budget

    _, _, model = adult
    path = tmp_path / "adult.skops"
    sio.dump(model, path)
    size = check_model_budget(path)
    assert 2**20 < size < 3 * 2**20  # 1.3 MiB unpacked
    types = untrusted_types(path)
    monkeypatch.setenv("FAIRLENS_MODEL_BUDGET_MB", "0")
    with pytest.raises(FairLensInputError, match="more than the model budget of 0 bytes"):
        load_model(path, trusted_types=types)
    monkeypatch.setenv("FAIRLENS_MODEL_BUDGET_MB", "2")
    assert load_model(path, trusted_types=types).estimator is not None


def test_cli_refuses_the_skops_bomb_in_seconds_and_little_memory(skops_bomb: Path) -> None:
    import subprocess
    import sys
    import time

    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fairlens.cli", "explain", "--sample", "adult", "--model",
         str(skops_bomb), "--trust-type", "numpy.ndarray"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode()
    assert os.waitstatus_to_exitcode(status) == 2
    assert "bomb.skops would take 1,536 MiB of memory once unpacked" in err, err
    assert elapsed < 30
    assert usage.ru_maxrss * 1024 < 2 * 2**30


def test_trust_is_given_to_exact_bytes(tmp_path: Path, adult) -> None:
    import joblib

    from fairlens.explain import file_sha256

    _, _, model = adult
    path = tmp_path / "adult.joblib"
    joblib.dump(model, path)
    confirmed = file_sha256(path)
    assert load_model(path, trust_pickle=True, sha256=confirmed).estimator is not None
    marker = tmp_path / "pwned.txt"
    path.write_bytes(pickle.dumps(_CreatesFile(str(marker)), protocol=4))  # swapped on disk
    with pytest.raises(FairLensInputError, match="is not the file you confirmed"):
        load_model(path, trust_pickle=True, sha256=confirmed)
    assert not marker.exists()


def test_onnx_errors_name_the_file_not_its_folder(tmp_path: Path) -> None:
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x01garbage")
    with pytest.raises(FairLensInputError) as info:
        load_model(bad)
    assert str(tmp_path) not in str(info.value) and "broken.onnx" in str(info.value)


def test_cli_model_sha256_pins_the_trusted_bytes(tmp_path: Path, capsys) -> None:
    from fairlens.cli import main

    marker = tmp_path / "pwned.txt"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_CreatesFile(str(marker)), protocol=4))
    code = main(["explain", "--sample", "adult", "--model", str(path), "--trust-pickle",
                 "--model-sha256", "0" * 64, "--quiet"])
    assert code == 2 and not marker.exists()
    assert "model.pkl is not the file you confirmed" in capsys.readouterr().err

"""Model adapters: ONNX, skops, scikit-learn objects, and pickle only behind a trust switch.

Every adapter exposes the same small interface (:class:`Model`): the feature columns it reads,
``predict_score`` (the number compared with the decision threshold: the probability of the
positive class, or a regression output) and, where SHAP's TreeExplainer applies, the tree model
and the transform in front of it.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairlens._digest import file_sha256
from fairlens.data import FairLensInputError

ModelKind = Literal["model", "surrogate"]

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav")
ONNX_SUFFIXES = (".onnx",)
SKOPS_SUFFIXES = (".skops",)

MSG_PICKLE_UNTRUSTED = (
    "{name} is a pickle/joblib file, and loading one runs whatever code it contains. FairLens "
    "does not load it unless you say you trust it: pass trust_pickle=True (CLI --trust-pickle; "
    "in the app, tick the confirmation). Safer: save the model as ONNX (skl2onnx) or skops.")
MSG_SKOPS_UNTRUSTED = (
    "{name} holds types that skops does not trust by default: {types}. Loading them can run "
    "their code. Check that you expect these types, then accept them (trusted_types=[...]; CLI "
    "--trust-type TYPE; in the app, tick them).")
MSG_UNKNOWN_FORMAT = (
    "{name}: unknown model format. Give an ONNX file (.onnx), a skops file (.skops), or a "
    "pickle/joblib file (.pkl, .joblib; only with the trust switch).")
MSG_MODEL_TOO_BIG = (
    "{name} would take {size} of memory once unpacked, more than the model budget of "
    "{budget}, so FairLens did not load it. A model this large usually holds data it does "
    "not need (a training set, a huge array): save the fitted model alone again (skops or "
    "ONNX), or explain a surrogate of the scores instead (no model file). If the model is "
    "really this large, raise the budget with the environment variable "
    "FAIRLENS_MODEL_BUDGET_MB on your own machine.")
MSG_MODEL_TOO_MANY_PARTS = (
    "{name} is an archive of {count:,} parts, more than the {limit:,} a model file may have, "
    "so FairLens did not open it. Save the fitted model alone again (skops or ONNX).")
MSG_CHANGED_FILE = (
    "{name} is not the file you confirmed: its content changed since (SHA-256 {actual} "
    "instead of {expected}). Nothing was loaded; confirm the new file again if you trust it.")
MSG_NO_PREDICT = (
    "The model has neither predict_proba nor predict; give a fitted classifier or regressor.")


MODEL_BUDGET_BYTES = 512 * 2**20
"""Most memory a model file may unpack to before FairLens loads it (512 MiB): the sum of the
uncompressed sizes of a skops archive's parts, the size of an ONNX file plus its external data.
Checked from the file's own directory (nothing is decompressed or run) before any loading;
``$FAIRLENS_MODEL_BUDGET_MB`` overrides it."""
MODEL_BUDGET_ENV = "FAIRLENS_MODEL_BUDGET_MB"
MAX_MODEL_PARTS = 100_000
"""Most parts (archive members) a skops file may have; checked before its directory is read."""


def model_budget_bytes() -> int:
    """:data:`MODEL_BUDGET_BYTES`, or ``$FAIRLENS_MODEL_BUDGET_MB`` MiB (read on every call)."""
    configured = os.environ.get(MODEL_BUDGET_ENV, "").strip()
    return int(configured) * 2**20 if configured.isdigit() else MODEL_BUDGET_BYTES


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB" if n >= 2**20 else f"{n:,} bytes"




def _zip_parts(path: Path) -> int | None:
    """The number of members a zip archive declares (read from its end record only)."""
    try:
        with open(path, "rb") as fh:
            end = zipfile._EndRecData(fh)  # noqa: SLF001 - the one reader of the end record
    except OSError:
        return None
    return None if not end else int(end[zipfile._ECD_ENTRIES_TOTAL])  # noqa: SLF001


def _onnx_external_bytes(path: Path) -> int:
    """Bytes of the external data an ONNX file names (0 without the ``onnx`` package)."""
    try:
        import onnx
        from onnx.external_data_helper import _get_all_tensors, uses_external_data
    except ImportError:
        return 0
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception:  # noqa: BLE001 - onnxruntime says what is wrong with the file later
        return 0
    total = 0
    for tensor in _get_all_tensors(proto):
        if not uses_external_data(tensor):
            continue
        info = {e.key: e.value for e in tensor.external_data}
        if info.get("length", "").isdigit():
            total += int(info["length"])
        else:
            target = path.parent / info.get("location", "")
            total += target.stat().st_size if target.is_file() else 0
    return total


def unpacked_size(path: str | Path) -> int:
    """The memory a model file takes once unpacked, from its directory (nothing is loaded).

    A skops file: the sum of the uncompressed sizes of its parts (an archive of more than
    :data:`MAX_MODEL_PARTS` parts is refused first); an ONNX file: its size plus its external
    data; other files: their size.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    int
        Bytes.

    Raises
    ------
    FairLensInputError
        When the archive is unreadable or has too many parts.
    """
    p = Path(path)
    size = p.stat().st_size
    if zipfile.is_zipfile(p):
        parts = _zip_parts(p)
        if parts is not None and parts > MAX_MODEL_PARTS:
            raise FairLensInputError(MSG_MODEL_TOO_MANY_PARTS.format(
                name=p.name, count=parts, limit=MAX_MODEL_PARTS))
        try:
            with zipfile.ZipFile(p) as archive:
                return sum(int(info.file_size) for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise FairLensInputError(f"{p.name} is not a readable skops file ({exc}).") from exc
    if p.suffix.lower() in ONNX_SUFFIXES and size <= model_budget_bytes():
        return size + _onnx_external_bytes(p)
    return size


def check_model_budget(path: str | Path) -> int:
    """Refuse a model file that would unpack to more than the budget (:func:`unpacked_size`,
    :func:`model_budget_bytes`); returns its unpacked size.

    Raises
    ------
    FairLensInputError
        With what to do, before anything is loaded.
    """
    p = Path(path)
    size, budget = unpacked_size(p), model_budget_bytes()
    if size > budget:
        raise FairLensInputError(MSG_MODEL_TOO_BIG.format(name=p.name, size=_mib(size),
                                                          budget=_mib(budget)))
    return size


def _positive_column(classes: Any) -> int:
    """Index of the positive class among a classifier's ``classes_`` (the last, as sklearn)."""
    return -1 if classes is None else len(classes) - 1


@dataclass
class Model:
    """A model FairLens can explain.

    Attributes
    ----------
    features : list of str
        The columns the model reads, in its order.
    predict_score : callable
        ``f(frame) -> ndarray``: the model's score for each row of a frame holding the features
        (probability of the positive class for a classifier, the prediction of a regressor).
    kind : {"model", "surrogate"}
        A model the user gave (or a sample's model), or a surrogate FairLens trained to
        reproduce a predictions file.
    source : str
        Where it comes from, in words (shown next to every explanation).
    estimator : object or None
        The scikit-learn object when there is one.
    tree : object or None
        A tree ensemble SHAP's TreeExplainer can read, when the model is one (possibly behind a
        one-column-per-feature transform, see ``transform``).
    transform : callable or None
        ``f(frame) -> ndarray`` mapping the features to the tree's inputs (one column per
        feature, in the tree's order).
    tree_columns : list of int or None
        Position of each feature (in ``features`` order) among the tree's inputs.
    raw_output : callable or None
        ``f(frame) -> ndarray``: the tree's raw output that TreeExplainer decomposes (log-odds
        for a boosted classifier), when it differs from ``predict_score``.
    output : str
        Name of what the explanations decompose: "probability", "log-odds" or "score".
    """

    features: list[str]
    predict_score: Callable[[pd.DataFrame], np.ndarray]
    kind: ModelKind = "model"
    source: str = "model"
    estimator: Any = None
    tree: Any = None
    transform: Callable[[pd.DataFrame], np.ndarray] | None = None
    tree_columns: list[int] | None = None
    raw_output: Callable[[pd.DataFrame], np.ndarray] | None = None
    output: str = "probability"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def explained_output(self) -> Callable[[pd.DataFrame], np.ndarray]:
        """The function whose value SHAP and LIME decompose."""
        return self.raw_output or self.predict_score


# --- scikit-learn objects --------------------------------------------------------------------

_TREE_CLASSES = (
    "HistGradientBoostingClassifier", "HistGradientBoostingRegressor",
    "GradientBoostingClassifier", "GradientBoostingRegressor", "RandomForestClassifier",
    "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
    "DecisionTreeClassifier", "DecisionTreeRegressor", "XGBClassifier", "XGBRegressor",
    "LGBMClassifier", "LGBMRegressor",
)
_LOG_ODDS_TREES = ("HistGradientBoostingClassifier", "GradientBoostingClassifier",
                   "XGBClassifier", "LGBMClassifier")


def _feature_names(estimator: Any, features: Iterable[str] | None) -> list[str]:
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    if features:
        return list(features)
    raise FairLensInputError(
        "The model does not record the names of its input columns (it was fitted on an array). "
        "Name the feature columns it reads, in order (features=[...]; CLI --features).")


def _strip(name: str) -> str:
    return name.split("__", 1)[1] if "__" in name else name


def _tree_parts(estimator: Any, features: list[str]
                ) -> tuple[Any, Callable[[pd.DataFrame], np.ndarray], list[int]] | None:
    """The tree model, the one-column-per-feature transform in front of it, and the position
    of each feature among the tree's inputs; None when the model is no such tree."""
    if type(estimator).__name__ in _TREE_CLASSES:
        def direct(frame: pd.DataFrame) -> np.ndarray:
            return frame[features].to_numpy(dtype=float)
        return estimator, direct, list(range(len(features)))
    steps = getattr(estimator, "steps", None)
    if not steps or type(steps[-1][1]).__name__ not in _TREE_CLASSES:
        return None
    head = estimator[:-1]
    try:
        names = [_strip(str(n)) for n in head.get_feature_names_out()]
    except Exception:  # noqa: BLE001 - a transform without names cannot be mapped back
        return None
    if sorted(names) != sorted(features):
        return None  # one-hot or other many-column encodings: model-agnostic explainer instead
    def transform(frame: pd.DataFrame) -> np.ndarray:
        out = head.transform(frame[features])
        out = out.toarray() if hasattr(out, "toarray") else np.asarray(out)
        return np.asarray(out, dtype=float)

    return steps[-1][1], transform, [names.index(f) for f in features]


def from_estimator(estimator: Any, *, features: Iterable[str] | None = None,
                   source: str = "scikit-learn model", kind: ModelKind = "model") -> Model:
    """Wrap a fitted scikit-learn style estimator (or pipeline).

    Parameters
    ----------
    estimator : object
        Has ``predict_proba`` (classifier: the last class is the positive one) or ``predict``.
    features : iterable of str, optional
        Its input columns, when it does not record them in ``feature_names_in_``.
    source : str
        Where it comes from, in words.
    kind : {"model", "surrogate"}

    Returns
    -------
    Model
    """
    names = _feature_names(estimator, features)
    if hasattr(estimator, "predict_proba"):
        col = _positive_column(getattr(estimator, "classes_", None))

        def score(frame: pd.DataFrame) -> np.ndarray:
            return np.asarray(estimator.predict_proba(frame[names]))[:, col].astype(float)
        output = "probability"
    elif hasattr(estimator, "predict"):
        def score(frame: pd.DataFrame) -> np.ndarray:
            return np.asarray(estimator.predict(frame[names]), dtype=float).ravel()
        output = "score"
    else:
        raise FairLensInputError(MSG_NO_PREDICT)
    model = Model(features=names, predict_score=score, kind=kind, source=source,
                  estimator=estimator, output=output)
    parts = _tree_parts(estimator, names)
    if parts is not None:
        model.tree, model.transform, model.tree_columns = parts
        if type(model.tree).__name__ in _LOG_ODDS_TREES and hasattr(estimator,
                                                                    "decision_function"):
            def margin(frame: pd.DataFrame) -> np.ndarray:
                return np.asarray(estimator.decision_function(frame[names]), dtype=float)
            model.raw_output = margin
            model.output = "log-odds"
    return model


# --- ONNX ------------------------------------------------------------------------------------

_ONNX_TYPES = {
    "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
    "tensor(int32)": np.int32, "tensor(string)": object, "tensor(bool)": np.bool_,
}


def _onnx_model(path: Path, features: Iterable[str] | None) -> Model:
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        detail = str(exc).replace(str(path.resolve()), path.name).replace(str(path), path.name)
        raise FairLensInputError(f"{path.name} is not a readable ONNX model ({detail}).") \
            from exc
    inputs = session.get_inputs()
    outputs = [o.name for o in session.get_outputs()]
    proba_out = next((o for o in outputs if "prob" in o.lower()), None)
    if len(inputs) == 1:
        width = inputs[0].shape[1] if len(inputs[0].shape) > 1 else None
        names = list(features or [])
        meta = session.get_modelmeta().custom_metadata_map.get("features")
        if not names and meta:
            names = [s for s in meta.split(",") if s]
        if not names:
            raise FairLensInputError(
                f"{path.name} takes one input matrix; name its feature columns in order "
                "(features=[...]; CLI --features).")
        if isinstance(width, int) and width != len(names):
            raise FairLensInputError(
                f"{path.name} expects {width} input columns but {len(names)} features were "
                "named.")
        dtype = _ONNX_TYPES.get(inputs[0].type, np.float32)

        def feed(frame: pd.DataFrame) -> dict[str, np.ndarray]:
            return {inputs[0].name: frame[names].to_numpy().astype(dtype)}
    else:
        names = [i.name for i in inputs]
        types = {i.name: _ONNX_TYPES.get(i.type, np.float32) for i in inputs}

        def feed(frame: pd.DataFrame) -> dict[str, np.ndarray]:
            out = {}
            for n in names:
                col = frame[n]
                if types[n] is object:
                    values = col.astype(object).where(col.notna(), "").astype(str).to_numpy()
                else:
                    values = col.to_numpy().astype(types[n])
                out[n] = values.reshape(-1, 1)
            return out

    def score(frame: pd.DataFrame) -> np.ndarray:
        result = session.run([proba_out or outputs[0]], feed(frame))[0]
        if isinstance(result, list):  # ZipMap: one {class: probability} dict per row
            keys = list(result[0])
            return np.array([r[keys[-1]] for r in result], dtype=float)
        arr = np.asarray(result, dtype=float)
        if arr.ndim == 2 and arr.shape[1] > 1:
            return arr[:, -1]
        return arr.ravel()

    return Model(features=names, predict_score=score, source=f"ONNX model {path.name}",
                 output="probability" if proba_out else "score")


# --- skops and pickle ------------------------------------------------------------------------


def untrusted_types(path: str | Path) -> list[str]:
    """The types in a skops file that skops does not trust by default (shown to the user).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of str
    """
    import skops.io as sio

    check_model_budget(path)
    try:
        return sorted(sio.get_untrusted_types(file=str(path)))
    except Exception as exc:  # noqa: BLE001 - unreadable archive is bad input
        raise FairLensInputError(f"{Path(path).name} is not a readable skops file ({exc}).") \
            from exc


def _skops_model(path: Path, trusted_types: Iterable[str] | None,
                 features: Iterable[str] | None) -> Model:
    import skops.io as sio

    needed = untrusted_types(path)
    accepted = set(trusted_types or [])
    missing = [t for t in needed if t not in accepted]
    if missing:
        raise FairLensInputError(MSG_SKOPS_UNTRUSTED.format(name=path.name,
                                                            types=", ".join(missing)))
    estimator = sio.load(str(path), trusted=needed)
    return from_estimator(estimator, features=features, source=f"skops model {path.name}")


def _pickle_model(path: Path, features: Iterable[str] | None) -> Model:
    import joblib

    estimator = joblib.load(path)  # runs the file's code: only reached with trust_pickle=True
    return from_estimator(estimator, features=features,
                          source=f"pickle/joblib model {path.name} (trusted by the user)")


def model_format(path: str | Path) -> str:
    """``"onnx"``, ``"skops"`` or ``"pickle"`` from the name, else from the first bytes.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in ONNX_SUFFIXES:
        return "onnx"
    if suffix in SKOPS_SUFFIXES:
        return "skops"
    if suffix in PICKLE_SUFFIXES:
        return "pickle"
    with open(p, "rb") as fh:
        head = fh.read(4)
    if zipfile.is_zipfile(p):
        return "skops"
    if head[:1] == b"\x80":
        return "pickle"
    if head[:1] == b"\x08":  # protobuf field 1 (ir_version), varint: an ONNX ModelProto
        return "onnx"
    raise FairLensInputError(MSG_UNKNOWN_FORMAT.format(name=p.name))


def load_model(path: str | Path, *, trust_pickle: bool = False,
               trusted_types: Iterable[str] | None = None,
               features: Iterable[str] | None = None,
               sha256: str | None = None) -> Model:
    """Load a model file safely.

    ONNX files run in onnxruntime (no code runs). skops files load only when every type they
    hold is trusted by skops or listed in ``trusted_types`` (see :func:`untrusted_types`).
    Pickle and joblib files run code when loaded, so they load only with
    ``trust_pickle=True``; a file that fails as ONNX or skops never falls back to pickle.
    Every file is first checked against the model budget (:func:`check_model_budget`): one
    that would unpack to more is refused before anything is read into memory.

    Parameters
    ----------
    path : str or Path
        ``.onnx``, ``.skops``, or ``.pkl`` / ``.pickle`` / ``.joblib`` (format also recognised
        from the first bytes when the name does not say).
    trust_pickle : bool, default False
        Allow loading a pickle/joblib file (which runs its code).
    trusted_types : iterable of str, optional
        Types of a skops file the user accepted.
    features : iterable of str, optional
        The input columns, for models that do not record them (an ONNX model with one input
        matrix, an estimator fitted on an array).
    sha256 : str, optional
        The content hash (:func:`file_sha256`) of the file the user confirmed; the file is
        loaded only when its content still has this hash (trust is given to exact bytes).

    Returns
    -------
    Model

    Raises
    ------
    FairLensInputError
        Unknown format, unreadable file, a file over the model budget, untrusted skops types,
        a pickle without the trust switch (the file is not opened then), or a file whose
        content no longer has the confirmed ``sha256``.
    """
    p = Path(path)
    if not p.is_file():
        raise FairLensInputError(f"Model file {p} does not exist.")
    if sha256 is not None:
        actual = file_sha256(p)
        if actual != sha256.lower():
            raise FairLensInputError(MSG_CHANGED_FILE.format(
                name=p.name, actual=actual[:16], expected=sha256.lower()[:16]))
    fmt = model_format(p)
    check_model_budget(p)
    if fmt == "onnx":
        return _onnx_model(p, features)
    if fmt == "skops":
        return _skops_model(p, trusted_types, features)
    if not trust_pickle:
        raise FairLensInputError(MSG_PICKLE_UNTRUSTED.format(name=p.name))
    return _pickle_model(p, features)


def as_model(model: Any, *, features: Iterable[str] | None = None) -> Model:
    """A :class:`Model` from a Model, a file path or a fitted estimator.

    Paths load with :func:`load_model`'s safe defaults (no pickle).
    """
    if isinstance(model, Model):
        return model
    if isinstance(model, (str, Path)):
        return load_model(model, features=features)
    return from_estimator(model, features=features)

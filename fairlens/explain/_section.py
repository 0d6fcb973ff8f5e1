"""Explanations as a report section (registered in :mod:`fairlens.registry`).

The section takes JSON-safe settings only, so that a config file can say what to explain and
the report reproduces the Explain page exactly: the built-in sample's own model, a model file
(with the trust choices the user made), or a surrogate of the scores with its inputs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.explain._api import explain_spec
from fairlens.explain._models import Model, from_estimator, load_model
from fairlens.explain._result import Explanation
from fairlens.registry import Analysis, register

ModelChoice = Literal["auto", "sample", "file", "surrogate"]
MODEL_CHOICES = ("auto", "sample", "file", "surrogate")
TREE_SAMPLE_SIZE = 2000
"""Rows explained by default for a tree model or a surrogate (as the Explain page)."""
OTHER_SAMPLE_SIZE = 500
"""Rows explained by default for other models (the permutation explainer costs ~30 ms a row)."""

MSG_MODEL_CHOICE = ("The explain section's model must be one of {choices} (the sample's model, "
                    "a model file or a surrogate of the scores), not {value!r}.")
MSG_NO_SAMPLE_MODEL = ("The explain section asks for the sample's own model, but {sample} "
                       "does not come with one; use model = \"surrogate\" or a model file.")
MSG_NO_FILE = ("The explain section asks for a model file but names none; give model_file "
               "= \"path\" (.onnx, .skops, or .pkl / .joblib with trust_pickle = true).")
MSG_FILE_MISSING = ("The model file {path!r} was not found; put it there (or next to the "
                    "config, as {name!r}) or change model_file in [analyses.explain].")


def sample_model(name: str) -> Model:
    """The built-in sample ``name``'s own fitted model, as the Explain page shows it."""
    from fairlens.datasets import SAMPLE_MODELS

    if name not in SAMPLE_MODELS:
        raise FairLensInputError(MSG_NO_SAMPLE_MODEL.format(sample=repr(name)))
    return from_estimator(SAMPLE_MODELS[name](),
                          source=f"the {name} sample's scikit-learn pipeline")


def has_sample_model(name: str | None) -> bool:
    """Whether the built-in sample ``name`` comes with its model."""
    from fairlens.datasets import SAMPLE_MODELS

    return name is not None and name in SAMPLE_MODELS


def default_sample_size(model: Model | None) -> int:
    """Rows explained when the settings do not say: as many as the Explain page offers."""
    return TREE_SAMPLE_SIZE if model is None or model.tree is not None else OTHER_SAMPLE_SIZE


@register
class ExplainSection(Analysis):
    """Why the groups' scores differ: SHAP by group, the gap decomposition, the flip test.

    Parameters
    ----------
    model : {"auto", "sample", "file", "surrogate"}, default "auto"
        What to explain: the built-in sample's own model (``sample`` names it), a model file
        (``model_file``), or a gradient-boosting surrogate of the file's scores. ``"auto"``:
        the sample's model when ``sample`` comes with one, else the surrogate (the Explain
        page's default).
    sample : str, optional
        The built-in sample whose model is explained.
    model_file : str, optional
        The model file (``.onnx``, ``.skops``; ``.pkl`` / ``.joblib`` with ``trust_pickle``),
        loaded with the mapping's features as its inputs, as the Explain page loads an upload.
    model_name : str, optional
        The file's own name (an upload's): where ``model_file`` is missing, the file of this
        name in ``base`` is read.
    trust_pickle : bool, default False
    trusted_types : list of str, optional
        The trust choices for the model file (see :func:`fairlens.explain.load_model`).
    model_sha256 : str, optional
        The SHA-256 of the model file the user confirmed: another file is refused.
    features : list of str, optional
        The surrogate's inputs (default ``spec.features``).
    attribute, group_a, group_b : optional
        The attribute and the two groups compared (default: the first attribute, its two
        largest groups).
    sample_size : int, optional
        Rows explained (default 2000 for a tree model or the surrogate, else 500).
    seed : int, optional
        Replaces the audit's seed (the Explain page has its own seed).
    base : str, optional
        The folder relative model paths are read from (the config's folder).
    model_object : Model, optional
        A model already loaded (not JSON; for callers in Python).
    progress : callable, optional
    """

    family = "section"
    name = "explain"
    title = "Explanations"
    needs = ("prediction",)

    def __init__(self, model: ModelChoice = "auto", *, sample: str | None = None,
                 model_file: str | None = None, model_name: str | None = None,
                 trust_pickle: bool = False, trusted_types: list[str] | None = None,
                 model_sha256: str | None = None, features: list[str] | None = None,
                 attribute: str | None = None, group_a: Any = None, group_b: Any = None,
                 sample_size: int | None = None,
                 seed: int | None = None, base: str | None = None,
                 model_object: Model | None = None, progress: Any = None) -> None:
        if model not in MODEL_CHOICES:
            raise FairLensInputError(MSG_MODEL_CHOICE.format(choices=list(MODEL_CHOICES),
                                                             value=model))
        self.model = model
        self.sample = sample
        self.model_file = model_file
        self.model_name = model_name
        self.trust_pickle = bool(trust_pickle)
        self.trusted_types = list(trusted_types or [])
        self.model_sha256 = model_sha256
        self.features = list(features) if features else None
        self.attribute = attribute
        self.group_a = group_a
        self.group_b = group_b
        self.sample_size = sample_size
        self.seed = seed
        self.base = base
        self.model_object = model_object
        self.progress = progress

    def choice(self) -> str:
        """What is explained: ``"sample"``, ``"file"`` or ``"surrogate"``."""
        if self.model_object is not None:
            return "file"
        if self.model == "auto":
            return "sample" if has_sample_model(self.sample) else "surrogate"
        return self.model

    def model_path(self) -> Path:
        """The model file to load (``model_file``, else ``model_name`` in ``base``)."""
        if not self.model_file and not self.model_name:
            raise FairLensInputError(MSG_NO_FILE)
        candidates = []
        for given in (self.model_file, self.model_name):
            if not given:
                continue
            path = Path(given).expanduser()
            if not path.is_absolute() and self.base:
                candidates.append(Path(self.base) / path)
            candidates.append(path)
            if self.base:
                candidates.append(Path(self.base) / path.name)
        for path in candidates:
            if path.is_file():
                return path
        raise FairLensInputError(MSG_FILE_MISSING.format(
            path=self.model_file or self.model_name, name=Path(
                self.model_name or self.model_file or "").name))

    def load(self, spec: AuditSpec) -> Model | None:
        """The model to explain (None: the surrogate)."""
        if self.model_object is not None:
            return self.model_object
        choice = self.choice()
        if choice == "surrogate":
            return None
        if choice == "sample":
            if not self.sample:
                raise FairLensInputError(MSG_NO_SAMPLE_MODEL.format(sample="the data"))
            return sample_model(self.sample)
        path = self.model_path()
        try:
            model = load_model(path, trust_pickle=self.trust_pickle,
                               trusted_types=self.trusted_types,
                               features=list(spec.features) or None, sha256=self.model_sha256)
        except OSError as exc:
            raise FairLensInputError(f"The model file could not be read: {exc}") from exc
        if self.model_name:
            model.source = model.source.replace(path.name, self.model_name)
        return model

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> Explanation:
        """:func:`explain_spec` of the chosen model with the audit's ``options`` (its seed
        replaced by ``seed`` when given)."""
        model = self.load(spec)
        if self.seed is not None:
            options = replace(options, seed=int(self.seed))
        size = int(self.sample_size) if self.sample_size else default_sample_size(model)
        return explain_spec(frame, spec, options=options, model=model,
                            attribute=self.attribute, group_a=self.group_a,
                            group_b=self.group_b, sample_size=size, progress=self.progress,
                            features=self.features if model is None else None)

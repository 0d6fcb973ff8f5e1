"""The audit configuration file: data, column mapping, settings, seed, analyses and CI rules.

``fairlens report --config audit.toml`` (and ``fairlens audit --config``) read it; the app's
"Download config" and ``fairlens report ... --write-config`` write it. Written with
``tomli_w``, read with :mod:`tomllib`. TOML has no null, so unset values are left out.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from fairlens._digest import file_sha256
from fairlens._json import json_safe
from fairlens.auditing import DEFAULT_BOOTSTRAP, DEFAULT_MIN_GROUP_SIZE, AuditOptions
from fairlens.data import AuditSpec, FairLensInputError, read_table

CONFIG_SCHEMA = "fairlens.config/1"
CI_CHOICES = ("bootstrap", "wilson")
_HEADER = (
    "# FairLens audit configuration. Reproduce the report with:\n"
    "#   fairlens report --config {name}\n"
    "# and use it as a CI gate with:\n"
    "#   fairlens audit --config {name}\n"
    "# A relative data path is read next to this file first, then in the working folder.\n\n"
)
_SECTIONS = {"schema", "data", "spec", "settings", "analyses", "gate"}
ANALYSIS_NAMES = ("labels", "slices", "explain", "remedy")
"""The analyses a config can ask for, in reading order (Over time follows a time column)."""
ORIGINS = ("page", "defaults")
"""Where an analysis' settings come from: ``"page"`` (run so on an app page) or
``"defaults"`` (not run on the pages: the section's defaults)."""
DEFAULT_REMEDY = "thresholds"


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def content_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's content: its column names and values written as CSV by pandas.

    The same table gives the same digest whether it was read from CSV, TSV or Parquet, so the
    app (which keeps uploads as Parquet) and the command line (which reads the file) agree.
    """
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return hashlib.sha256(buffer.getvalue().encode("utf-8")).hexdigest()




@dataclass
class ReportConfig:
    """Everything needed to run an audit again and get the same numbers.

    Attributes
    ----------
    data : str or None
        Path of the data file (relative paths are read next to the config file first).
    sample : str or None
        Name of a built-in sample instead of a file (``"compas"``).
    spec : dict
        The column mapping (:meth:`fairlens.AuditSpec.to_dict`), threshold included.
    reference : value, dict or None
        Reference group: a value used wherever it occurs, or ``{grouping: value}``.
    min_group_size, bootstrap, ci, seed, level
        Audit settings (see :func:`fairlens.audit`).
    engine : {"auto", "numpy", "duckdb", "spark"}
        What builds the count tables (the numbers do not depend on it).
    labels, slices, explain : bool
        Which further analyses the report runs.
    remedy : str or None
        Remedy method to evaluate (``fairlens.remedies``), or None.
    params : dict
        Analysis name -> the keyword arguments of its registered report section (the remedy's
        besides its method), e.g. ``{"labels": {"source": "features", "n_splits": 5}}``:
        the settings an analysis ran with on a page. Missing: the section's defaults.
    origins : dict
        Analysis name -> ``"page"`` (these are the settings it ran with on an app page) or
        ``"defaults"`` (it was not run on the pages; the report runs it with its defaults).
        Missing for configs written on the command line.
    fail_on : list of str
        CI rules such as ``"equalized_odds_difference>0.1"``.
    content_sha256 : str or None
        Digest of the data the config was written for (:func:`content_sha256`); a run on other
        data says so.
    """

    data: str | None = None
    sample: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    reference: Any = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    bootstrap: int = DEFAULT_BOOTSTRAP
    ci: str = "bootstrap"
    seed: int = 0
    level: float = 0.95
    engine: str = "auto"
    labels: bool = False
    slices: bool = False
    explain: bool = False
    remedy: str | None = None
    fail_on: list[str] = field(default_factory=list)
    content_sha256: str | None = None
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def audit_spec(self) -> AuditSpec:
        """The mapping as an :class:`~fairlens.AuditSpec`."""
        return AuditSpec.from_dict(self.spec)

    @property
    def options(self) -> AuditOptions:
        """The audit's options: the report's audit and every section use exactly these
        (no bootstrap replicates with analytic intervals)."""
        return AuditOptions(reference=self.reference, min_group_size=int(self.min_group_size),
                            bootstrap=int(self.bootstrap) if self.ci == "bootstrap" else 0,
                            ci=self.ci, seed=int(self.seed), level=float(self.level),
                            engine=self.engine)

    @property
    def analyses(self) -> dict[str, dict[str, Any]]:
        """The sections asked for (name -> parameters of the registered section), in
        reading order."""
        asked: dict[str, dict[str, Any]] = {
            name: dict(self.params.get(name) or {}) for name in ("labels", "slices", "explain")
            if getattr(self, name)}
        if "explain" in asked and self.sample and asked["explain"].get(
                "model", "auto") in ("auto", "sample"):
            asked["explain"].setdefault("sample", self.sample)  # the sample's own model
        if self.remedy:
            asked["remedy"] = {"method": self.remedy, **{
                k: v for k, v in (self.params.get("remedy") or {}).items() if k != "method"}}
        if self.spec.get("time"):  # the Over time section, whenever a time column is mapped
            asked["over_time"] = {}
        return asked

    @property
    def data_name(self) -> str:
        """What the data is called in the report."""
        if self.sample:
            return f"built-in sample {self.sample!r}"
        return Path(self.data).name if self.data else "(no data)"

    def to_dict(self) -> dict[str, Any]:
        """The TOML document as a dict (no None values)."""
        data = _drop_none({"file": self.data, "sample": self.sample,
                           "content_sha256": self.content_sha256})
        spec = _drop_none(json_safe(self.spec))
        settings = _drop_none({
            "reference": json_safe(self.reference), "min_group_size": int(self.min_group_size),
            "bootstrap": int(self.bootstrap), "ci": self.ci, "seed": int(self.seed),
            "confidence_level": float(self.level),
            "engine": None if self.engine == "auto" else self.engine})
        analyses = {}
        for name in ANALYSIS_NAMES:
            if not (self.remedy if name == "remedy" else getattr(self, name)):
                continue
            table = _drop_none({"origin": self.origins.get(name)})
            if name == "remedy":
                table["method"] = self.remedy
            table.update(_drop_none(json_safe({k: v for k, v in (
                self.params.get(name) or {}).items() if k not in ("origin", "method")})))
            analyses[name] = table
        return {"schema": CONFIG_SCHEMA, "data": data, "spec": spec, "settings": settings,
                "analyses": analyses, "gate": {"fail_on": list(self.fail_on)}}

    def to_toml(self, name: str = "audit.toml") -> str:
        """The configuration as TOML text, with a header saying how to use it."""
        return _HEADER.format(name=name) + tomli_w.dumps(self.to_dict())

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_toml` to ``path``."""
        path = Path(path)
        path.write_text(self.to_toml(path.name), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> ReportConfig:
        """Read a parsed TOML document; unknown sections or keys are input errors."""
        unknown = set(doc) - _SECTIONS
        if unknown:
            raise FairLensInputError(
                f"Unknown section(s) {sorted(unknown)} in the config; expected "
                f"{sorted(_SECTIONS)}.")
        if doc.get("schema", CONFIG_SCHEMA) != CONFIG_SCHEMA:
            raise FairLensInputError(
                f"The config's schema is {doc.get('schema')!r}; this FairLens reads "
                f"{CONFIG_SCHEMA!r}.")
        data = _section(doc, "data", {"file", "sample", "content_sha256"})
        spec = _section(doc, "spec", set(AuditSpec.__dataclass_fields__))
        settings = _section(doc, "settings", {"reference", "min_group_size", "bootstrap", "ci",
                                              "seed", "confidence_level", "engine"})
        asked, params, origins = _analyses(_section(doc, "analyses", set(ANALYSIS_NAMES)))
        gate = _section(doc, "gate", {"fail_on"})
        if bool(data.get("file")) == bool(data.get("sample")):
            raise FairLensInputError(
                "The config's [data] section must name exactly one of file = \"path\" or "
                "sample = \"compas\".")
        ci = settings.get("ci", "bootstrap")
        if ci not in CI_CHOICES:
            raise FairLensInputError(f"settings.ci must be one of {list(CI_CHOICES)}, not {ci!r}.")
        fail_on = gate.get("fail_on", [])
        if isinstance(fail_on, str):
            fail_on = [fail_on]
        if not isinstance(fail_on, list) or not all(isinstance(r, str) for r in fail_on):
            raise FairLensInputError('gate.fail_on must be a list of rules such as '
                                     '["equalized_odds_difference>0.1"].')
        try:
            return cls(
                data=data.get("file"), sample=data.get("sample"),
                spec=AuditSpec.from_dict(spec).to_dict(),
                reference=settings.get("reference"),
                min_group_size=_int(settings, "min_group_size", DEFAULT_MIN_GROUP_SIZE),
                bootstrap=_int(settings, "bootstrap", DEFAULT_BOOTSTRAP), ci=ci,
                seed=_int(settings, "seed", 0),
                level=float(settings.get("confidence_level", 0.95)),
                engine=str(settings.get("engine", "auto")),
                labels="labels" in asked, slices="slices" in asked,
                explain="explain" in asked, remedy=asked.get("remedy"),
                fail_on=list(fail_on), content_sha256=data.get("content_sha256"),
                params=params, origins=origins)
        except (TypeError, ValueError) as exc:
            raise FairLensInputError(f"A setting in the config has the wrong type: {exc}") \
                from exc

    @classmethod
    def from_toml(cls, text: str) -> ReportConfig:
        """Parse TOML text."""
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise FairLensInputError(f"The config is not valid TOML: {exc}.") from exc
        return cls.from_dict(doc)


def _section(doc: dict[str, Any], name: str, keys: set[str]) -> dict[str, Any]:
    part = doc.get(name, {})
    if not isinstance(part, dict):
        raise FairLensInputError(f"[{name}] in the config must be a table.")
    unknown = set(part) - keys
    if unknown:
        raise FairLensInputError(
            f"Unknown key(s) {sorted(unknown)} in [{name}] of the config; expected some of "
            f"{sorted(keys)}.")
    return part


def _analyses(part: dict[str, Any]
              ) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, str]]:
    """Read ``[analyses]``: which analyses, their section settings and their origins.

    Both forms are read: the tables ``[analyses.labels] source = "features" ...`` (what
    FairLens writes) and the older switches ``labels = true``, ``remedy = "fis"``.
    """
    asked: dict[str, Any] = {}
    params: dict[str, dict[str, Any]] = {}
    origins: dict[str, str] = {}
    for name in ANALYSIS_NAMES:
        value = part.get(name)
        if value is None or value is False:
            continue
        if value is True and name != "remedy":
            asked[name] = True
            continue
        if isinstance(value, str) and name == "remedy":
            asked[name] = value
            continue
        if not isinstance(value, dict):
            form = ('remedy = "thresholds" or [analyses.remedy] method = "fis"'
                    if name == "remedy" else f"{name} = true or [analyses.{name}] ...")
            raise FairLensInputError(
                f"analyses.{name} in the config must be {form}, not {value!r}.")
        table = dict(value)
        origin = table.pop("origin", None)
        if origin is not None:
            if origin not in ORIGINS:
                raise FairLensInputError(
                    f"analyses.{name}.origin must be one of {list(ORIGINS)}, not {origin!r}.")
            origins[name] = origin
        if name == "remedy":
            method = table.pop("method", DEFAULT_REMEDY)
            if not isinstance(method, str) or not method:
                raise FairLensInputError(
                    f"analyses.remedy.method must be a method name, not {method!r}.")
            asked[name] = method
        else:
            asked[name] = True
        if table:
            params[name] = table
    return asked, params, origins


def _int(part: dict[str, Any], key: str, default: int) -> int:
    value = part.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FairLensInputError(f"settings.{key} must be a whole number, not {value!r}.")
    return value


def load_config(path: str | Path) -> tuple[ReportConfig, Path]:
    """Read a config file; returns the config and the folder relative paths are read from.

    Raises
    ------
    FairLensInputError
        When the file is missing or not a valid config.
    """
    path = Path(path)
    if not path.is_file():
        raise FairLensInputError(f"Config file {str(path)!r} not found.")
    return ReportConfig.from_toml(path.read_text(encoding="utf-8")), path.resolve().parent


def resolve_data_path(config: ReportConfig, base: Path | None) -> Path:
    """Where the config's data file is: next to the config file, else as given."""
    given = Path(str(config.data)).expanduser()
    if not given.is_absolute() and base is not None and (base / given).is_file():
        return base / given
    if given.is_file():
        return given
    raise FairLensInputError(
        f"The config's data file {config.data!r} was not found"
        + (f" next to the config ({base}) or" if base is not None else "")
        + " in the working folder; put the file there or give its full path in [data] file.")


def load_config_data(config: ReportConfig, base: Path | None = None
                     ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame the config names, and its fingerprint (see :func:`fingerprint`)."""
    if config.sample:
        from fairlens.datasets import SAMPLES

        if config.sample not in SAMPLES:
            raise FairLensInputError(
                f"Unknown sample {config.sample!r}; choose one of {sorted(SAMPLES)}.")
        frame = SAMPLES[config.sample].loader()
        return frame, fingerprint(frame, name=config.data_name, source="sample",
                                  sha256=sample_file_sha256(config.sample))
    path = resolve_data_path(config, base)
    frame = read_table(path)
    return frame, fingerprint(frame, name=path.name, source="file", sha256=file_sha256(path))


def sample_file_sha256(name: str) -> str | None:
    """SHA-256 of a built-in sample's packaged file, when it ships as one (COMPAS does)."""
    from importlib import resources

    try:
        for candidate in resources.files("fairlens.datasets.data").iterdir():
            if candidate.name.split(".")[0] == name and candidate.is_file():
                return hashlib.sha256(candidate.read_bytes()).hexdigest()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None
    return None


def fingerprint(frame: pd.DataFrame, *, name: str, source: str, sha256: str | None = None,
                sha256_prefix: str | None = None) -> dict[str, Any]:
    """What identifies the audited data: name, digests, rows and columns."""
    return {"name": name, "source": source, "sha256": sha256, "sha256_prefix": sha256_prefix,
            "content_sha256": content_sha256(frame), "rows": int(len(frame)),
            "columns": int(frame.shape[1]), "column_names": [str(c) for c in frame.columns]}

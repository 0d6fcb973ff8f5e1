"""Streamlit glue of the Explain page (named explain_page: ``fairlens.ui.explain`` is the shared
helper adding app hints to messages): what to explain (the registry's explainers), model
loading, the explanation per session, and the tables as shown.

Uploaded models and explanations are the user's own: they live in the session state of the
browser tab (keyed by the data's content hash and the settings), never in a cache shared
between users. The sample's model is shared (it is the same object for everybody and never
mutated).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fairlens import registry
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.explain import (
    Explanation,
    Model,
    RowExplanation,
    check_model_budget,
    explain_row,
    from_estimator,
    group_labels,
    load_model,
    model_format,
    untrusted_types,
)
from fairlens.ui import _cache as C
from fairlens.ui import _session as S
from fairlens.ui._cache import spec_key
from fairlens.ui._page import show_warnings, stop_with
from fairlens.wording import explain as words
from fairlens.wording import md, names

PAGE = "pages/explain.py"

W_SOURCE = "explain_source"
W_UPLOAD = "explain_model_upload"
W_TRUST_PICKLE = "explain_trust_pickle"
W_TRUST_TYPES = "explain_trust_types"
W_SURROGATE_SENSITIVE = "explain_surrogate_sensitive"
W_ATTRIBUTE = "explain_attribute"
W_GROUP_A = "explain_group_a"
W_GROUP_B = "explain_group_b"
W_SAMPLE_SIZE = "explain_sample_size"
W_SEED = "explain_seed"
W_BY_GROUP = "explain_importance_by_group"
W_FEATURE = "explain_dependence_feature"
W_ROW = "explain_row"
W_LIME_SEED = "explain_lime_seed"
RESULTS = "explain_results"
"""Session key: the latest explanations of this tab, by settings (two kept)."""
ROWS = "explain_rows"
"""Session key: row explanations of this tab, by explanation and row (eight kept)."""
UPLOADED = "explain_uploaded"
"""Session key: the model file explained last (its name, SHA-256 and trust choices)."""
INSPECTED = "explain_inspected"
"""Session key: format and untrusted types of the latest uploaded model, by content hash."""

SOURCE_SAMPLE = "The sample's model"
SOURCE_UPLOAD = "Upload a model file"
SOURCE_SURROGATE = "A surrogate of the scores (no model)"
UPLOAD_TYPES = ["onnx", "skops", "pkl", "pickle", "joblib"]


def sample_model_name() -> str | None:
    """The active sample's name when it comes with its model."""
    from fairlens.datasets import SAMPLE_MODELS

    name = S.active().sample
    return name if name in SAMPLE_MODELS and S.active().kind == "sample" else None


def sample_model(name: str) -> Model:
    """The sample's fitted model (shared, read-only)."""
    return from_estimator(C.sample_estimator(name), source=f"the {name} sample's scikit-learn "
                                                          "pipeline")


def model_sources(spec: AuditSpec, sample: Model | None) -> list[str]:
    """What the page offers to explain: the registry's explainers that this mapping (and the
    sample's model) can run, plus an uploaded model file."""
    offered = {cls.name for cls in registry.available("explain", spec, model=sample)}
    return ([SOURCE_SAMPLE] if "model" in offered else []) + [SOURCE_UPLOAD] + (
        [SOURCE_SURROGATE] if "surrogate" in offered else [])


def surrogate_gaps(spec: AuditSpec) -> str | None:
    """Why no surrogate is offered, in words (None when it is)."""
    gaps = registry.unavailable("explain", spec).get("surrogate")
    return None if not gaps else (f"No surrogate of the scores: it needs {' and '.join(gaps)}; "
                                  "map them on the Data page.")


def safe_file_name(name: str) -> str:
    """The name the private copy of an upload gets: the user's file name without folders or
    unusual characters (messages about the file then name it as the user knows it)."""
    base = Path(name).name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(base).stem).strip("._") or "model"
    return f"{stem[:80]}{Path(base).suffix.lower()}"


@contextmanager
def private_copy(name: str, content: bytes) -> Iterator[Path]:
    """The upload written to a private temporary folder of this run (``mkdtemp``: only this
    account can read it, mode 0700), removed when the block ends: nothing of a user's model
    stays on disk, and no other user's run sees the folder."""
    folder = Path(tempfile.mkdtemp(prefix="fairlens-model-"))
    try:
        path = folder / safe_file_name(name)
        path.write_bytes(content)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def user_message(exc: BaseException, path: Path, name: str) -> str:
    """A loading error in the user's words: their file name, never the private folder."""
    text = str(exc)
    for internal in (str(path.resolve()), str(path), str(path.parent.resolve()),
                     str(path.parent)):
        text = text.replace(internal, name)
    return text.replace(path.name, name)


def inspect_upload(name: str, content: bytes) -> tuple[str, list[str]]:
    """The format of an uploaded model and the types of a skops file skops does not trust
    (kept per file content in this tab). Nothing in the file runs here: ONNX and skops files
    are only read as archives, and a file over the model budget is refused first.

    Raises
    ------
    FairLensInputError
        An unknown format, an unreadable archive, a file over the model budget; the message
        names the user's file.
    """
    digest = hashlib.sha256(content).hexdigest()
    seen = st.session_state.setdefault(INSPECTED, {})
    if digest not in seen:
        with private_copy(name, content) as path:
            try:
                fmt = model_format(path)
                check_model_budget(path)
                types = untrusted_types(path) if fmt == "skops" else []
            except FairLensInputError as exc:
                raise FairLensInputError(user_message(exc, path, name)) from exc
        seen.clear()
        seen[digest] = (fmt, types)
    return seen[digest]


def trust_key(digest: str, upload_id: str = "") -> str:
    """Key of the "I trust this file" checkbox of one upload of the file with this content
    hash: a new or changed file, or the same file uploaded again, is a new checkbox, unticked."""
    return f"{W_TRUST_PICKLE}__{digest[:32]}__{upload_id}"


def types_key(digest: str) -> str:
    """Key of the accepted skops types of the file with this content hash."""
    return f"{W_TRUST_TYPES}__{digest[:32]}"


def error_and_stop(exc: Exception) -> None:
    """Show a library or file error (its file names escaped) and end the run."""
    st.error(md(str(exc)), icon=":material/error:")
    st.stop()


def uploaded_model(spec: AuditSpec) -> tuple[Model, str]:
    """The upload widget and the trust choices; the loaded model and its identity (or stop).

    Trust is given to a file's exact bytes (its SHA-256): the confirmation of a pickle and
    the accepted types of a skops file are widgets of that content hash, so another file, or
    the same name with other content, asks again.
    """
    upload = st.file_uploader("Model file (.onnx, .skops; .pkl / .joblib only if you trust it)",
                              type=UPLOAD_TYPES, key=W_UPLOAD)
    if upload is None:
        st.info("ONNX models run in onnxruntime and skops files load without running code; "
                "pickle and joblib files run code when loaded.", icon=":material/info:")
        st.stop()
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    try:
        fmt, types = inspect_upload(upload.name, content)
    except (FairLensInputError, OSError) as exc:
        error_and_stop(exc)
    trust_pickle, trusted = False, []
    if fmt == "pickle":
        st.warning(f"Loading a pickle or joblib file **runs the code inside it**, which can do "
                   "anything the server's account can do. Only continue with a file you made or "
                   f"fully trust. This confirmation is for **{md(upload.name)}** with exactly "
                   f"this content (SHA-256 `{digest[:16]}`); another or changed file asks "
                   "again.", icon=":material/warning:")
        trust_pickle = st.checkbox("I trust this file: load it and run its code", value=False,
                                   key=trust_key(digest, str(upload.file_id)))
        if not trust_pickle:
            st.stop()
    if types:
        st.warning("This skops file holds types that are not trusted by default: "
                   + ", ".join(f"`{md(t)}`" for t in types), icon=":material/warning:")
        trusted = st.multiselect("Types I accept", types, default=[], key=types_key(digest))
    try:
        model = upload_model(upload.name, content, digest, trust_pickle=trust_pickle,
                             trusted_types=trusted, features=list(spec.features))
    except (FairLensInputError, OSError) as exc:
        error_and_stop(exc)
    st.caption(f"{md(model.source)}; inputs: {md(names(model.features))}.")
    st.session_state[UPLOADED] = {"model_name": upload.name, "model_sha256": digest,
                                  "trust_pickle": bool(trust_pickle),
                                  "trusted_types": sorted(trusted)}
    return model, f"upload:{digest}:{trust_pickle}:{sorted(trusted)}"


def surrogate_inputs(spec: AuditSpec, frame: pd.DataFrame) -> list[str]:
    """The surrogate's inputs: the features, and the sensitive attributes if the user says so."""
    extra = [a for a in spec.sensitive if a not in spec.features and a in frame.columns]
    with_sensitive = bool(extra) and st.checkbox(
        f"Let the surrogate read the sensitive attributes too ({md(names(extra))})",
        value=False, key=W_SURROGATE_SENSITIVE,
        help="Then the attribute-flip test asks whether the file's scores depend on the "
             "attribute beyond the other features; otherwise the proxy check runs.")
    features = list(spec.features) + (extra if with_sensitive else [])
    st.caption(f"No model: FairLens trains gradient boosting to reproduce "
               f"**{md((spec.score or spec.pred)[0])}** from {md(names(features))} "
               "and explains that surrogate. Its fidelity is shown with every result.")
    return features


def pick_model(spec: AuditSpec, frame: pd.DataFrame
               ) -> tuple[Model | None, str, list[str] | None]:
    """The "What to explain" choice: the model (None: a surrogate), its identity, and the
    surrogate's inputs (None for a model)."""
    name = sample_model_name()
    sample = sample_model(name) if name else None
    sources = model_sources(spec, sample)
    default = next(s for s in (SOURCE_SAMPLE, SOURCE_SURROGATE, SOURCE_UPLOAD) if s in sources)
    source = st.radio("What to explain", sources, index=sources.index(default),
                      horizontal=True, key=W_SOURCE)
    if SOURCE_SURROGATE not in sources:
        st.caption(surrogate_gaps(spec))
    if source == SOURCE_SAMPLE:
        st.caption(f"The {md(name)} sample's scikit-learn pipeline (trained by FairLens on "
                   f"first use). Its inputs: {md(names(sample.features))}.")
        return sample, f"sample:{name}", None
    if source == SOURCE_UPLOAD:
        return (*uploaded_model(spec), None)
    features = surrogate_inputs(spec, frame)
    return None, f"surrogate:{','.join(features)}", features


def groups_or_stop(frame: pd.DataFrame, attribute: str) -> list[str]:
    """The groups of ``attribute``, largest first, with the two group pickers kept valid."""
    groups = group_labels(frame[attribute]).value_counts().index.tolist()
    if len(groups) < 2:
        stop_with(f"**{md(attribute)}** has a single group; choose another attribute.")
    for key, default in ((W_GROUP_A, groups[0]), (W_GROUP_B, groups[1])):
        if st.session_state.get(key) not in groups:
            st.session_state[key] = default
    return groups


def run_key(spec: AuditSpec, model_id: str, options: dict[str, Any]) -> str:
    """Identifies one explanation: the data, the mapping, the model and the settings."""
    return json.dumps({"data": S.active().key, "spec": spec_key(spec),
                       "threshold": float(spec.threshold), "model": model_id, **options},
                      sort_keys=True, default=str)


def run_explainer(spec: AuditSpec, model: Model | None, options: dict[str, Any],
            progress: Callable[[int, int, str], None] | None = None) -> Explanation:
    """The registry's explainer for ``model`` (the surrogate when None), run with the seed."""
    settings = {k: v for k, v in options.items() if k != "seed"}
    if model is None:
        explainer = registry.create("explain", "surrogate", progress=progress, **settings)
    else:
        explainer = registry.create("explain", "model", model=model, progress=progress,
                                    **settings)
    audit_options = replace(S.audit_options(spec), seed=int(options.get("seed", 0)))
    return explainer.run(S.active_frame(), spec, options=audit_options)


def show_overview(result: Explanation, *, already: list[str] = ()) -> None:
    """What was explained, how, and (for a surrogate) how faithfully; the warnings (each once:
    ``already`` were shown before the run)."""
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Explaining", words.explaining(result.model.kind))
    m2.metric(f"Rows explained (of {result.n_rows:,})", f"{result.sample_size:,}",
              help="A sample stratified by the attribute when the data has more rows: every "
                   "group keeps its share, and at least 30 rows.")
    m3.metric("SHAP method", words.METHOD_NAMES.get(result.method, result.method),
              help="TreeExplainer (exact) for tree models; a permutation explainer with a "
                   "background sample otherwise.")
    m4.metric("Additivity error", f"{result.additivity_error:.1e}",
              help="Largest |base value + sum of SHAP values - model output| over the rows.")
    if result.fidelity is not None:
        f1, f2, f3 = st.columns(3)
        f1.metric("Surrogate fidelity R\u00b2", f"{result.fidelity.r2:.3f}")
        f2.metric("Decision agreement", f"{result.fidelity.agreement:.1%}")
        f3.metric("Held-out rows", f"{result.fidelity.n_holdout:,}")
    show_warnings(result.warnings, already=already)
    st.caption(f"Explained output: **{md(result.model.output)}** "
               f"({md(result.model.source)}).")


def section(title: str, result: Explanation) -> None:
    """A section's heading, with the surrogate's fidelity under it when it is one."""
    st.subheader(title)
    note = words.fidelity_note(result.fidelity, esc=md)
    if note:
        st.caption(note)


# --- presentation -----------------------------------------------------------------------------


def default_row(result: Explanation) -> Any:
    """The row shown first: the first whose decision flips, else the first explained row."""
    if result.flip is not None and len(result.flip.rows):
        return result.flip.rows["row"].iloc[0]
    return result.shap_values.index[0]


def importance_table(result: Explanation, attribute: str) -> pd.DataFrame:
    """Mean |SHAP| per feature: all rows and each group of ``attribute`` (the groups' own
    names as headers: show it with ``headers=False``)."""
    t = result.importance_table(attribute).round(4)
    return t.rename(columns={"feature": "Feature", "all rows": "All rows"})


def gap_table(result: Explanation) -> pd.DataFrame:
    """The gap's per-feature contributions, largest magnitude first."""
    t = result.gap.table()
    return pd.DataFrame({"Feature": t["feature"], "Contribution": t["contribution"].round(4),
                         "Share of gap": [f"{s:.0%}" if np.isfinite(s) else "-"
                                          for s in t["share"]]})


def flip_table(result: Explanation) -> pd.DataFrame:
    """The flip test per group, as shown."""
    t = result.flip.by_group
    return pd.DataFrame({"Group": t["group"].astype(str), "Rows tested": t["n"],
                         "Decisions that change": t["flipped"],
                         "Share": t["share"].map(lambda v: f"{v:.1%}"),
                         "To positive": t["to_positive"], "To negative": t["to_negative"],
                         "Mean |score change|": t["mean_change"].round(4)})


def row_table(row: RowExplanation) -> pd.DataFrame:
    """One row's SHAP values and LIME weights, as shown."""
    t = row.table()
    return pd.DataFrame({"Feature": t["feature"], "Value": t["value"].astype(str),
                         "SHAP value": t["shap"].round(4),
                         "LIME condition": t["lime_condition"],
                         "LIME weight": t["lime_weight"].round(4)})


def flipped_rows(result: Explanation) -> pd.DataFrame:
    """The rows whose decision flips, as shown."""
    r = result.flip.rows
    return pd.DataFrame({"Row": r["row"], "Group": r["group"], "Flipped to": r["flipped_to"],
                         "Score": r["score"].round(4), "Score after flip":
                         r["flipped_score"].round(4), "Decision": r["decision"],
                         "Decision after flip": r["flipped_decision"]})


def proxy_table(result: Explanation) -> pd.DataFrame:
    """Features that carry the attribute (drop in AUC when shuffled)."""
    p = result.proxy
    return pd.DataFrame({"Feature": list(p.features),
                         "AUC drop when shuffled": [round(v, 4) for v in p.features.values()]})


def file_score(spec: AuditSpec, frame: pd.DataFrame, row: Any) -> tuple[float | None, str | None]:
    """The file's own score of ``row`` and its column (None when the file has no score)."""
    column = spec.score[0] if spec.score else None
    if column is None or column not in frame.columns or row not in frame.index:
        return None, None
    value = pd.to_numeric(pd.Series([frame.at[row, column]]), errors="coerce").iloc[0]
    return (None, None) if pd.isna(value) else (float(value), column)


def run_params(model_id: str, options: dict[str, Any]) -> dict[str, Any]:
    """What :func:`fairlens.ui.record_run` records of an explanation run on the page: the
    keywords of the report's explain section (``model`` = ``"sample"`` with ``sample``,
    ``"surrogate"`` with ``features``, or ``"file"`` with ``model_name``, ``model_sha256``,
    ``trust_pickle``, ``trusted_types``) and the page's settings."""
    kind, _, ref = model_id.partition(":")
    params: dict[str, Any] = {name: options[name] for name in
                              ("attribute", "group_a", "group_b", "sample_size", "seed")
                              if options.get(name) is not None}
    if kind == "sample":
        params.update(model="sample", sample=ref)
    elif kind == "upload":
        uploaded = dict(st.session_state.get(UPLOADED) or {})
        params.update(model="file", **uploaded)
    else:
        params.update(model="surrogate", features=list(options.get("features") or []))
    return params


# --- per-session models ------------------------------------------------------------------------
# The sample's model is shared (cached in fairlens.ui._cache, never mutated); uploaded models
# and explanations are the user's own and live in this tab's session state.


def upload_model(name: str, content: bytes, digest: str, *, trust_pickle: bool,
                 trusted_types: list[str], features: list[str]) -> Model:
    """Load an uploaded model with the user's trust choices (kept in this session, by content
    hash and choices), from a private copy that is removed once it is loaded."""
    key = json.dumps([digest, trust_pickle, sorted(trusted_types)])
    cache = st.session_state.setdefault("explain_models", {})
    if key not in cache:
        cache.clear()
        with private_copy(name, content) as path:
            try:
                model = load_model(path, trust_pickle=trust_pickle, trusted_types=trusted_types,
                                   features=features or None, sha256=digest)
            except (FairLensInputError, OSError) as exc:
                raise FairLensInputError(user_message(exc, path, name)) from exc
            model.source = model.source.replace(path.name, name)
        cache[key] = model
    return cache[key]


def explanation(spec: AuditSpec, model: Model | None, model_id: str, options: dict[str, Any],
                progress: Callable[[int, int, str], None] | None = None) -> Explanation:
    """The explanation for these settings (computed once per tab, the two latest kept)."""
    key = run_key(spec, model_id, options)
    runs = dict(st.session_state.get(RESULTS, {}))
    if key not in runs:
        runs[key] = run_explainer(spec, model, options, progress)
        st.session_state[RESULTS] = dict(list(runs.items())[-2:])
    return runs[key]


def row_explanation(result: Explanation, row: Any, seed: int) -> RowExplanation:
    """SHAP and LIME of one row (kept per tab)."""
    key = (id(result), repr(row), int(seed))
    rows = dict(st.session_state.get(ROWS, {}))
    if key not in rows:
        rows[key] = explain_row(result, S.active_frame(), row, seed=int(seed))
        st.session_state[ROWS] = dict(list(rows.items())[-8:])
    return rows[key]

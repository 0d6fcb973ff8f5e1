"""Streamlit glue of the Explain page (named explain_page: ``fairlens.ui.explain`` is the shared
helper adding app hints to messages): model choice and loading, the explanation per session.

Uploaded models and explanations are the user's own: they live in the session state of the
browser tab (keyed by the data's content hash and the settings), never in a cache shared
between users. The sample's model is shared (it is the same object for everybody and never
mutated).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fairlens.data import AuditSpec
from fairlens.explain import (
    Explanation,
    Model,
    RowExplanation,
    explain_row,
    explain_spec,
    from_estimator,
    load_model,
    model_format,
    untrusted_types,
)
from fairlens.ui import _session as S
from fairlens.ui._cache import spec_key

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

SOURCE_SAMPLE = "The sample's model"
SOURCE_UPLOAD = "Upload a model file"
SOURCE_SURROGATE = "A surrogate of the scores (no model)"


def sample_model_name() -> str | None:
    """The active sample's name when it comes with its model."""
    from fairlens.datasets import SAMPLE_MODELS

    name = S.active().sample
    return name if name in SAMPLE_MODELS and S.active().kind == "sample" else None


@st.cache_resource(show_spinner="Training the sample's model (first use only)...")
def _sample_estimator(name: str) -> Any:
    from fairlens.datasets import SAMPLE_MODELS

    return SAMPLE_MODELS[name]()


def sample_model(name: str) -> Model:
    """The sample's fitted model (shared, read-only)."""
    return from_estimator(_sample_estimator(name), source=f"the {name} sample's scikit-learn "
                                                          "pipeline")


def inspect_upload(name: str, content: bytes) -> tuple[str, list[str], Path]:
    """Save an uploaded model to a private temporary file; its format and untrusted types.

    Nothing in the file runs here: ONNX and skops files are only read as archives.
    """
    digest = hashlib.sha256(content).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "fairlens-models"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{digest}{Path(name).suffix.lower()}"
    if not path.exists():
        path.write_bytes(content)
    fmt = model_format(path)
    types = untrusted_types(path) if fmt == "skops" else []
    return fmt, types, path


def upload_model(path: Path, *, trust_pickle: bool, trusted_types: list[str],
                 features: list[str]) -> Model:
    """Load an uploaded model with the user's trust choices (kept in this session)."""
    key = json.dumps([str(path), trust_pickle, sorted(trusted_types)])
    cache = st.session_state.setdefault("explain_models", {})
    if key not in cache:
        cache.clear()
        model = load_model(path, trust_pickle=trust_pickle, trusted_types=trusted_types,
                           features=features or None)
        model.source = model.source.replace(path.name, "(uploaded)")
        cache[key] = model
    return cache[key]


def run_key(spec: AuditSpec, model_id: str, options: dict[str, Any]) -> str:
    """Identifies one explanation: the data, the mapping, the model and the settings."""
    return json.dumps({"data": S.active().key, "spec": spec_key(spec),
                       "threshold": float(spec.threshold), "model": model_id, **options},
                      sort_keys=True, default=str)


def explanation(spec: AuditSpec, model: Model | None, model_id: str, options: dict[str, Any],
                progress: Callable[[int, int, str], None] | None = None) -> Explanation:
    """The explanation for these settings (computed once per tab, the two latest kept)."""
    key = run_key(spec, model_id, options)
    runs = dict(st.session_state.get(RESULTS, {}))
    if key not in runs:
        runs[key] = explain_spec(S.active_frame(), spec, model=model, progress=progress,
                                 **options)
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


# --- presentation -----------------------------------------------------------------------------


def default_row(result: Explanation) -> Any:
    """The row shown first: the first whose decision flips, else the first explained row."""
    if result.flip is not None and len(result.flip.rows):
        return result.flip.rows["row"].iloc[0]
    return result.shap_values.index[0]


def fidelity_note(result: Explanation) -> str | None:
    """The sentence shown beside every explanation of a surrogate."""
    f = result.fidelity
    if f is None:
        return None
    return (f"Of a **surrogate** of `{f.target}`, not of the model that made it: on "
            f"{f.n_holdout:,} held-out rows it reproduces the scores with R\u00b2 "
            f"**{f.r2:.3f}** and the decisions with **{f.agreement:.1%}** agreement.")


def importance_table(result: Explanation, attribute: str) -> pd.DataFrame:
    """Mean |SHAP| per feature: all rows and each group of ``attribute``."""
    out = pd.DataFrame({"feature": result.importance.index,
                        "all rows": result.importance.to_numpy()})
    table = result.importance_by_group.get(attribute)
    if table is not None:
        for g, row in table.iterrows():
            out[str(g)] = [row[f] for f in out["feature"]]
    return out.round(4)


def gap_table(result: Explanation) -> pd.DataFrame:
    """The gap's per-feature contributions, largest magnitude first."""
    gap = result.gap
    items = sorted(gap.contributions.items(), key=lambda kv: -abs(kv[1]))
    share = [v / gap.gap if gap.gap else np.nan for _, v in items]
    return pd.DataFrame({"feature": [f for f, _ in items],
                         "contribution": [round(v, 4) for _, v in items],
                         "share of gap": [f"{s:.0%}" if np.isfinite(s) else "\u2014"
                                          for s in share]})


def gap_sentence(result: Explanation) -> str:
    """The gap in words."""
    gap = result.gap
    top = sorted(gap.contributions.items(), key=lambda kv: -abs(kv[1]))[:2]
    drivers = " and ".join(f"**{f}** ({v:+.3f})" for f, v in top)
    return (f"Mean {gap.output} of {result.subject}: **{gap.group_a}** {gap.mean_a:.3f} vs "
            f"**{gap.group_b}** {gap.mean_b:.3f}, a gap of **{gap.gap:+.3f}** over "
            f"{gap.n_a:,} + {gap.n_b:,} explained rows. It splits exactly into the features' "
            f"contributions (they sum to the gap); the largest: {drivers}.")


def flip_table(result: Explanation) -> pd.DataFrame:
    """The flip test per group, as shown."""
    t = result.flip.by_group
    return pd.DataFrame({"group": t["group"].astype(str), "rows tested": t["n"],
                         "decisions that change": t["flipped"],
                         "share": t["share"].map(lambda v: f"{v:.1%}"),
                         "to positive": t["to_positive"], "to negative": t["to_negative"],
                         "mean |score change|": t["mean_change"].round(4)})


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
    return pd.DataFrame({"row": r["row"], "group": r["group"], "flipped to": r["flipped_to"],
                         "score": r["score"].round(4), "score after flip":
                         r["flipped_score"].round(4), "decision": r["decision"],
                         "decision after flip": r["flipped_decision"]})


def proxy_table(result: Explanation) -> pd.DataFrame:
    """Features that carry the attribute (drop in AUC when shuffled)."""
    p = result.proxy
    return pd.DataFrame({"feature": list(p.features),
                         "AUC drop when shuffled": [round(v, 4) for v in p.features.values()]})

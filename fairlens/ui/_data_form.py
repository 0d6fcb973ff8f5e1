"""The Data page's form: the data source and the column mapping, a draft until applied.

The widgets show a *draft* of the mapping (:func:`draft_spec`); "Apply mapping" makes it the
session's mapping, "Reset to proposal" shows FairLens's proposal again. The callbacks here are
the only code that turns the form into session changes.
"""

from __future__ import annotations

import json

import streamlit as st

from fairlens.data import AuditSpec, FairLensInputError, infer_spec
from fairlens.ui import _keys as K
from fairlens.ui import _session as S
from fairlens.wording import md

SOURCES = ("Upload a file", "Built-in sample")
AUTO = "(automatic)"
"""The positive-label choice that lets FairLens infer it."""
KINDS = {
    "score": "Scores (one column per model)",
    "pred": "Predicted labels",
    "proba_prefix": "Class probabilities (multiclass)",
    "metric": "Per-sample metric (Dice, IoU ...)",
}
FAVORABLE = {
    "positive": "good for the person (e.g. a loan approved)",
    "negative": "harmful to the person (e.g. labelled high risk)",
}
"""The choices of ``AuditSpec.favorable`` as the Data page words them."""
DRAFT_KEYS = (K.W_DATA_LABEL, K.W_DATA_KIND, K.W_DATA_SCORE, K.W_DATA_SCORE_KIND,
              K.W_DATA_THRESHOLD, K.W_DATA_PRED, K.W_DATA_PREFIX, K.W_DATA_METRIC,
              K.W_DATA_POSITIVE, K.W_DATA_SENSITIVE, K.W_DATA_FEATURES, K.W_DATA_WEIGHT,
              K.W_DATA_FAVORABLE, K.W_DATA_TIME)


def on_upload() -> None:
    """Read a new upload and make it the active dataset, or keep the message why not."""
    file = st.session_state.get(K.W_DATA_UPLOAD)
    st.session_state[K.UPLOAD_ERROR] = None
    if file is None or st.session_state.get(K.UPLOAD_SEEN) == file.file_id:
        return
    st.session_state[K.UPLOAD_SEEN] = file.file_id
    previous = S.active().name
    try:
        S.open_upload(file.name, file.getvalue())
    except FairLensInputError as exc:
        st.session_state[K.UPLOAD_ERROR] = (
            f"Could not use **{md(file.name)}**: {md(exc)} The active dataset is still "
            f"{md(previous)}.")
    except Exception as exc:  # noqa: BLE001 - the app must keep working
        st.session_state[K.UPLOAD_ERROR] = (
            f"Could not use **{md(file.name)}** ({type(exc).__name__}: {md(exc)}). The active "
            f"dataset is still {md(previous)}.")
    else:
        S.notify("success", f"Loaded **{md(file.name)}**. FairLens proposed the column "
                            "mapping below: check it and press **Apply mapping** after any "
                            "change.")


def on_open_sample() -> None:
    """Open the chosen built-in sample."""
    S.open_sample(st.session_state[K.W_DATA_SAMPLE])
    S.notify("success", f"Opened the {S.active().name} with its standard mapping.")


def draft_spec() -> AuditSpec:
    """The mapping as currently shown by the widgets (not yet applied)."""
    ss = st.session_state
    kind = ss[K.W_DATA_KIND]
    positive = ss.get(K.W_DATA_POSITIVE)

    def chosen(key: str, of_kind: str) -> list[str]:
        return list(ss.get(key) or []) if kind == of_kind else []

    return AuditSpec(
        label=ss.get(K.W_DATA_LABEL),
        sensitive=list(ss.get(K.W_DATA_SENSITIVE) or []),
        score=chosen(K.W_DATA_SCORE, "score"),
        pred=chosen(K.W_DATA_PRED, "pred"),
        proba_prefix=(ss.get(K.W_DATA_PREFIX) or None) if kind == "proba_prefix" else None,
        metric=chosen(K.W_DATA_METRIC, "metric"),
        features=list(ss.get(K.W_DATA_FEATURES) or []),
        weight=ss.get(K.W_DATA_WEIGHT),
        positive_label=None if positive in (None, AUTO) else positive,
        threshold=float(ss.get(K.W_DATA_THRESHOLD) or 0.0),
        score_kind=ss.get(K.W_DATA_SCORE_KIND, "probability"),
        favorable=ss.get(K.W_DATA_FAVORABLE) or "positive",
        time=ss.get(K.W_DATA_TIME),
    )


def on_apply() -> None:
    """Apply the shown mapping."""
    S.set_spec(draft_spec())


def _draft_values(spec: AuditSpec) -> dict:
    """The form's widget values that show ``spec``."""
    kinds = spec.prediction_kinds
    return {
        K.W_DATA_KIND: kinds[0] if kinds else "score",
        K.W_DATA_LABEL: spec.label,
        K.W_DATA_SCORE: list(spec.score),
        K.W_DATA_PRED: list(spec.pred),
        K.W_DATA_METRIC: list(spec.metric),
        K.W_DATA_PREFIX: spec.proba_prefix or "",
        K.W_DATA_SCORE_KIND: spec.score_kind,
        K.W_DATA_THRESHOLD: float(spec.threshold),
        K.W_DATA_SENSITIVE: list(spec.sensitive),
        K.W_DATA_FEATURES: list(spec.features),
        K.W_DATA_WEIGHT: spec.weight,
        K.W_DATA_POSITIVE: spec.positive_label if spec.positive_label is not None else AUTO,
        K.W_DATA_FAVORABLE: spec.favorable,
        K.W_DATA_TIME: spec.time,
    }


def load_draft(spec: AuditSpec) -> None:
    """Show ``spec`` in the mapping widgets."""
    st.session_state.update({
        **_draft_values(spec),
        K.W_DATA_VERSION: (S.active().key, S.spec_version()),
        K.DATA_SCREEN_BASIS: screen_basis(spec),
    })


def screen_basis(spec: AuditSpec) -> str:
    """What the column screening of ``spec`` depends on: the label, its positive value and
    the prediction columns (the leak and score-copy checks compare every column with them)."""
    return json.dumps([spec.label, str(spec.positive_label), spec.score, spec.pred,
                       spec.proba_prefix, spec.metric], default=str)


def sync_draft() -> None:
    """Show the applied mapping in the form when it changed since the form last showed it.

    Otherwise the draft stays as the user left it: Streamlit forgets the value of a widget
    that a run did not draw (the score columns while the kind is "metric", every widget after
    a visit to another page), so the draft is kept in a copy (:data:`K.DATA_DRAFT`) and the
    forgotten values come back from it.
    """
    ss = st.session_state
    if ss.get(K.W_DATA_VERSION) != (S.active().key, S.spec_version()):
        load_draft(S.current_spec())
    else:
        missing = [k for k in DRAFT_KEYS if k not in ss]
        if missing:
            kept = {**_draft_values(S.current_spec()), **(ss.get(K.DATA_DRAFT) or {})}
            for k in missing:
                ss[k] = kept[k]
    ss[K.DATA_DRAFT] = {k: ss[k] for k in DRAFT_KEYS}


def on_reset() -> None:
    """Show FairLens's proposal for the active data again."""
    load_draft(infer_spec(S.active_frame()))


def keep_choice(key: str, options: list, fallback: object) -> None:
    """Set the widget ``key`` to ``fallback`` when its value is not among ``options``."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = fallback

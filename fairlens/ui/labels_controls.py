"""The Label errors page's controls: what finds the errors (source, filter, ranking, features).

:func:`detection_controls` draws them and returns the request for
:func:`fairlens.labels.label_issues_spec`, training the cross-validated model when asked.
The sources offered are the registry's (:func:`fairlens.labels.available_sources`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from fairlens import labels as fl
from fairlens.data import AuditSpec
from fairlens.ui import _page
from fairlens.ui import labels_page as L
from fairlens.ui._data_screen import screened_features
from fairlens.wording import labels as W
from fairlens.wording import md


@dataclass
class Detection:
    """What the controls chose: the request for the library and precomputed probabilities."""

    request: dict[str, Any] = field(default_factory=dict)
    proba: np.ndarray | None = None
    warned: list[str] = field(default_factory=list)
    """The warnings about the chosen features, shown with the controls."""


def _request_cv() -> None:
    # A callback, not the button's return value: the request survives a rerun of the frame.
    st.session_state[L.CV_REQUEST] = True


def sources_or_stop(spec: AuditSpec, columns: list[str]) -> tuple[list[str], list[str]]:
    """(sources, feature candidates) of the mapping; stops the page when there is none.

    A raw score is not offered (it is no probability); the page says why, next to the choice
    it offers instead."""
    candidates = fl.feature_candidates(columns, spec)
    sources = fl.available_sources(spec, candidates)
    raw = raw_score(spec)
    if not sources:
        _page.stop_with(W.raw_score_page_no_features(md(raw)) if raw else W.NO_SOURCE_PAGE)
    return sources, candidates


def raw_score(spec: AuditSpec) -> str | None:
    """The mapped score when it is a raw score (not used as probabilities), else None."""
    return spec.score[0] if spec.score and spec.score_kind != "probability" else None


def _features(spec: AuditSpec, candidates: list[str], seed: int, chosen: Detection
              ) -> tuple[dict[str, Any], np.ndarray | None]:
    default = [c for c in (spec.features or screened_features(spec)) if c in candidates]
    if L.W_FEATURES not in st.session_state:
        st.session_state[L.W_FEATURES] = default[:L.MAX_DEFAULT_FEATURES]
    st.session_state[L.W_FEATURES] = [c for c in st.session_state[L.W_FEATURES]
                                      if c in candidates]
    features = st.multiselect("Features the model learns the label from", candidates,
                              key=L.W_FEATURES, help=W.FEATURES_HELP)
    c1, c2, c3 = st.columns([3, 2, 2])
    model = c1.selectbox("Model", list(fl.MODELS), key=L.W_MODEL,
                         format_func=L.MODEL_LABELS.get)
    folds = int(c2.number_input("Folds", min_value=2, max_value=20, value=5, step=1,
                                key=L.W_FOLDS))
    proba = L.cv_result(L.cv_key(spec, features, model, folds, seed))
    c3.button("Train the folds", key=L.W_RUN_CV, type="primary", disabled=not features,
              icon=":material/model_training:", on_click=_request_cv)
    chosen.warned = _page.show_warnings(_page.leak_warnings(spec, features))
    if st.session_state.pop(L.CV_REQUEST, False) and features:
        with _page.guarded("labels"), _page.progress_bar("Starting cross-validation...") as bar:
            proba = L.run_cross_validation(spec, features, model, folds, seed, progress=bar)
    if proba is None:
        st.info(W.train_folds_hint(folds), icon=":material/info:")
        st.stop()
    return {"features": features, "model": model, "n_splits": folds}, proba


def detection_controls(spec: AuditSpec, sources: list[str], candidates: list[str],
                       seed: int) -> Detection:
    """Draw the controls; stop the page until cross-validated probabilities exist."""
    chosen = Detection()
    raw = raw_score(spec)
    if raw:
        st.info(W.raw_score_page(md(raw)), icon=":material/info:")
    with st.container(border=True):
        left, middle, right = st.columns([3, 3, 3])
        if st.session_state.get(L.W_SOURCE) not in sources:
            st.session_state[L.W_SOURCE] = sources[0]
        source = left.radio("Find label errors with", sources, key=L.W_SOURCE,
                            format_func=L.SOURCE_LABELS.get, help=W.SOURCE_HELP)
        score_column = None
        if source == "score" and len(spec.score) > 1:
            score_column = left.selectbox("Score column", spec.score, key=L.W_SCORE)
        filter_by = middle.selectbox(
            "Filter method", list(fl.FILTERS), key=L.W_FILTER, format_func=L.FILTER_LABELS.get,
            help="Which rows count as suspected errors. " + " ".join(
                f"**{L.FILTER_LABELS[k]}**: {v}" for k, v in list(fl.FILTERS.items())[:2]))
        rank_by = right.selectbox(
            "Label-quality score", list(fl.RANKINGS), key=L.W_RANK,
            format_func=L.RANK_LABELS.get,
            help="Ranks the rows, most likely mislabeled first. " +
                 fl.RANKINGS["self_confidence"])
        chosen.request = {"source": source, "score_column": score_column,
                          "filter_by": filter_by, "rank_by": rank_by}
        if source == "features":
            extra, chosen.proba = _features(spec, candidates, seed, chosen)
            chosen.request.update(extra)
    return chosen

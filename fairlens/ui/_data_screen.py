"""The Data page's features: the column screening's proposal, why each column was left out, and
the user's choice (any column can be put back; an identifier, a leak or a score copy put back is
warned about).

The screening (:func:`fairlens.data.screen_columns`) depends on the label and the predictions:
a column is a leak or a score copy *of those*. When the draft's label or predictions change,
the columns are screened again and the proposed features replace the shown ones.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from fairlens.data import AuditSpec, Screening
from fairlens.ui import _cache as C
from fairlens.ui import _data_form as F
from fairlens.ui import _keys as K
from fairlens.ui import _session as S
from fairlens.ui._page import leak_warnings, show_warnings
from fairlens.ui._show import table
from fairlens.wording import md, names

WARNED_REASONS = ("identifier", "label_leak", "score_copy")
"""Reasons whose column, put back as a feature, gets a warning here and on every page that
uses it (:func:`fairlens.data.feature_warnings`); the others get a note."""


def screening_of(draft: AuditSpec) -> Screening:
    """The column screening of the active data under the draft's roles (cached)."""
    basis = replace(draft, features=[], threshold=0.5)
    return C.screening(S.active().key, C.spec_key(basis), S.frame_loader())


def screened_features(spec: AuditSpec) -> list[str]:
    """The features the column screening proposes for the active data under ``spec``'s roles
    (what a page offers first when the mapping names no features)."""
    return list(screening_of(spec).features)


def feature_options(draft: AuditSpec, columns: list[str]) -> list[str]:
    """The columns that can be features: every column not mapped to another role."""
    taken = set(draft.columns())
    return [c for c in columns if c not in taken]


def _bare(text: str | None) -> str:
    """A reason sentence without its "Left out:" opening."""
    text = text or ""
    return text[len("Left out: "):] if text.startswith("Left out: ") else text


def _why(text: str | None) -> str:
    """A reason as the table shows it (its heading says "why it is not a feature")."""
    bare = _bare(text)
    return bare[:1].upper() + bare[1:]


def kind_of(dtype: str) -> str:
    """A pandas dtype in words (``int64`` -> "whole numbers", ``object`` -> "text")."""
    d = str(dtype).lower()
    for prefix, words in (("bool", "yes/no"), ("int", "whole numbers"), ("uint", "whole numbers"),
                          ("float", "numbers"), ("datetime", "dates"), ("category", "categories")):
        if d.startswith(prefix):
            return words
    return "text"


def left_out_table(screening: Screening) -> pd.DataFrame:
    """The columns the screening left out (and the proposed time column), with the reason in
    words: one row each, as shown on the Data page."""
    rows = [{"Column": c.name, "Values": kind_of(c.dtype),
             "Why it is not a feature": _why(screening.reason_text(c.name))}
            for c in screening.columns if c.reason]
    return pd.DataFrame(rows, columns=["Column", "Values", "Why it is not a feature"])


def _propose_again(draft: AuditSpec, screening: Screening, options: list[str]) -> bool:
    """Show the screening's features when the label or predictions changed; True if so."""
    basis = F.screen_basis(draft)
    if st.session_state.get(K.DATA_SCREEN_BASIS) == basis:
        return False
    had = K.DATA_SCREEN_BASIS in st.session_state
    st.session_state[K.DATA_SCREEN_BASIS] = basis
    st.session_state[K.W_DATA_FEATURES] = [c for c in screening.features if c in options]
    return had


def features_section(columns: list[str]) -> None:
    """The proposed features, the left-out columns and why, and the feature chooser."""
    draft = F.draft_spec()
    screening = screening_of(draft)
    options = feature_options(draft, columns)
    renewed = _propose_again(draft, screening, options)
    st.session_state[K.W_DATA_FEATURES] = [
        c for c in st.session_state.get(K.W_DATA_FEATURES) or [] if c in options]
    left_out = left_out_table(screening)
    n_out = len(left_out)
    st.markdown(f"**Features** · FairLens proposes {len(screening.features)} of the "
                f"{len(columns)} columns as features (the model's inputs, used by Label "
                f"errors, Slices, Explain and Remedies) and leaves {n_out} out.")
    if renewed:
        st.caption("The label or the predictions changed, so the columns were screened again "
                   "and the features proposed afresh.")
    st.multiselect("Feature columns", options, key=K.W_DATA_FEATURES,
                   help="Any column can be put back, including those left out below.")
    chosen = list(st.session_state[K.W_DATA_FEATURES])
    show_warnings(leak_warnings(draft, chosen))
    by_name = {c.name: c for c in screening.columns}
    quiet = [c for c in chosen if c in by_name and by_name[c].role == "excluded"
             and by_name[c].reason not in WARNED_REASONS]
    for name in quiet:
        st.caption(f"You put **{md(name)}** back as a feature; the screening had left it out: "
                   f"{md(_bare(screening.reason_text(name)))}")
    if draft.label is None:
        st.caption("Choose the true label to have the columns checked for copies of it.")
    if len(left_out):
        st.markdown(f"**Columns left out of the features ({n_out})**, and why (put any of them "
                    "back above):")
        table(left_out, headers=False, key="data_left_out",
              height=min(36 + 35 * len(left_out), 320),
              column_config={"Why it is not a feature": st.column_config.TextColumn(
                  width="large")})
    elif not screening.features:
        mapped = names(md(c) for c in draft.columns())
        st.caption(f"No column besides the mapped ones ({mapped}) is left to use as a feature.")

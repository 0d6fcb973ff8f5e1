"""Small helpers every page uses: notices, the audit or a clear message, downloads."""

from __future__ import annotations

import json

import streamlit as st

from fairlens import registry
from fairlens.auditing import Audit
from fairlens.data import FairLensInputError
from fairlens.ui import _keys as K
from fairlens.ui import _session as S
from fairlens.wording import could_not_run, md


def use_navigation() -> None:
    """Make sure the app runs through ``app.py``'s ``st.navigation``, not the ``pages/`` folder.

    Streamlit runs the files of a ``pages/`` folder on their own ("multipage v1") until some
    session has executed ``st.navigation``, so on a fresh server the first visit (a refresh after
    a restart, say) would show the bare folder listing or a page without the sidebar. Called at
    the top of ``app.py`` and of every page, this switches the server to ``st.navigation`` and
    reruns, so that the run goes through ``app.py``'s frame.
    """
    if _leave_pages_folder_mode():
        st.rerun()


def _leave_pages_folder_mode() -> bool:
    """Switch the server from the ``pages/`` folder to ``st.navigation``; True if it was needed.

    Why a private attribute: the product keeps its pages in the top-level ``pages/`` folder, and
    Streamlit decides once per server process, in ``PagesManager.uses_pages_directory``, to run
    such a folder as "multipage v1" (the script runner then calls ``_mpa_v1`` instead of
    ``app.py``). Its only public switch is ``st.navigation`` itself, which sets the flag to
    False, but a v1 run of a page never reaches ``app.py``'s call. Setting the flag here is what
    ``st.navigation`` does; ``tests/ui/test_navigation.py`` fails if Streamlit changes it.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not PagesManager.uses_pages_directory:
        return False
    PagesManager.uses_pages_directory = False
    return True


def page_setup() -> None:
    """Start a page: make sure it runs inside ``app.py``'s frame, then show queued notices."""
    use_navigation()
    show_notices()


def page_header(title: str, intro: str, *, fragments: str | list[str] | None = None) -> None:
    """Start a page with its title and one paragraph saying what it shows.

    ``fragments`` names the page's fragments that a threshold change reruns
    (:func:`register_results_fragment`); None reruns the whole page.
    """
    page_setup()
    st.title(title)
    st.markdown(intro)
    register_results_fragment(fragments)


def show_notices() -> None:
    """Show the one-shot messages queued by callbacks (workspace opened, save failed ...)."""
    for level, text in S.pop_notices():
        getattr(st, level if level in ("error", "warning", "success", "info") else "info")(text)


def register_results_fragment(keys: str | list[str] | None) -> None:
    """Name the fragment(s) that a threshold change reruns (None: rerun the whole page)."""
    st.session_state[K.RESULTS_FRAGMENT] = [keys] if isinstance(keys, str) else keys


_APP_HINTS = (
    ("has values outside [0, 1]",
     "In the app: if these scores are not probabilities (a risk decile, a logit, points), set "
     "**Score scale** to **Raw** on the Data page."),
    ("No label column given", "In the app: choose the **True label** on the Data page."),
)


def explain(message: str) -> str:
    """A library message plus, where it helps, what to change in the app."""
    for needle, hint in _APP_HINTS:
        if needle in message:
            return f"{message}\n\n{hint}"
    return message


def audit_or_stop() -> Audit:
    """The audit, or a clear message with a link to the Data page and the end of the page.

    Library validation errors are shown as ``st.error`` with their own message; an unexpected
    failure is shown as a short error too, never as a traceback.
    """
    try:
        with st.spinner("Computing the audit..."):
            return S.get_audit()
    except FairLensInputError as exc:
        st.error(explain(str(exc)), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - the page must keep working
        st.error(f"The audit failed unexpectedly ({type(exc).__name__}: {exc}). Check the "
                 "column mapping on the Data page; if it looks right, please report this.",
                 icon=":material/error:")
    st.page_link(K.PAGE_DATA, label="Go to the Data page", icon=":material/arrow_forward:")
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover - st.stop() raises


def dataset_caption(audit: Audit) -> str:
    """One line saying what is audited: data, rows, prediction and decision rule."""
    data = S.active()
    spec = audit.spec
    rule = spec.decision_rule(audit.threshold, code=True)
    label = f"label `{spec.label}`, " if spec.label else ""
    return f"**{md(data.name)}** · {audit.n_rows:,} rows · {label}{rule}"


def json_download(audit: Audit, *, key: str) -> None:
    """A button that downloads the audit as JSON (schema ``fairlens.audit/1``)."""
    st.download_button(
        "Download the audit (JSON)", data=json.dumps(audit.to_dict(), indent=2),
        file_name="fairlens-audit.json", mime="application/json", key=key, on_click="ignore",
        icon=":material/download:")


def explain_row_button(row: int, *, key: str) -> None:
    """A button that opens the Explain page on row number ``row`` (its SHAP values and LIME)."""
    if st.button("Explain this row", key=key, icon=":material/psychology:",
                 help="Open the Explain page on this row: its SHAP values next to a LIME "
                      "explanation of the model (or of a surrogate)."):
        st.session_state[K.EXPLAIN_ROW_REQUEST] = int(row)
        st.switch_page(K.PAGE_EXPLAIN)


def take_explain_row_request() -> int | None:
    """The row number another page asked the Explain page to show, once (None if none)."""
    return st.session_state.pop(K.EXPLAIN_ROW_REQUEST, None)


def data_page_link() -> None:
    """A link to the Data page (plain words when the page runs outside the app's navigation)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(K.PAGE_DATA, label="Go to the Data page", icon=":material/arrow_forward:")
    except StreamlitAPIException:
        st.markdown("Open the **Data** page to change the data or the column mapping.")


def analysis_failed(name: str, exc: Exception) -> None:
    """An analysis raised something other than an input problem: say so in the page, in the
    report's words and with the isolating runner's message, then stop the run (never
    Streamlit's redacted crash box)."""
    st.error(could_not_run(name, registry.error_message(exc)), icon=":material/error:")
    st.stop()


def stop_with(message: str) -> None:
    """Say why the page cannot show results (and link to the Data page), then stop the run."""
    st.info(message, icon=":material/info:")
    data_page_link()
    st.stop()

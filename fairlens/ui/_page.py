"""Small helpers every page uses: notices, the audit or a clear message, downloads."""

from __future__ import annotations

import contextlib
import json
import re
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st

from fairlens import registry
from fairlens.auditing import Audit
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.ui import _cache as C
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
    """A library message, escaped for Markdown (it names the user's columns, groups and
    files), plus, where it helps, what to change in the app."""
    for needle, hint in _APP_HINTS:
        if needle in message:
            return f"{md(message)}\n\n{hint}"
    return md(message)


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
        failure_message("audit", exc)
    st.page_link(K.PAGE_DATA, label="Go to the Data page", icon=":material/arrow_forward:")
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover - st.stop() raises


def dataset_caption(audit: Audit) -> str:
    """One line saying what is audited: data, rows, prediction and decision rule."""
    data = S.active()
    spec = audit.spec
    rule = md(spec.decision_rule(audit.threshold))
    label = f"label {md(spec.label)}, " if spec.label else ""
    return f"**{md(data.name)}** · {audit.n_rows:,} rows · {label}{rule}"


def json_download(audit: Audit, *, key: str) -> None:
    """A button that downloads the audit as JSON (schema ``fairlens.audit/1``)."""
    st.download_button(
        "Download the audit (JSON)", data=json.dumps(audit.to_dict(), indent=2),
        file_name="fairlens-audit.json", mime="application/json", key=key, on_click="ignore",
        icon=":material/download:")


def escaped_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for ``st.table``, which renders its header, index and text cells as
    Markdown: every one of them escaped by :func:`fairlens.wording.md` (a group called
    ``![t](http://host/x.png)`` reads as itself and loads nothing)."""
    def esc(value: Any) -> Any:
        return md(value) if isinstance(value, str) else value

    out = frame.copy()
    out.columns = [md(c) for c in out.columns]
    out.index = out.index.map(esc)
    out.index.names = [None if n is None else md(n) for n in out.index.names]
    for i in range(out.shape[1]):
        if str(out.dtypes.iloc[i]) in ("object", "string", "category"):
            out.iloc[:, i] = out.iloc[:, i].astype(object).map(esc)
    return out


def static_table(frame: pd.DataFrame, styler: Any = None) -> None:
    """``st.table`` of ``frame`` with every text escaped (:func:`escaped_frame`); ``styler``,
    if given, is called on the escaped frame and returns the ``Styler`` to show."""
    safe = escaped_frame(frame)
    st.table(styler(safe) if styler is not None else safe)


def chart(figure: Any, *, key: str, **kwargs: Any) -> Any:
    """``st.plotly_chart`` with the app's chart config (:data:`fairlens.plots.CHART_CONFIG`)
    and titles moved below plotly's toolbar (:func:`fairlens.plots.leave_room_for_toolbar`)."""
    from fairlens import plots

    return st.plotly_chart(plots.leave_room_for_toolbar(figure), key=key,
                           config=dict(plots.CHART_CONFIG), **kwargs)


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


def _origin(exc: BaseException) -> str | None:
    """Where ``exc`` was raised: the innermost FairLens frame as "fairlens/.../file.py, in
    function (line n)", else the innermost frame's file name; a pointer for a bug report, not
    a traceback dump."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    paths = [f.filename.replace("\\", "/") for f in frames]
    ours = [i for i, p in enumerate(paths) if "/fairlens/" in p and "site-packages" not in p]
    i = ours[-1] if ours else len(frames) - 1
    path = paths[i]
    where = "fairlens/" + path.rsplit("/fairlens/", 1)[1] if ours else path.rsplit("/", 1)[-1]
    return f"{where}, in {frames[i].name} (line {frames[i].lineno})"


def input_problem(exc: Exception) -> None:
    """A FairLens input error on a page: its message (it says what is wrong and what to
    change), the app's hint where one helps, and a link to the Data page."""
    st.error(explain(str(exc)), icon=":material/error:")
    data_page_link()


def failure_message(name: str, exc: BaseException) -> None:
    """An analysis failed for a reason other than the input: say so in the report's words,
    with the exception's type, message and origin in an expander (no traceback of internals)."""
    st.error(could_not_run(name, registry.error_message(exc)), icon=":material/error:")
    with st.expander("Details and what to try"):
        st.markdown(f"**{md(type(exc).__name__)}**: {md(str(exc)) or 'no message'}")
        origin = _origin(exc)
        if origin:
            st.caption(f"Raised in {md(origin)}.")
        st.markdown("Check the column mapping on the **Data** page: a column that should not be "
                    "a feature (an identifier, an empty column, a copy of the label) or a "
                    "label with a single value often causes this. If the mapping looks right, "
                    "please report this message.")


def analysis_failed(name: str, exc: Exception) -> None:
    """An analysis raised something other than an input problem: say so in the page (see
    :func:`failure_message`), then stop the run (never Streamlit's redacted crash box)."""
    failure_message(name, exc)
    st.stop()


@dataclass
class Guard:
    """What :func:`guarded` saw: ``failed`` is True when the analysis raised."""

    failed: bool = False


@contextlib.contextmanager
def guarded(name: str, *, stop: bool = True) -> Iterator[Guard]:
    """Run a page's analysis so that no exception reaches Streamlit's crash box.

    A :class:`FairLensInputError` is shown with its message and what to change
    (:func:`input_problem`); any other exception as "The ``name`` analysis could not run"
    with its details (:func:`failure_message`). Then the run stops, or, with ``stop=False``,
    the page goes on (``guard.failed`` tells it the analysis failed). Streamlit's own control
    flow (``st.stop``, ``st.rerun``) passes through.

    Examples
    --------
    >>> with ui.guarded("slices"):  # doctest: +SKIP
    ...     result = find_slices_spec(frame, spec)
    """
    guard = Guard()
    try:
        yield guard
    except FairLensInputError as exc:
        guard.failed = True
        input_problem(exc)
    except Exception as exc:  # noqa: BLE001 - a failing analysis is a message, not a crash
        guard.failed = True
        failure_message(name, exc)
    if guard.failed and stop:
        st.stop()


def session_gone() -> bool:
    """True when this run's browser session is no longer connected (the tab was closed or
    lost its connection); False outside a Streamlit run."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not runtime.exists():
        return False
    return not runtime.get_instance().is_active_session(ctx.session_id)


def stop_if_session_gone() -> None:
    """End the run (``st.stop``) when its browser session is gone, so that an analysis whose
    page nobody can see any more stops at its next progress report."""
    if session_gone():
        st.stop()


class Progress:
    """A progress bar that shows the library's progress messages (``progress=`` callbacks).

    Every call is also where a long analysis can be cancelled: Streamlit raises its stop or
    rerun exception (a ``BaseException``, so no ``except Exception`` in the library holds it)
    inside the bar's update when the user presses Stop, changes a widget (a rerun) or closes
    the tab (the server asks the script to stop when the session disconnects), and
    :func:`stop_if_session_gone` stops the run when the session is no longer connected.

    Call it as ``progress(done, total, message)`` (the label cross-validation, remedies,
    explanations) or ``progress(message)`` (the report); :meth:`close` removes it.
    """

    def __init__(self, text: str = "Starting...") -> None:
        self._bar = st.progress(0.0, text=text)
        self._fraction = 0.0

    def __call__(self, *args: Any) -> None:
        stop_if_session_gone()
        message = next((a for a in reversed(args) if isinstance(a, str)), None)
        numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
        if len(numbers) >= 2 and numbers[1]:
            self._fraction = min(max(float(numbers[0]) / float(numbers[1]), 0.0), 1.0)
        self._bar.progress(self._fraction, text=message or None)

    def close(self) -> None:
        """Remove the bar."""
        self._bar.empty()


@contextlib.contextmanager
def progress_bar(text: str = "Starting...") -> Iterator[Progress]:
    """A :class:`Progress` bar for the block, removed when it ends (also on an error)."""
    bar = Progress(text)
    try:
        yield bar
    finally:
        bar.close()


def leak_warnings(spec: AuditSpec, features: list[str] | None = None) -> list[str]:
    """The warnings about the features an analysis uses (a label leak or a score copy put back
    as a feature), from :func:`fairlens.data.feature_warnings` (cached per data and mapping).

    ``features``: the columns the page's analysis uses, when the page chose them itself.
    """
    if features is not None:
        spec = replace(spec, features=list(features))
    if not spec.features:
        return []
    try:
        return C.feature_warnings(S.active().key, C.spec_key(spec), S.frame_loader())
    except Exception as exc:  # noqa: BLE001 - a check that fails must not stop the page
        return [f"The features could not be checked for identifiers, copies of the label and "
                f"copies of the score ({registry.error_message(exc)})."]


def _warning_key(text: str) -> str:
    """The same warning, escaped for Markdown or not, written with any spacing."""
    unescaped = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(text)).replace("\u2060", "")
    return " ".join(unescaped.split())


def show_warnings(*sources: Iterable[str], already: Iterable[str] = (),
                  escaped: bool = False) -> list[str]:
    """Show each warning once (escaped: library warnings name the user's columns), in order,
    however many results repeat it (the leak warnings
    of :func:`fairlens.data.feature_warnings` come back in every result that uses them).

    ``escaped``: the texts are Markdown already made safe by the caller (user values through
    :func:`fairlens.wording.md`), shown as they are instead of escaped again.
    ``already``: warnings the page showed earlier in this run (not shown again). Returns
    every warning shown so far, ``already`` included, for a later call's ``already``.
    """
    shown = list(already)
    seen = {_warning_key(t) for t in shown}
    for source in sources:
        for text in source or ():
            key = _warning_key(text)
            if key and key not in seen:
                seen.add(key)
                shown.append(str(text))
                st.warning(str(text) if escaped else md(text), icon=":material/warning:")
    return shown


def stop_with(message: str) -> None:
    """Say why the page cannot show results (and link to the Data page), then stop the run."""
    st.info(message, icon=":material/info:")
    data_page_link()
    st.stop()

"""FairLens in the browser: ``streamlit run app.py`` (or ``fairlens serve``).

The frame of every page: page config, the shared sidebar and the explicit page list. The pages
in ``pages/`` are thin scripts that read widgets, call :mod:`fairlens` and render the results.
"""

from __future__ import annotations

import streamlit as st

from fairlens import ui

ui.use_navigation()
st.set_page_config(
    page_title="FairLens",
    # An emoji favicon is drawn in the browser; a ":material/..." one is fetched from
    # fonts.gstatic.com, and the app asks no host but its own server.
    page_icon="⚖️",
    layout="wide",
    initial_sidebar_state="expanded",
    menu_items={"About": "FairLens: fairness and error analysis for model prediction files."},
)

PAGES = [
    st.Page(ui.keys.PAGE_DATA, title="Data", icon=":material/table_view:"),
    st.Page(ui.keys.PAGE_FAIRNESS, title="Fairness", icon=":material/balance:", default=True),
    st.Page(ui.keys.PAGE_EQUITY, title="Equity", icon=":material/equalizer:"),
    st.Page("pages/over_time.py", title="Over time", icon=":material/timeline:"),
    st.Page("pages/label_errors.py", title="Label errors", icon=":material/rule:"),
    st.Page("pages/slices.py", title="Slices", icon=":material/troubleshoot:"),
    st.Page("pages/remedies.py", title="Remedies", icon=":material/healing:"),
    st.Page("pages/explain.py", title="Explain", icon=":material/psychology:"),
    st.Page("pages/report.py", title="Report", icon=":material/description:"),
]

page = st.navigation(PAGES, position="sidebar", expanded=True)
ui.init_session()
ui.cache.warm_compiled_kernels()
ui.register_results_fragment(None)
ui.render_sidebar()
page.run()

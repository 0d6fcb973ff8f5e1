"""Report page: choose the sections, preview the report, download HTML, PDF, JSON, CSV, config."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from fairlens import ui
from fairlens.data import FairLensInputError
from fairlens.report import csv_zip, parse_rules, render_pdf, report_json
from fairlens.ui import report_page as R
from fairlens.wording import could_not_run

ui.page_setup()
st.title("Report")
audit = ui.audit_or_stop()
st.caption(ui.dataset_caption(audit))
st.markdown(
    "The audit report for a review board: what was audited and how, what was found, how sure "
    "the numbers are, and what limits them; with the machine-readable results and a config "
    "that reproduces every number on the command line.")

st.subheader("Sections")
st.caption("The audit (per-group tables with intervals, disparities with significance, ES and "
           "PSD, limitations) is always included. Add the analyses below: each runs with the "
           "settings it last ran with on its page; one not run on the pages runs with its "
           "defaults, and the report says which.")
runs = R.page_runs()
cols = st.columns(4)
labels = cols[0].checkbox("Label errors", key=R.W_LABELS, value="labels" in runs,
                          help="Confident learning: suspected label errors per group and the "
                               "disparities with them excluded or relabelled.")
cols[0].caption(R.origin_caption("labels", runs))
slices = cols[1].checkbox("Error slices", key=R.W_SLICES, value="slices" in runs,
                          help="Where the model fails: significant slices over the features.")
cols[1].caption(R.origin_caption("slices", runs))
can_explain = R.available("explain")
explain = cols[2].checkbox("Explanations", key=R.W_EXPLAIN, disabled=not can_explain,
                           value=can_explain and "explain" in runs,
                           help="Feature importance overall and by group, and what drives the "
                                "score gap between groups." if can_explain else
                           "Needs fairlens.explain, which this installation does not have.")
cols[2].caption(R.origin_caption("explain", runs))
methods = R.remedy_methods()
use_remedy = cols[3].checkbox("Remedy", key=R.W_REMEDY, disabled=not methods,
                              value=bool(methods) and "remedy" in runs,
                              help="What would reduce the disparity, at what cost (evaluated "
                                   "on a held-out split)." if methods else
                              "Needs fairlens.remedies, which this installation does not have.")
remedy = None
if use_remedy and methods:
    ran = R.recorded_method(runs)
    # a row of its own: the methods' names are long
    remedy = st.columns([2, 1])[0].selectbox(
        "Remedy method", methods, key=R.W_REMEDY_METHOD,
        index=methods.index(ran) if ran in methods else 0, format_func=R.method_title)
cols[3].caption(R.origin_caption("remedy", runs, remedy))
rules_text = st.text_area(
    "CI rules (optional, one per line)", key=R.W_RULES, height=80,
    placeholder="equalized_odds_difference>0.1\nes_auc<0.6",
    help="Saved in the config: `fairlens audit --config` then exits with code 1 when a rule "
         "holds. A rule states when the check fails.")
rules = [line.strip() for line in (rules_text or "").splitlines() if line.strip()]
try:
    parse_rules(rules)
except FairLensInputError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

with ui.guarded("report"):
    config = R.app_config(labels=labels, slices=slices, explain=explain, remedy=remedy,
                          fail_on=rules, runs=runs)
if labels or slices or explain or remedy:
    ui.show_warnings(ui.leak_warnings(ui.current_spec()))
report = R.current(config)
st.button("Build the report", type="primary", key=R.W_BUILD, icon=":material/description:",
          on_click=R.request_build)
if st.session_state.pop(R.BUILD_REQUEST, False):
    status = st.status("Building the report...", expanded=False)
    with ui.guarded("report", stop=False) as building:
        report = R.build(config, audit, progress=lambda m: status.write(m.capitalize()))
    if building.failed:
        status.update(label="The report could not be built", state="error")
        st.stop()
    status.update(label="Report ready", state="complete")

toml_text = config.to_toml(R.CONFIG_NAME)
if report is None:
    st.info("Choose the sections and press **Build the report** to preview and download it. "
            "The config below already reproduces this audit.", icon=":material/info:")
    st.download_button("Download the config (TOML)", data=toml_text, file_name=R.CONFIG_NAME,
                       mime="application/toml", on_click="ignore", key="report_dl_config_only",
                       icon=":material/download:")
    with st.expander("Config"):
        st.code(toml_text, language="toml")
    st.stop()

for name, message in report.errors.items():
    st.warning(could_not_run(name, message), icon=":material/warning:")
if report.gate is not None:
    (st.success if report.gate.passed else st.error)(
        report.gate.summary().splitlines()[-1].capitalize() + ".",
        icon=":material/rule:")

st.subheader("Download")
d = st.columns(5)
d[0].download_button("HTML", data=lambda: R.report_html(report).encode("utf-8"),
                     file_name="fairlens-report.html", mime="text/html", on_click="ignore",
                     key="report_dl_html", icon=":material/download:",
                     help="One self-contained file: opens offline, prints cleanly.")
d[1].download_button("PDF", data=lambda: render_pdf(report), file_name="fairlens-report.pdf",
                     mime="application/pdf", on_click="ignore", key="report_dl_pdf",
                     icon=":material/download:")
d[2].download_button("JSON", data=lambda: report_json(report).encode("utf-8"),
                     file_name="fairlens-report.json", mime="application/json",
                     on_click="ignore", key="report_dl_json", icon=":material/download:")
d[3].download_button("CSV tables (zip)", data=lambda: csv_zip(report),
                     file_name="fairlens-report-csv.zip", mime="application/zip",
                     on_click="ignore", key="report_dl_csv", icon=":material/download:",
                     help="One formula-safe CSV per table.")
d[4].download_button("Config (TOML)", data=toml_text, file_name=R.CONFIG_NAME,
                     mime="application/toml", on_click="ignore", key="report_dl_config",
                     icon=":material/download:",
                     help=f"Reproduce with `fairlens report --config {R.CONFIG_NAME}`.")
st.caption(f"Reproduce on the command line: `fairlens report --config {R.CONFIG_NAME}`"
           + ("" if config.sample else f" with `{config.data}` next to the config") + ".")

st.subheader("Executive summary")
st.markdown("\n".join(f"- {ui.fmt.md(s).replace(chr(92) + '*' + chr(92) + '*', '**')}"
                      for s in report.summary()))
with st.expander("Config"):
    st.code(toml_text, language="toml")

st.subheader("Preview")
components.html(R.report_html(report), height=900, scrolling=True)

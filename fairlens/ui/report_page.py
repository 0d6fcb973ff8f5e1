"""Streamlit glue of the Report page: the app's config, the report in the session, downloads.

The config captures exactly what the app used (sample or uploaded file name, mapping,
threshold, reference groups, minimum group size, interval method, bootstrap replicates, seed,
confidence level, analyses), so that ``fairlens report --config`` recomputes the app's numbers.
Each analysis runs with the settings it last ran with on its page (``recorded_runs``); one that
no page ran is run with its defaults, and the report says which is which.
The report is built with the app's own audit object and kept in this browser tab's session
(it holds the user's own results).
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from fairlens import registry
from fairlens.auditing import Audit
from fairlens.report import Report, ReportConfig, build_report
from fairlens.ui import _cache as C
from fairlens.ui import _session as S
from fairlens.ui._runs import recorded_runs
from fairlens.wording.report import NOT_RUN_ON_PAGES, PAGE_NAMES

PAGE = "pages/report.py"
CONFIG_NAME = "fairlens-audit.toml"

# --- widget and session keys (prefixed by the page) ---------------------------------------
W_LABELS = "report_labels"
W_SLICES = "report_slices"
W_EXPLAIN = "report_explain"
W_REMEDY = "report_remedy"
W_REMEDY_METHOD = "report_remedy_method"
W_RULES = "report_rules"
W_BUILD = "report_build"
EXPLAIN_MODELS = "explain_models"
"""Session key of the Explain page: the model file loaded in this tab (by digest and trust)."""
BUILD_REQUEST = "report_build_request"
"""Session key: set by the "Build the report" button's callback until the page builds it."""
RESULT = "report_result"
"""Session key: ``(config key, Report)`` of the last report built in this tab."""
HTML = "report_html"
"""Session key: ``(id of the report, its HTML)``, so reruns do not render it again."""


def request_build() -> None:
    """Callback of the "Build the report" button."""
    st.session_state[BUILD_REQUEST] = True


def available(analysis: str) -> bool:
    """Whether the report section ``analysis`` is registered in this installation."""
    return analysis in registry.names("section")


def remedy_methods() -> list[str]:
    """The remedy methods the registry offers (empty when the remedy section is missing)."""
    return list(registry.names("remedy")) if available("remedy") else []


def method_title(method: str) -> str:
    """A remedy method's name for a person (its registered title)."""
    try:
        return registry.get("remedy", method).title
    except Exception:  # noqa: BLE001 - an unknown method keeps its name
        return method


def page_runs() -> dict[str, dict[str, Any]]:
    """The analyses run on the pages of the active data, with their section settings."""
    return recorded_runs()


def recorded_method(runs: dict[str, dict[str, Any]]) -> str | None:
    """The remedy method run on the Remedies page, if any."""
    return (runs.get("remedy") or {}).get("method")


def origin_caption(name: str, runs: dict[str, dict[str, Any]],
                   method: str | None = None) -> str:
    """Under an analysis' switch: whether it repeats a page's run or uses the defaults."""
    run = runs.get(name)
    if run is not None and (name != "remedy" or method in (None, run.get("method"))):
        return f"As run on the {PAGE_NAMES[name]} page"
    if name == "remedy" and run is not None:
        return f"{NOT_RUN_ON_PAGES} (the Remedies page ran {run.get('method')})"
    return NOT_RUN_ON_PAGES


def analysis_settings(asked: dict[str, bool], remedy: str | None,
                      runs: dict[str, dict[str, Any]]
                      ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The section settings and origins of the analyses asked for: a page's run where there
    is one (for the remedy: a run of the same method), else the defaults."""
    params, origins = {}, {}
    for name, on in {**asked, "remedy": bool(remedy)}.items():
        if not on:
            continue
        run = runs.get(name)
        if run is not None and (name != "remedy" or run.get("method") == remedy):
            params[name] = {k: v for k, v in run.items() if k != "method"}
            origins[name] = "page"
        else:
            origins[name] = "defaults"
    return {k: v for k, v in params.items() if v}, origins


def app_config(*, labels: bool = False, slices: bool = False, explain: bool = False,
               remedy: str | None = None, fail_on: list[str] | None = None,
               runs: dict[str, dict[str, Any]] | None = None) -> ReportConfig:
    """The config of what the app is showing now (mapping, threshold and settings), with the
    settings the analyses ran with on the pages (``runs``, default :func:`page_runs`)."""
    runs = page_runs() if runs is None else runs
    params, origins = analysis_settings(
        {"labels": labels, "slices": slices, "explain": explain}, remedy, runs)
    data = S.active()
    spec = S.current_spec()
    settings = S.current_settings()
    stats = S.get_statistics()
    reference = S.reference_choice(stats, settings)
    return ReportConfig(
        data=None if data.kind == "sample" else (data.filename or data.name),
        sample=data.sample if data.kind == "sample" else None,
        spec=spec.to_dict(), reference=reference,
        min_group_size=int(settings["min_group_size"]),
        bootstrap=int(settings["bootstrap"]), ci=str(settings["ci"]),
        seed=int(settings["seed"]), level=float(settings["level"]), labels=labels,
        slices=slices, explain=explain, remedy=remedy, fail_on=list(fail_on or []),
        content_sha256=data_fingerprint()["content_sha256"], params=params, origins=origins)


def data_fingerprint() -> dict[str, Any]:
    """Name, digests, rows and columns of the active data (cached per content)."""
    data = S.active()
    if data.kind == "sample":
        name, source, prefix = f"built-in sample {data.sample!r}", "sample", None
    else:
        name, source = data.filename or data.name, "upload"
        prefix = data.key if len(data.key) == 32 else None
    return C.report_fingerprint(data.key, name, source, prefix,
                        data.sample if data.kind == "sample" else None, S.frame_loader())


def config_key(config: ReportConfig) -> str:
    """Identifies a report: the data and everything in the config."""
    return json.dumps({"data": S.active().key, **config.to_dict()}, sort_keys=True,
                      default=str)


def uploaded_model(params: dict[str, Any]) -> Any:
    """The model file the user uploaded and trusted on the Explain page (kept in this tab),
    when the explain section explains it; else None."""
    if params.get("model") != "file":
        return None
    models = st.session_state.get(EXPLAIN_MODELS) or {}
    digest = params.get("model_sha256")
    for key, model in models.items():
        try:
            kept = json.loads(key)[0]
        except (ValueError, IndexError, TypeError):
            continue
        if digest is None or kept == digest:
            return model
    return None


def build(config: ReportConfig, audit: Audit, progress: Any = None) -> Report:
    """Build the report of the active data with the app's own audit; keep it in the tab."""
    objects = {}
    model = uploaded_model(config.analyses.get("explain") or {})
    if model is not None:
        objects["explain"] = {"model_object": model}
    report = build_report(S.active_frame(), config, fingerprint=data_fingerprint(),
                          command=f"fairlens report --config {CONFIG_NAME}", audit=audit,
                          progress=progress, objects=objects)
    st.session_state[RESULT] = (config_key(config), report)
    st.session_state.pop(HTML, None)
    return report


def current(config: ReportConfig) -> Report | None:
    """The report built for exactly this config in this tab, if any."""
    saved = st.session_state.get(RESULT)
    if saved and saved[0] == config_key(config):
        return saved[1]
    return None


def report_html(report: Report) -> str:
    """The report's HTML, rendered once per report in this tab."""
    from fairlens.report import render_html

    saved = st.session_state.get(HTML)
    if saved and saved[0] == id(report):
        return saved[1]
    html = render_html(report)
    st.session_state[HTML] = (id(report), html)
    return html

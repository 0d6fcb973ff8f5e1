"""The self-contained HTML report: Jinja2 templates (autoescape on), plotly.js embedded once.

The file opens offline: plotly's JavaScript is written into the page once, every chart's data
sits in a ``<script type="application/json">`` block (with ``<``, ``>`` and ``&`` escaped, so
no value can close the tag), and nothing is fetched from the network.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from fairlens.report._report import Report
from fairlens.report._sections import build_sections

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_SHORT = 24
_INTERVAL = re.compile(r"^(\S+) (\[[^\]]*\])(.*)$")


def rich(text: Any) -> Markup:
    """Escape ``text``, then turn ``**bold**`` and ```code``` markers into tags."""
    safe = str(escape(str(text)))
    safe = _BOLD.sub(r"<strong>\1</strong>", safe)
    return Markup(_CODE.sub(r"<code>\1</code>", safe))


def cell(text: Any) -> Markup:
    """A table cell, escaped; a value with its interval (``0.514 [0.498, 0.531] *``) may break
    between the value and the interval but never inside either, so that a wide table fits the
    page instead of hiding its last columns."""
    text = str(text)
    match = _INTERVAL.match(text)
    if not match:
        if " " not in text and len(text) <= _SHORT:  # a number or a word: never broken
            return Markup(f'<span class="v">{escape(text)}</span>')
        return Markup(escape(text))
    value, interval, rest = match.groups()
    return Markup(f'<span class="v">{escape(value)}</span> '
                  f'<span class="ci">{escape(interval)}{escape(rest)}</span>')


def script_json(value: Any) -> Markup:
    """JSON safe to place inside a ``<script>`` element."""
    text = json.dumps(value, allow_nan=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def environment() -> Environment:
    """The Jinja2 environment of the report templates (autoescape on for every template)."""
    env = Environment(loader=PackageLoader("fairlens.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["rich"] = rich
    env.filters["cell"] = cell
    return env


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _figure_json(fig: Any) -> Any:
    import plotly.io as pio

    return json.loads(pio.to_json(fig, validate=False, remove_uids=True))


def render_html(report: Report, *, interactive: bool = True) -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    report : Report
    interactive : bool, default True
        Embed plotly.js and draw the charts; False leaves the charts out (a light preview).
    """
    from fairlens.report._figures import plotly_figure

    sections = build_sections(report)
    charts: list[dict[str, Any]] = []
    section_charts: dict[str, list[dict[str, str]]] = {}
    if interactive:
        for section in sections:
            for fig in section.figures:
                fid = f"chart-{len(charts) + 1}"
                section_charts.setdefault(section.id, []).append({"id": fid,
                                                                  "title": fig.title})
                charts.append({"id": fid, "spec": _figure_json(plotly_figure(fig))})
    template = environment().get_template("report.html.j2")
    return template.render(
        report=report, sections=sections, section_charts=section_charts,
        plotly_js=Markup(_plotly_js()) if charts else None,
        charts_json=script_json(charts and [{"id": c["id"], **c["spec"]} for c in charts]),
        title=f"FairLens audit report: {report.fingerprint.get('name', '')}")

"""The PDF report, built directly with reportlab (no browser): static matplotlib charts,
wrapped table cells, "page N of M" footers.

Text is set in DejaVu Sans (shipped with matplotlib) so that any group name prints; every
piece of text from the data is XML-escaped before reportlab's paragraph parser sees it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from fairlens.report._report import Report
from fairlens.report._sections import build_sections

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
FONT, FONT_BOLD, FONT_MONO = "FairLensSans", "FairLensSans-Bold", "FairLensMono"
_registered: dict[str, str] = {}


def _fonts() -> dict[str, str]:
    """Register DejaVu Sans / Mono from matplotlib's fonts (Helvetica/Courier if missing)."""
    if _registered:
        return _registered
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = {"regular": "Helvetica", "bold": "Helvetica-Bold", "mono": "Courier"}
    try:
        import matplotlib

        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_MONO, str(folder / "DejaVuSansMono.ttf")))
        addMapping(FONT, 0, 0, FONT)
        addMapping(FONT, 1, 0, FONT_BOLD)
        addMapping(FONT, 0, 1, FONT)
        addMapping(FONT, 1, 1, FONT_BOLD)
        names = {"regular": FONT, "bold": FONT_BOLD, "mono": FONT_MONO}
    except Exception:  # noqa: BLE001 - fall back to the PDF standard fonts
        pass
    _registered.update(names)
    return _registered


def rich(text: Any) -> str:
    """Escape ``text`` for reportlab's paragraph markup, then apply ``**bold**``/```code```."""
    safe = escape(str(text))
    safe = _BOLD.sub(r"<b>\1</b>", safe)
    return _CODE.sub(lambda m: f'<font face="{_fonts()["mono"]}">{m.group(1)}</font>', safe)


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    fonts = _fonts()
    base = getSampleStyleSheet()
    ink = colors.HexColor("#111827")
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontName=fonts["bold"], fontSize=20,
                                leading=24, alignment=0, textColor=ink, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=fonts["bold"], fontSize=14,
                             leading=18, textColor=ink, spaceBefore=10, spaceAfter=4,
                             keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontName=fonts["bold"], fontSize=10,
                             leading=13, textColor=ink, spaceBefore=6, spaceAfter=2),
        "body": ParagraphStyle("b", parent=base["BodyText"], fontName=fonts["regular"],
                               fontSize=9, leading=12, textColor=ink, spaceAfter=4),
        "muted": ParagraphStyle("m", parent=base["BodyText"], fontName=fonts["regular"],
                                fontSize=7.5, leading=9.5, textColor=colors.HexColor("#4b5563"),
                                spaceAfter=6),
        "cell": ParagraphStyle("c", fontName=fonts["regular"], fontSize=7, leading=8.6,
                               textColor=ink),
        "head": ParagraphStyle("hd", fontName=fonts["bold"], fontSize=7, leading=8.6,
                               textColor=ink),
        "code": ParagraphStyle("code", fontName=fonts["mono"], fontSize=7, leading=8.8,
                               textColor=ink, backColor=colors.HexColor("#f1f5f9"),
                               borderPadding=4, spaceBefore=4),
    }


TITLE_ROOM_MM = 30
"""Room (mm) a table's title needs below it on the page: the title and its first rows."""


def _keep_ci(text: str) -> str:
    """Keep an interval ``[0.501, 0.531]`` on one line (a no-break space after the comma)."""
    return re.sub(r"\[([^\]]*?), ", lambda m: f"[{m.group(1)},\u00a0", text)


def _widths(table: Any, styles: dict[str, Any], width: float) -> list[float]:
    """Column widths: natural widths when they fit, else every column keeps its longest word
    and the rest of the page goes to the columns with the most text."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    cell, head, pad = styles["cell"], styles["head"], 7.0
    n = max(1, len(table.columns))
    natural, minimum = [], []
    for j in range(n):
        texts = [_keep_ci(str(r[j])) for r in table.rows if j < len(r)]
        nat = max([stringWidth(str(table.columns[j]), head.fontName, head.fontSize)]
                  + [stringWidth(t, cell.fontName, cell.fontSize) for t in texts])
        words = [w for t in texts for w in t.split(" ")]
        least = max([stringWidth(w, cell.fontName, cell.fontSize) for w in words]
                    + [stringWidth(w, head.fontName, head.fontSize)
                       for w in str(table.columns[j]).split(" ")] + [10.0])
        natural.append(min(nat, width * 0.6) + pad)
        minimum.append(min(least, width * 0.3) + pad)
    if sum(natural) <= width:
        return natural
    if sum(minimum) > width:  # never wider than the page: long words are split instead
        return [m * width / sum(minimum) for m in minimum]
    spare = max(0.0, width - sum(minimum))
    extra = [nat - m for nat, m in zip(natural, minimum, strict=True)]
    total = sum(extra) or 1.0
    return [m + spare * e / total for m, e in zip(minimum, extra, strict=True)]


def _table(table: Any, styles: dict[str, Any], width: float) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, Paragraph, Table, TableStyle

    # a title never ends a page: a new page when less than a title and a few rows fit
    out: list[Any] = [CondPageBreak(TITLE_ROOM_MM * mm),
                      Paragraph(rich(table.title), styles["h3"])]
    data = [[Paragraph(rich(c), styles["head"]) for c in table.columns]]
    for row in table.rows:
        data.append([Paragraph(escape(_keep_ci(str(c))), styles["cell"]) for c in row])
    t = Table(data, colWidths=_widths(table, styles, width), repeatRows=1, hAlign="LEFT")
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f5f9")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#e5e7eb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, cls in enumerate(table.row_classes[: len(table.rows)], start=1):
        if cls == "small":
            style.append(("TEXTCOLOR", (0, i), (-1, i), colors.HexColor("#94a3b8")))
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f8fafc")))
        elif cls == "reference":
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#eff6ff")))
        elif cls == "fail":
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fef2f2")))
    t.setStyle(TableStyle(style))
    out.append(t)
    if table.truncated:
        out.append(Paragraph(f"{table.truncated} more row(s) in the CSV and JSON files.",
                             styles["muted"]))
    if table.note:
        out.append(Paragraph(rich(table.note), styles["muted"]))
    return out


def _numbered_canvas(footer: str) -> Any:
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
        """Canvas that writes "page N of M" once every page is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(_fonts()["regular"], 7)
                self.setFillGray(0.35)
                width = self._pagesize[0]
                self.drawString(40, 22, footer[:120])
                self.drawRightString(width - 40, 22, f"page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes (A4, charts as 150-dpi PNGs drawn with matplotlib)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        ListFlowable,
        ListItem,
        Paragraph,
        Preformatted,
        SimpleDocTemplate,
        Spacer,
    )

    from fairlens.report._figures import figure_labels, legend_text, matplotlib_png

    styles = _styles()
    buffer = io.BytesIO()
    name = str(report.fingerprint.get("name", ""))
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                            topMargin=15 * mm, bottomMargin=16 * mm,
                            title=f"FairLens audit report: {name}", author="FairLens",
                            subject="Fairness audit", creator="FairLens")
    width = doc.width
    story: list[Any] = [
        Paragraph("FairLens audit report", styles["title"]),
        Paragraph(rich(f"{name} · {report.audit.n_rows:,} rows · created {report.created} "
                       "(UTC)"), styles["muted"]),
        Paragraph(rich(f"Reproduce: `{report.command.splitlines()[0]}`"), styles["muted"]),
    ]
    for section in build_sections(report):
        story.append(Paragraph(rich(section.title), styles["h2"]))
        for p in section.paragraphs:
            story.append(Paragraph(rich(p), styles["body"]))
        if section.bullets:
            story.append(ListFlowable(
                [ListItem(Paragraph(rich(b), styles["body"]), leftIndent=10)
                 for b in section.bullets], bulletType="bullet", start="•",
                leftIndent=10, bulletFontName=_fonts()["regular"], bulletFontSize=8))
        for fig in section.figures:
            png, aspect = matplotlib_png(fig)
            w = width
            h = min(w * aspect, 220 * mm)
            if h < w * aspect:
                w = h / aspect
            parts = [Paragraph(rich(fig.title), styles["h3"]),
                     Image(io.BytesIO(png), width=w, height=h)]
            legend = figure_labels(fig)[1]
            if legend:
                parts.append(Paragraph(escape(legend_text(legend)), styles["muted"]))
            story.append(KeepTogether(parts))
        for table in section.tables:
            story.extend(_table(table, styles, width))
        if section.code:
            story.append(Preformatted(section.code, styles["code"], maxLineLength=110,
                                      newLineChars=""))
        story.append(Spacer(1, 4))
    footer = f"FairLens audit report · {name} · {report.created}"
    doc.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()

"""``report.pdf`` with reportlab's platypus, in DejaVu Sans so Vietnamese text renders and extracts.

A4 portrait: a title page (title, study label, headline figures), then the maps,
the tables and the method. Every page carries the study label and a page number
in the footer. ``invariant=1`` fixes the PDF's dates and id, so the same package
gives the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from towerplan.export.i18n_report import text
from towerplan.export.report_model import Block, Report, build_report

if TYPE_CHECKING:
    from towerplan.export.package import PlanPackage

__all__ = ["register_fonts", "render_pdf", "write_report_pdf"]

FONT = "TowerplanSans"
FONT_BOLD = "TowerplanSans-Bold"
FONT_ITALIC = "TowerplanSans-Oblique"
FONT_BOLD_ITALIC = "TowerplanSans-BoldOblique"
FONT_MONO = "TowerplanMono"
BLUE = "#1f3f99"


@functools.cache
def register_fonts() -> str:
    """Register DejaVu Sans (shipped with matplotlib) with reportlab; return the family name."""
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, file in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf"),
                       (FONT_ITALIC, "DejaVuSans-Oblique.ttf"), (FONT_BOLD_ITALIC, "DejaVuSans-BoldOblique.ttf"),
                       (FONT_MONO, "DejaVuSansMono.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT_ITALIC)
    addMapping(FONT, 1, 1, FONT_BOLD_ITALIC)
    return FONT


def write_report_pdf(package: PlanPackage, path: Path, *, figures: Mapping[str, Path], lang: str) -> Path:
    """Write ``report.pdf`` for ``package``."""
    render_pdf(build_report(package, figures, lang=lang), path)
    return path


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5, spaceAfter=4)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=22, leading=28,
                                textColor=colors.HexColor(BLUE), spaceAfter=12),
        "study": ParagraphStyle("study", parent=base, fontName=FONT_BOLD_ITALIC, fontSize=13, leading=17,
                                textColor=colors.HexColor("#7a1f1f"), spaceAfter=8),
        "subtitle": ParagraphStyle("subtitle", parent=base, textColor=colors.HexColor("#555555"), spaceAfter=18),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19, spaceBefore=6,
                             spaceAfter=8, textColor=colors.HexColor(BLUE), keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11.5, leading=15, spaceBefore=8,
                             spaceAfter=5, keepWithNext=1),
        "caption": ParagraphStyle("caption", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=12,
                                  spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "figcaption": ParagraphStyle("figcaption", parent=base, fontName=FONT_ITALIC, fontSize=8.5, leading=11,
                                     textColor=colors.HexColor("#333333"), spaceAfter=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=9.8, spaceAfter=0),
        "cell_num": ParagraphStyle("cell_num", parent=base, fontSize=8, leading=9.8, spaceAfter=0, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=7.8, leading=9.5, spaceAfter=0),
        "cell_small": ParagraphStyle("cell_small", parent=base, fontSize=7, leading=8.5, spaceAfter=0),
        "cell_small_num": ParagraphStyle("cell_small_num", parent=base, fontSize=7, leading=8.5, spaceAfter=0,
                                         alignment=TA_RIGHT),
        "head_small": ParagraphStyle("head_small", parent=base, fontName=FONT_BOLD, fontSize=6.8, leading=8.3,
                                     spaceAfter=0),
        "note": ParagraphStyle("note", parent=base, fontName=FONT_ITALIC, fontSize=8, leading=10, spaceBefore=4,
                               textColor=colors.HexColor("#444444")),
        "hash": ParagraphStyle("hash", parent=base, fontName=FONT_MONO, fontSize=5.6, leading=7, spaceAfter=0),
    }


def _col_widths(block: Block, available: float, styles) -> list[float]:
    """Column widths (points) filling ``available``: words never split, numbers never wrap.

    Each column needs at least its longest word (header in bold, cells; a very long
    token such as a file path may break) or, for numbers and checksums, its longest
    cell. Its natural width holds every cell on one line. When the natural widths fit,
    the spare room is spread in proportion; otherwise each column gets its minimum
    plus a share of the rest in proportion to what it lacks.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    small = block.small or len(block.columns) > 7
    head = styles["head_small" if small else "head"]
    cell = styles["cell_small" if small else "cell"]
    pad = 7.0
    longest_token = 90.0
    wants: list[tuple[float, float]] = []
    for i, header in enumerate(block.columns):
        cells = [row[i] for row in block.rows if i < len(row)]
        numeric = block.numeric[i] if i < len(block.numeric) else False
        if header == "SHA-256":
            font = styles["hash"]
            width = max((stringWidth(c, font.fontName, font.fontSize) for c in cells), default=20) + pad
            wants.append((width, width))
            continue
        head_words = max((stringWidth(w, head.fontName, head.fontSize) for w in header.split()), default=10)
        full = max((stringWidth(c, cell.fontName, cell.fontSize) for c in cells), default=10)
        if numeric:
            cell_min = full
        else:
            cell_min = min(max((stringWidth(w, cell.fontName, cell.fontSize) for c in cells for w in c.split()),
                               default=10), longest_token)
        minimum = max(head_words, cell_min) + pad
        natural = max(minimum, min(full, 180.0) + pad,
                      min(stringWidth(header, head.fontName, head.fontSize) / 2, 120.0) + pad)
        wants.append((minimum, natural))
    total_natural = sum(n for _, n in wants)
    if total_natural <= available:
        return [n * available / total_natural for _, n in wants]
    total_min = sum(m for m, _ in wants)
    if total_min >= available:
        return [m * available / total_min for m, _ in wants]
    extra = [n - m for m, n in wants]
    total_extra = sum(extra) or 1.0
    return [m + (available - total_min) * e / total_extra for (m, _), e in zip(wants, extra, strict=True)]


def _table(block: Block, styles, available: float) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle

    small = block.small or len(block.columns) > 7
    head = styles["head_small" if small else "head"]
    cell = styles["cell_small" if small else "cell"]
    num = styles["cell_small_num" if small else "cell_num"]
    data = [[Paragraph(escape(c), head) for c in block.columns]]
    for row in block.rows:
        cells = []
        for i, value in enumerate(row):
            if block.columns[i] == "SHA-256":
                style = styles["hash"]
            elif i < len(block.numeric) and block.numeric[i]:
                style = num
            else:
                style = cell
            cells.append(Paragraph(escape(value), style))
        data.append(cells)
    widths = _col_widths(block, available, styles)
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8b8b8")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4ebf7")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for r in range(2, len(data), 2):
        commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f5f5f5")))
    table.setStyle(TableStyle(commands))
    if not block.text:
        return [table]
    caption = Paragraph(escape(block.text), styles["caption"])
    if len(data) <= 30:
        return [KeepTogether([caption, table])]
    return [caption, table]


def _figure(block: Block, styles, available_w: float, available_h: float) -> list:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, Paragraph

    assert block.path is not None
    iw, ih = ImageReader(str(block.path)).getSize()
    width = available_w
    height = width * ih / iw
    limit = available_h - 40
    if height > limit:
        height = limit
        width = height * iw / ih
    return [KeepTogether([Image(str(block.path), width=width, height=height),
                          Paragraph(escape(block.text), styles["figcaption"])])]


def render_pdf(report: Report, path: Path) -> Path:
    """Lay out ``report`` on A4 pages and write it to ``path``."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    register_fonts()
    styles = _styles()
    lang = report.lang

    class _Doc(SimpleDocTemplate):
        def afterFlowable(self, flowable) -> None:  # noqa: N802 (reportlab's hook name)
            level = getattr(flowable, "_outline_level", None)
            if level is not None:
                key = f"h{id(flowable)}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level, closed=False)

    doc = _Doc(str(path), pagesize=A4, leftMargin=17 * mm, rightMargin=17 * mm, topMargin=18 * mm,
               bottomMargin=18 * mm, title=report.title, author="towerplan", subject=report.study_label,
               creator="towerplan", invariant=1, lang=lang)

    def _page(canvas, document) -> None:
        if report.date and document.page == 1:  # the preparation date as the PDF's dates (invariant otherwise)
            stamp = "D:" + report.date.replace("-", "")[:8] + "000000+00'00'"
            canvas.setDateFormatter(lambda *_: stamp)
        canvas.saveState()
        canvas.setFont(FONT_ITALIC, 7.5)
        canvas.setFillColor(colors.HexColor("#7a1f1f"))
        canvas.drawString(17 * mm, 10 * mm, report.study_label)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.setFont(FONT, 7.5)
        canvas.drawRightString(A4[0] - 17 * mm, 10 * mm, text("page", lang, page=document.page))
        if document.page > 1:
            canvas.drawString(17 * mm, A4[1] - 11 * mm, report.title)
            canvas.setStrokeColor(colors.HexColor("#cccccc"))
            canvas.line(17 * mm, A4[1] - 12.5 * mm, A4[0] - 17 * mm, A4[1] - 12.5 * mm)
        canvas.restoreState()

    width, height = doc.width, doc.height
    story: list = [
        Spacer(1, 30 * mm),
        Paragraph(escape(report.title), styles["title"]),
        Paragraph(escape(report.study_label), styles["study"]),
        Paragraph(escape(report.subtitle), styles["subtitle"]),
    ]
    story += _table(report.headline, styles, width)
    story.append(PageBreak())
    for block in report.blocks:
        if block.kind == "heading":
            style = styles["h1" if block.level <= 1 else "h2"]
            if block.level <= 1 and story and not isinstance(story[-1], PageBreak):
                story.append(PageBreak())
            para = Paragraph(escape(block.text), style)
            para._outline_level = 0 if block.level <= 1 else 1
            story.append(para)
        elif block.kind == "paragraph":
            story.append(Paragraph(escape(block.text), styles["note" if block.small else "base"]))
        elif block.kind == "figure":
            story += _figure(block, styles, width, height)
        elif block.kind == "table":
            story += _table(block, styles, width)
        elif block.kind == "pagebreak":
            story.append(PageBreak())
    doc.build(story, onFirstPage=_page, onLaterPages=_page)
    return path

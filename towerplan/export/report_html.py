"""``report.html``: one self-contained page (inline CSS, figures as data URIs, no scripts)."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from towerplan.export.report_model import Block, Report, build_report

if TYPE_CHECKING:
    from towerplan.export.package import PlanPackage

__all__ = ["render_html", "write_report_html"]

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1a1a1a; max-width: 60rem;
       margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; font-size: 15px; }
header { border-bottom: 3px solid #1f3f99; margin-bottom: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0.2rem 0; color: #1f3f99; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2rem; color: #1f3f99; }
h3 { font-size: 1.05rem; margin-top: 1.3rem; }
.study { font-style: italic; color: #7a1f1f; font-weight: bold; }
.subtitle { color: #555; font-size: 0.9rem; }
figure { margin: 1rem 0 1.5rem; page-break-inside: avoid; }
figure img { max-width: 100%; width: 46rem; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.9rem; color: #333; margin-top: 0.3rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.2rem; font-size: 0.85rem; }
table.small { font-size: 0.75rem; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 0.3rem 0; font-size: 0.95rem; }
th, td { border: 1px solid #c8c8c8; padding: 0.2rem 0.45rem; vertical-align: top; }
th { background: #e4ebf7; text-align: left; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #f7f7f7; }
td.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 0.7rem; word-break: break-all; }
p.note { font-size: 0.8rem; font-style: italic; color: #444; }
footer { margin-top: 2rem; font-size: 0.8rem; color: #666; border-top: 1px solid #ccc; padding-top: 0.5rem; }
"""


def write_report_html(package: PlanPackage, path: Path, *, figures: Mapping[str, Path], lang: str) -> Path:
    """Write ``report.html`` for ``package`` with the figure PNGs embedded."""
    report = build_report(package, figures, lang=lang)
    path.write_bytes(render_html(report).encode("utf-8"))
    return path


def _table(block: Block) -> str:
    cls = ' class="small"' if block.small else ""
    out = [f"<table{cls}>"]
    if block.text:
        out.append(f"<caption>{html.escape(block.text)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in block.columns) + "</tr></thead>")
    out.append("<tbody>")
    for row in block.rows:
        cells = []
        for i, value in enumerate(row):
            num = block.numeric[i] if i < len(block.numeric) else False
            klass = "num" if num else ("hash" if block.columns[i] == "SHA-256" else "")
            attr = f' class="{klass}"' if klass else ""
            cells.append(f"<td{attr}>{html.escape(value)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _figure(block: Block) -> str:
    assert block.path is not None
    data = base64.b64encode(block.path.read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(block.text, quote=True)}">'
            f"<figcaption>{html.escape(block.text)}</figcaption></figure>")


def render_html(report: Report) -> str:
    """The report as one HTML document (UTF-8, no external resources)."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{report.lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(report.title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{html.escape(report.title)}</h1>",
        f'<p class="study">{html.escape(report.study_label)}</p>',
        f'<p class="subtitle">{html.escape(report.subtitle)}</p>',
        "</header>",
        f"<h2>{html.escape(report.headline.text)}</h2>",
        _table(Block("table", columns=report.headline.columns, rows=report.headline.rows,
                     numeric=report.headline.numeric)),
    ]
    for block in report.blocks:
        if block.kind == "heading":
            tag = "h2" if block.level <= 1 else "h3"
            parts.append(f"<{tag}>{html.escape(block.text)}</{tag}>")
        elif block.kind == "paragraph":
            cls = ' class="note"' if block.small else ""
            parts.append(f"<p{cls}>{html.escape(block.text)}</p>")
        elif block.kind == "figure":
            parts.append(_figure(block))
        elif block.kind == "table":
            parts.append(_table(block))
    parts += [f"<footer>{html.escape(report.study_label)} · {html.escape(report.subtitle)}</footer>", "</body>",
              "</html>", ""]
    return "\n".join(parts)
